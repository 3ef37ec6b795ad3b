"""Analysis of a case in the background: a separate process that writes its progress to the store.

The app starts it and returns at once; the page reads the progress (stage, share
done, time left) from SQLite, so a page reload or a second browser tab sees the
same state, and closing the browser does not stop the analysis.

    python -m vigvision.review.jobs WORKSPACE CASE_ID [--preset NAME] [--cast adult,child]
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import traceback
from pathlib import Path

from .. import export
from ..errors import VigvisionError
from ..hooks import Progress
from ..io.files import write_json
from .evidence import describer
from .process import alive
from .workspace import Workspace

_MIN_INTERVAL_S = 0.5   # progress writes per second, at most about two
# Streamlit's player holds the whole file in memory per session: above this size the app plays a 720p copy
# (clips are still cut from the original).
PREVIEW_ABOVE_MB = 500
_START_GRACE_S = 60     # an analysis that has not said it started within this long never will


def start(ws: Workspace, case_id: str, *, preset: str | None = None, cast: list[str] | None = None) -> int:
    """Start analysing a case in a new process; returns its pid. ``cast``: who is filmed, by role. What was
    asked when the case was added is kept with it, so analysing it again (after a failure) asks the same."""
    case = ws.store.case(case_id)
    if case.state == "analysing" and alive(case.pid):
        return case.pid
    asked = ws.case_folder(case_id) / "asked.json"
    before = json.loads(asked.read_text()) if asked.is_file() else {}
    preset = preset or before.get("preset")
    cast = cast if cast is not None else before.get("cast")
    write_json(asked, {"preset": preset, "cast": cast})
    log = ws.case_folder(case_id) / "job.log"
    cmd = [sys.executable, "-m", "vigvision.review.jobs", str(ws.root), case_id]
    if preset:
        cmd += ["--preset", preset]
    if cast is not None:
        cmd += ["--cast", ",".join(cast)]
    # The state is set before the process starts: a quick job may finish before Popen returns.
    ws.store.set_state(case_id, "analysing", stage="starting", overall=0.0, eta_s=None, error=None, pid=None)
    try:
        with open(log, "wb") as out:
            proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                    start_new_session=True)
    except OSError as exc:
        ws.store.set_state(case_id, "failed", error=f"could not start the analysis ({exc})", pid=None)
        raise VigvisionError(f"{case.name}: could not start the analysis ({exc})") from None
    ws.store.note_pid(case_id, proc.pid)
    return proc.pid


def check_stopped(ws: Workspace) -> None:
    """Mark as failed the cases whose analysis process is gone without finishing (killed, or the machine
    restarted), so the page offers to start them again rather than waiting forever."""
    for case in ws.store.cases():
        never_started = case.pid is None and time.time() - case.updated > _START_GRACE_S
        if case.state == "analysing" and (never_started or (case.pid and not alive(case.pid))):
            ws.store.set_state(case.id, "failed", error="the analysis stopped before it finished; start it again "
                               f"(details in {ws.relative(ws.case_folder(case.id) / 'job.log')})")


def run(ws: Workspace, case_id: str, *, preset: str | None = None, cast: list[str] | None = None) -> None:
    """Analyse a case here and now, writing progress to the store, then load its candidates. ``cast``: who
    is filmed, by role (e.g. ["adult", "child"]): that many persons are reported."""
    import vigvision
    from vigvision.config import Config

    case = ws.store.case(case_id)
    config = Config.preset(preset) if preset else Config()
    if cast is not None:
        config = config.with_settings("persons", {"cast": list(cast)}, source="the cast")
    last = [0.0]

    def hook(p: Progress) -> None:
        now = time.monotonic()
        if p.event in ("start", "end") or now - last[0] >= _MIN_INTERVAL_S:
            last[0] = now
            ws.store.set_state(case_id, "analysing", stage=p.stage, overall=round(p.overall, 4),
                               eta_s=None if p.eta_s is None else round(p.eta_s, 1), pid=os.getpid())

    ws.store.set_state(case_id, "analysing", stage="starting", overall=0.0, pid=os.getpid())
    result = vigvision.analyze(ws.video_path(case), ws.analysis_path(case), config=config, hook=hook)
    preview = ws.preview_path(case)
    source = ws.video_path(case)
    too_big = source.stat().st_size > PREVIEW_ABOVE_MB * 1024 * 1024
    if (too_big or not export.browser_playable(source)) and not preview.is_file():
        ws.store.set_state(case_id, "analysing", stage="preview", overall=0.99, eta_s=None, pid=os.getpid())
        export.export_clip(ws.video_path(case), 0.0, float(result.video["duration_s"]), preview, max_side=720)
    counts = ws.store.sync_candidates(case_id, result["moments"], describe=describer(result))
    ws.store.set_state(case_id, "ready", stage=None, overall=1.0, eta_s=0.0, error=None, pid=None)
    print(f"{case_id}: ready, {counts['candidates']} candidates, {counts['carried']} earlier decisions carried over"
          + (f", {counts['kept_stale']} kept from the earlier analysis" if counts["kept_stale"] else ""), flush=True)


def rerank(ws: Workspace, case_id: str, moments: dict) -> dict:
    """Re-rank a case's candidates with new [moments] settings (a preset, or weights) here and now: no
    decoding and no background process, about a second. The guider's decisions go to the new candidates
    as after a re-analysis. Returns the store's counts, with ``seconds``."""
    from vigvision.config import Config
    from vigvision.pipeline import rerank as rerank_analysis

    analysis = _ready_analysis(ws, case_id)
    config = Config.from_dict(analysis.config).with_settings("moments", moments, source="the app's moment settings")
    return _synced(ws, case_id, rerank_analysis(analysis, config, video=ws.video_path(ws.store.case(case_id))))


def correct(ws: Workspace, case_id: str, said: list[str], *, undo: bool = False) -> dict:
    """Correct a case's persons (``said``: "merge P1=P2", "split P1@1:14", "role P2=child", "name P1=Mum",
    see :mod:`vigvision.correct`), or take back the last correction (``undo``), here and now: the stages from
    persons on run again from the cache (seconds, no decoding), and the candidates are loaded as after a
    re-ranking. Returns the store's counts, with ``seconds``."""
    from vigvision import correct as correcting

    analysis = _ready_analysis(ws, case_id)
    video = ws.video_path(ws.store.case(case_id))
    done = correcting.undo(analysis, video=video) if undo else correcting.correct(analysis, said, video=video)
    return _synced(ws, case_id, done)


def _ready_analysis(ws: Workspace, case_id: str):
    import vigvision

    case = ws.store.case(case_id)
    if case.state == "analysing" and alive(case.pid):
        raise VigvisionError(f"{case.name}: the analysis is still running; wait until it has finished")
    return vigvision.load(ws.analysis_path(case))


def _synced(ws: Workspace, case_id: str, done) -> dict:
    """The store's candidates brought to a re-run analysis (decisions carried over); its counts."""
    counts = ws.store.sync_candidates(case_id, done.analysis["moments"], describe=describer(done.analysis))
    return {**counts, "seconds": round(done.seconds, 2), "ran": done.ran}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m vigvision.review.jobs")
    ap.add_argument("workspace", type=Path)
    ap.add_argument("case_id")
    ap.add_argument("--preset")
    ap.add_argument("--cast", help="who is filmed, e.g. adult,child")
    args = ap.parse_args(argv)
    ws = Workspace(args.workspace)
    try:
        run(ws, args.case_id, preset=args.preset,
            cast=[r for r in args.cast.split(",") if r] if args.cast is not None else None)
    except VigvisionError as exc:  # the footage or settings: say what, in one line
        ws.store.set_state(args.case_id, "failed", error=str(exc), pid=None)
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except BaseException as exc:  # a bug: keep the traceback in job.log, one line for the page
        traceback.print_exc()
        ws.store.set_state(args.case_id, "failed", pid=None,
                           error=f"internal error ({exc.__class__.__name__}: {exc}); details in job.log")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
