"""What a changed setting costs on an analysed 10-minute family film: which steps run again, and how long.

    python -m benchmarks.rerun [--work DIR] [--minutes 10]

The film is lookit-laughter clips of families 2UWdXP and 6c6MZQ joined (repeated to the length asked), made
in a temporary folder (family 3dC3SQ, held out of all tuning, is not used; nothing here is tuned anyway).
It is analysed once; then one setting of each section is changed in turn and ``vigvision.pipeline.rerank``
brings the analysis to it. Reported per change: the stages reused from the cache, the steps run, seconds,
and that time over the first analysis and over decoding the film once (ratios from the same run).
Results: benchmarks/results/rerun.{json,md}.
"""
from __future__ import annotations

import argparse
import json
import platform
import shutil
import tempfile
import time
from pathlib import Path

from .report import footage_root, join_clips, write_results
from .speed import measure_decode

FAMILIES = ("2UWdXP", "6c6MZQ")
CHANGES = [("moments", "w_mutual_gaze", 4.0), ("moments", "preset", "infant"), ("gaze", "switch_cost", 2.0),
           ("turns", "pause_s", 1.0), ("voice", "vad_threshold", 0.6), ("vision", "min_person_s", 2.0),
           ("vision", "detect_every", 4)]


def family_film(work: Path, minutes: float) -> Path:
    """The two families' clips, one after another (repeated), as one 640x480 25 fps H.264 film."""
    clips = sorted(p for f in FAMILIES for p in (footage_root() / "lookit-laughter").glob(f"{f}.*.mp4"))
    if not clips:
        raise SystemExit(f"no lookit-laughter clips under {footage_root()} (set VIGVISION_FOOTAGE)")
    return join_clips(clips, work / f"family_film_{minutes:g}min.mp4", seconds=minutes * 60)


def app_rerank(work: Path, film: Path, out: Path) -> float:
    """Seconds the app takes to re-rank the film's case with one weight changed (``review.jobs.rerank``: the
    re-rank, then the guider's decisions carried to the new candidates), as the Settings tab does."""
    from vigvision.review import Workspace, jobs

    shutil.rmtree(work / "ws", ignore_errors=True)
    ws = Workspace(work / "ws")
    case = ws.case_for(ws.import_video(film))
    shutil.copytree(out, ws.analysis_path(case), dirs_exist_ok=True)
    import vigvision

    ws.store.sync_candidates(case.id, vigvision.load(ws.analysis_path(case)).moments)
    ws.store.set_state(case.id, "ready")
    ws.store.decide(case.id, ws.store.moments(case.id)[0].key, "accepted")
    t = time.perf_counter()
    jobs.rerank(ws, case.id, {"w_shared_smile": 5.0})
    return time.perf_counter() - t


def main(argv: list[str] | None = None) -> int:
    import vigvision
    from vigvision.config import Config
    from vigvision.pipeline import rerank

    ap = argparse.ArgumentParser(prog="python -m benchmarks.rerun")
    ap.add_argument("--work", type=Path, help="keep the film and its analysis here (default: a temporary folder)")
    ap.add_argument("--minutes", type=float, default=10.0)
    args = ap.parse_args(argv)
    work = args.work or Path(tempfile.mkdtemp(prefix="vigvision-rerun-"))
    work.mkdir(parents=True, exist_ok=True)
    film = family_film(work, args.minutes)
    decode_s = measure_decode(str(film))["decode_s"]
    out = work / "film.vigvision"
    shutil.rmtree(out, ignore_errors=True)      # a fresh first analysis: the ratios are to it
    t = time.perf_counter()
    first = vigvision.analyze(film, out)
    analyse_s = time.perf_counter() - t
    print(f"{film.name}: {first.video['duration_s']:.0f} s, analysed in {analyse_s:.1f} s "
          f"(decode only {decode_s:.1f} s)", flush=True)
    rows = []
    for section, key, value in CHANGES:
        data = json.loads(json.dumps(vigvision.load(out).config))
        if key == "preset":
            data["moments"] = Config.preset(value).to_dict()["moments"]
        else:
            data[section][key] = value
        done = rerank(out, Config.from_dict(data))
        rows.append({"change": f"[{section}] {key} = {value}", "changed": done.changed, "reused": done.reused,
                     "ran": done.ran, "seconds": round(done.seconds, 2),
                     "of_analysis": round(done.seconds / analyse_s, 3), "of_decode": round(done.seconds / decode_s, 2)})
        print(f"  {rows[-1]['change']}: {done.words()}", flush=True)
    app_s = app_rerank(work, film, out)
    print(f"  the app's re-rank (a weight changed, decisions carried over): {app_s:.2f} s", flush=True)
    result = {"app_rerank_s": round(app_s, 2),
              "film": {"minutes": round(first.video["duration_s"] / 60, 2), "families": list(FAMILIES),
                       "size": f"{first.video['width']}x{first.video['height']}"},
              "machine": f"{platform.machine()}, {__import__('os').cpu_count()} cores, Python {platform.python_version()}",
              "analysis_s": round(analyse_s, 1), "decode_s": round(decode_s, 2), "changes": rows,
              "date": time.strftime("%Y-%m-%d %H:%M:%S")}
    write_results("rerun", result, _markdown(result))
    return 0


def _markdown(r: dict) -> str:
    lines = [f"# What a changed setting re-runs ({r['date']}, {r['machine']})", "",
             f"A {r['film']['minutes']} min film ({r['film']['size']}, lookit-laughter families "
             f"{', '.join(r['film']['families'])} joined) analysed once in {r['analysis_s']} s; decoding it once "
             f"takes {r['decode_s']} s. Then one setting at a time, in this order, each from the previous state:", "",
             "| change | re-ran | reused from the cache | s | / first analysis | / decode |", "|---|---|---|---:|---:|---:|"]
    for row in r["changes"]:
        lines.append(f"| {row['change']} | {', '.join(row['ran'])} | {', '.join(row['reused']) or '-'} | "
                     f"{row['seconds']} | {row['of_analysis']} | {row['of_decode']} |")
    lines += ["", f"The app's re-rank of the film's case (Settings tab: one weight changed; the re-rank, then the "
              f"guider's decisions carried to the new candidates, `review.jobs.rerank`): **{r['app_rerank_s']} s** "
              "(target < 2 s), in the same run."]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    raise SystemExit(main())
