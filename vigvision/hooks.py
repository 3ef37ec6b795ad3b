"""One progress hook signature for the CLI bar, benchmarks and the app.

The pipeline calls ``hook(Progress(...))`` when a stage starts, as it works,
and when it ends. Consumers never reach into a stage: everything they need
(stage, fraction, elapsed, ETA) is in the event.
"""
from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from typing import Callable, TextIO

from .time import hms


@dataclass(frozen=True)
class Progress:
    """A progress event.

    stage: the stage running; event: "start", "update", "end" or "cached".
    done/total: work in the stage's own unit (e.g. seconds of video); total may be None.
    overall: fraction of the whole analysis done, 0..1 (stages weighted by expected cost).
    elapsed_s: since the analysis started; eta_s: estimate of what is left, or None.
    stage_s: seconds this stage took (on "end").
    """

    stage: str
    event: str
    done: float = 0.0
    total: float | None = None
    unit: str = ""
    overall: float = 0.0
    elapsed_s: float = 0.0
    eta_s: float | None = None
    stage_s: float | None = None
    message: str = ""


ProgressHook = Callable[[Progress], None]


def no_progress(_: Progress) -> None:
    """A hook that ignores every event."""


class TerminalProgress:
    """A one-line progress bar on a terminal; plain lines per stage elsewhere (logs, CI).

    >>> hook = TerminalProgress()                 # doctest: +SKIP
    >>> vigvision.analyze("family.mp4", hook=hook)  # doctest: +SKIP
    [frames    ] ######------------  34%  elapsed 00:12  ETA 00:23  10.2/30.0 s
    """

    def __init__(self, stream: TextIO | None = None, *, width: int = 24, min_interval_s: float = 0.1):
        self.stream = stream or sys.stderr
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.width = width
        self.min_interval_s = min_interval_s
        self._last = 0.0

    def __call__(self, p: Progress) -> None:
        if p.event == "update":
            if not self.tty:
                return
            now = time.monotonic()
            if now - self._last < self.min_interval_s:
                return
            self._last = now
        filled = int(round(self.width * min(max(p.overall, 0.0), 1.0)))
        bar = "#" * filled + "-" * (self.width - filled)
        work = ""
        if p.total:
            work = f"  {p.done:.1f}/{p.total:.1f} {p.unit}".rstrip()
        line = (f"[{p.stage:<8}] {bar} {100 * p.overall:3.0f}%  elapsed {hms(p.elapsed_s)}"
                f"  ETA {hms(p.eta_s)}{work}")
        if p.event == "start":
            line = f"[{p.stage:<8}] started  ({100 * p.overall:.0f}% of the analysis done, elapsed {hms(p.elapsed_s)})"
        elif p.event == "cached":
            line = f"[{p.stage:<8}] reused from cache"
        elif p.event == "end":
            line = f"[{p.stage:<8}] done in {p.stage_s:.1f} s{('  ' + p.message) if p.message else ''}"
        if self.tty:
            end = "\n" if p.event in ("end", "cached") else ""
            self.stream.write("\r\033[K" + line + end)
        elif p.event in ("end", "cached", "start"):
            self.stream.write(line + "\n")
        self.stream.flush()
