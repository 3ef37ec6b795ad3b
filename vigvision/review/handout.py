"""A case's accepted moments as the files a guider takes to the review with the family.

Clips of each accepted moment (with, on request, a half-speed copy and an anonymised copy to share for
supervision), freeze-frame stills, the review sheet, the decisions as CSV and JSON, and an ELAN file of
the whole video. The app's Export tab and ``vigvision export CASE --clips DIR`` both call
:func:`export_case`, so both write the same files under the same names.

    WORKSPACE/cases/<case>/export/
      <case>_M1_0m12.5.mp4, <case>_M1_0m12.5_slow.mp4     a clip, and its half-speed copy
      anonymised_M1_0m12.5.mp4                              faces hidden, voices lowered: no family name in it
      <case>_still_5.00s.jpg                                a still at 5.00 s
      <case>_review_sheet.html, <case>_moments.csv, <case>_moments.json, <case>.eaf
"""
from __future__ import annotations

import time
from pathlib import Path
from typing import Callable

from .. import export
from ..version import __version__
from ..config import ANONYMISED_PITCH
from ..errors import InputError
from ..time import clock, parse_clock
from .workspace import Workspace



def instants(text: str, duration_s: float) -> list[float]:
    """Still times as typed (seconds or m:ss.s, comma-separated), each checked to lie inside the video."""
    out = []
    for part in text.replace(";", ",").split(","):
        part = part.strip()
        if part:
            try:
                t = parse_clock(part)
            except InputError:
                raise InputError(f"stills: {part!r} is not a time in seconds") from None
            if t > duration_s:
                raise InputError(f"stills: {part} is after the end of the video ({clock(duration_s)})")
            out.append(t)
    return out


def export_case(ws: Workspace, case_id: str, folder: str | Path | None = None, *, slow: bool = False,
                stills: list[float] = (), anonymised: bool = False, pitch_semitones: float = ANONYMISED_PITCH,
                elan: bool = False, progress: Callable[[float, str], None] | None = None) -> list[Path]:
    """Write the case's accepted moments (see the module's docstring) into ``folder`` (default: the case's
    export folder); returns the files written. ``progress(fraction, words)`` follows the clips."""
    from ..export.anonymise import anonymise
    from ..coding import from_analysis
    from ..coding import write_eaf
    from ..io.files import write_json
    from ..result import load
    from ..coding.tables import write_csv

    case = ws.store.case(case_id)
    accepted = sorted(ws.store.moments(case_id, status="accepted"), key=lambda m: m.start)
    if not accepted:
        raise InputError(f"{case.name}: no accepted moment to export; accept one in the app first")
    analysis = load(ws.analysis_path(case))
    video, out = ws.video_path(case), Path(folder) if folder is not None else ws.export_folder(case)
    duration = float(analysis.video["duration_s"])
    late = [t for t in stills if not 0.0 <= t <= duration]
    if late:
        raise InputError(f"stills: {late[0]:g} s is outside the video (0:00.0 - {clock(duration)})")
    made: list[Path] = []
    for i, m in enumerate(accepted):
        name = f"{case.id}_{m.key}_{clock(m.start).replace(':', 'm')}"
        made.append(export.export_clip(video, m.start, m.end, out / f"{name}.mp4")["path"])
        if slow:
            made.append(export.export_clip(video, m.start, m.end, out / f"{name}_slow.mp4", slow=2.0)["path"])
        if anonymised:   # a copy to share: its name says nothing of the family (the case id is the film's name)
            shared = out / f"anonymised_{m.key}_{clock(m.start).replace(':', 'm')}.mp4"
            anonymise(analysis, shared, persons=None, start=m.start, end=m.end, pitch_semitones=pitch_semitones,
                      video=video)
            made.append(shared)
        if progress:
            progress((i + 1) / (len(accepted) + 1), f"Exported {m.key}")
    made += [export.export_still(video, t, out / f"{case.id}_still_{t:.2f}s.jpg") for t in stills]
    at = {m.key: [t for t in stills if m.start <= t <= m.end] for m in accepted}
    made.append(export.review_sheet(case.name, video, accepted, out / f"{case.id}_review_sheet.html", stills_at=at))
    decided = ws.store.moments(case_id, include_stale=True)
    rows = export.decisions_table(case.id, decided)
    write_csv(out / f"{case.id}_moments.csv", rows)
    made.append(out / f"{case.id}_moments.csv")
    if elan:
        made.append(write_eaf(from_analysis(analysis, decided), out / f"{case.id}.eaf", media=video))
    write_json(out / f"{case.id}_moments.json", {"case": case.id, "video": case.video,
                                                   "software": f"vigvision {__version__}",
                                                   "exported": time.strftime("%Y-%m-%dT%H:%M:%S"), "moments": rows,
                                                   "metrics": analysis.metrics})
    made.append(out / f"{case.id}_moments.json")
    if progress:
        progress(1.0, "Done")
    return [Path(p) for p in made]
