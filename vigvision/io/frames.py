"""The frame table: which frames were analysed, and when each was shown.

This is the decode pass of the pipeline: it walks the video once at the
analysis rate and records each kept frame's exact presentation time. Per-frame
signal extractors (faces, in the vision stage) run inside this same pass so
that the video is decoded only once.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from .files import save_npz
from .video import Frame, VideoInfo, VideoReader


@dataclass(frozen=True)
class FrameTable:
    """``times_s``: (n,) float64 seconds; ``source_index``: (n,) int64 index among decoded frames.

    ``stop_time_s`` is the last decoded frame's time; ``error`` and
    ``stopped_early`` say whether decoding ended before the container's end.
    ``damaged``: stretches ([start, end] s) where packets could not be decoded and were skipped
    (``packets_lost`` in all); ``size_changes``: (time, width, height) where the picture size changed
    (those frames were scaled to the first frame's size).
    """

    times_s: np.ndarray
    source_index: np.ndarray
    frames_decoded: int
    stop_time_s: float | None
    stopped_early: bool
    error: str | None
    damaged: list = field(default_factory=list)
    packets_lost: int = 0
    size_changes: list = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.times_s)

    @property
    def measured_fps(self) -> float | None:
        """Average rate of the decoded frames, from their timestamps (None below two frames)."""
        if self.frames_decoded < 2 or self.stop_time_s is None or not len(self):
            return None
        span = self.stop_time_s - float(self.times_s[0])
        return (self.frames_decoded - 1) / span if span > 0 else None

    def save(self, folder: Path) -> None:
        save_npz(folder / "frames.npz", times_s=self.times_s, source_index=self.source_index)
        meta = {"frames_decoded": self.frames_decoded, "stop_time_s": self.stop_time_s,
                "stopped_early": self.stopped_early, "error": self.error, "damaged": self.damaged,
                "packets_lost": self.packets_lost, "size_changes": [list(c) for c in self.size_changes]}
        (folder / "frames.json").write_text(json.dumps(meta))

    @classmethod
    def load(cls, folder: Path) -> "FrameTable":
        arrays = np.load(folder / "frames.npz")
        meta = json.loads((folder / "frames.json").read_text())
        return cls(times_s=arrays["times_s"], source_index=arrays["source_index"], **meta)


def scan_frames(info: VideoInfo, *, fps: float | None, max_side: int = 0,
                on_frame: Callable[[Frame], None] | None = None,
                report: Callable[[float], None] | None = None) -> FrameTable:
    """Decode ``info.path`` once at ``fps``, calling ``on_frame`` for each kept frame.

    ``report(t)`` is called with the current video time for progress.
    """
    times: list[float] = []
    source: list[int] = []
    reader = VideoReader(info.path, fps=fps, max_side=max_side or None, info=info)
    with reader:
        for frame in reader:
            times.append(frame.time_s)
            source.append(frame.source_index)
            if on_frame is not None:
                on_frame(frame)
            if report is not None:
                report(frame.time_s)
    return FrameTable(
        times_s=np.asarray(times, dtype=np.float64),
        source_index=np.asarray(source, dtype=np.int64),
        frames_decoded=reader.frames_decoded,
        stop_time_s=reader.stop_time_s,
        stopped_early=reader.stopped_early,
        error=reader.error,
        damaged=reader.damaged,
        packets_lost=reader.packets_lost,
        size_changes=reader.size_changes,
    )
