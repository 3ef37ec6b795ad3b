"""Speed and memory of the whole analysis: x realtime, per stage, against decode-only.

    python -m benchmarks.speed            # sample, synthetic 1 and 10 min 720p clips, real footage
    python -m benchmarks.speed --quick    # sample and the synthetic clips only

Each measurement runs in a fresh process, so peak RSS is that run's own. For
each clip it reports, measured in the same run:
  decode_s     decode every frame, no pixel conversion (the floor any analysis pays)
  analyze_s    `vigvision.analyze` end to end, cache cold, with per-stage seconds
  vision_x_rt  video seconds per second of the vision stage (the decode pass with face
               detection, tracking and landmarks: decode included)
  ratio        analyze_s / decode_s
  x_realtime   video seconds per wall second for the whole analysis
  peak_rss_mb  peak resident memory of the analysing process
The 10 min / 1 min peak-RSS ratio shows whether memory stays bounded with length.
Results: benchmarks/results/speed.json and speed.md.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from .report import RESULTS, footage_root, write_results

WORK = RESULTS / "tmp"


def _peak_rss_mb() -> float:
    """This process's peak resident memory. VmHWM, not ru_maxrss: on Linux ru_maxrss
    carries the parent's high-water mark across fork+exec."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def measure_decode(path: str) -> dict:
    """Decode every video frame without converting pixels: the decoding floor."""
    import av

    t = time.perf_counter()
    n = 0
    with av.open(path) as c:
        s = c.streams.video[0]
        s.thread_type = "AUTO"
        for _ in c.decode(s):
            n += 1
    return {"decode_s": time.perf_counter() - t, "frames": n, "peak_rss_mb": _peak_rss_mb()}


def measure_analyze(path: str) -> dict:
    t = time.perf_counter()
    import vigvision
    import vigvision.pipeline  # noqa: F401  (imports timed apart from the analysis)

    import_s = time.perf_counter() - t
    out = Path(tempfile.mkdtemp(prefix="vv-bench-"))
    try:
        t = time.perf_counter()
        result = vigvision.analyze(path, out)
        total = time.perf_counter() - t
        return {"analyze_s": total, "import_s": import_s, "timings_s": result.data["timings_s"],
                "duration_s": result.video["duration_s"], "width": result.video["width"],
                "height": result.video["height"], "fps": result.video["fps"], "peak_rss_mb": _peak_rss_mb()}
    finally:
        shutil.rmtree(out, ignore_errors=True)


def run_child(mode: str, path: Path) -> dict:
    proc = subprocess.run([sys.executable, "-m", "benchmarks.speed", "--child", mode, str(path)],
                          capture_output=True, text=True, cwd=Path(__file__).resolve().parents[1])
    if proc.returncode != 0:
        return {"error": proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else f"exit {proc.returncode}"}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def synthetic_clip(minutes: float) -> Path:
    """A 1280x720 30 fps H.264 clip with audio, made once and kept in results/tmp."""
    from vigvision.testing.synth import make_video

    WORK.mkdir(parents=True, exist_ok=True)
    path = WORK / f"synthetic_{minutes:g}min_720p30.mp4"
    if not path.exists():
        seconds = minutes * 60
        bursts = [(t, t + 0.8) for t in np.arange(1.0, seconds - 1, 3.0)]
        tmp = path.with_name(".part-" + path.name)
        make_video(tmp, duration_s=seconds, fps=30, width=1280, height=720, bursts_s=bursts)
        tmp.replace(path)
    return path


def two_faces_clip(seconds: float = 60) -> Path:
    """1280x720 30 fps, two real faces (~120 and ~90 px) that move, turn and leave once."""
    from vigvision.testing.faces import Placement, face_video

    WORK.mkdir(parents=True, exist_ok=True)
    path = WORK / f"two_faces_{seconds:g}s_720p30.mp4"
    if not path.exists():
        def timeline(t):
            people = [Placement("grace_hopper", (380 + 60 * np.sin(t / 3), 330), 120, roll_deg=10 * np.sin(t / 2))]
            if not 20 <= t < 23:
                people.append(Placement("astronaut", (900 - 80 * np.sin(t / 4), 380), 90, mirror=True,
                                        roll_deg=8 * np.cos(t / 3)))
            return people

        tmp = path.with_name(".part-" + path.name)
        face_video(tmp, duration_s=seconds, fps=30, width=1280, height=720, timeline=timeline)
        tmp.replace(path)
    return path


def bench_clip(name: str, path: Path) -> dict:
    dec = run_child("decode", path)
    ana = run_child("analyze", path)
    row = {"clip": name, "path": str(path)}
    if "error" in dec or "error" in ana:
        row["error"] = dec.get("error") or ana.get("error")
        return row
    row.update({
        "duration_s": ana["duration_s"], "size": f"{ana['width']}x{ana['height']}", "fps": ana["fps"],
        "decode_s": round(dec["decode_s"], 3), "analyze_s": round(ana["analyze_s"], 3),
        "ratio_analyze_to_decode": round(ana["analyze_s"] / dec["decode_s"], 3) if dec["decode_s"] else None,
        "x_realtime": round(ana["duration_s"] / ana["analyze_s"], 1),
        "decode_x_realtime": round(ana["duration_s"] / dec["decode_s"], 1),
        "vision_x_realtime": round(ana["duration_s"] / ana["timings_s"]["vision"], 2),
        "stages_s": ana["timings_s"], "import_s": round(ana["import_s"], 3), "peak_rss_mb": round(ana["peak_rss_mb"], 1),
    })
    return row


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help="sample and the synthetic clips only")
    p.add_argument("--child", nargs=2, metavar=("MODE", "PATH"), help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.child:
        mode, path = args.child
        print(json.dumps(measure_decode(path) if mode == "decode" else measure_analyze(path)))
        return 0

    from vigvision import __version__
    from vigvision.sample import make_sample

    clips: list[tuple[str, Path]] = [("sample", make_sample(WORK / "sample.mp4"))]
    clips.append(("two faces 1 min 720p30", two_faces_clip(60)))
    clips.append(("synthetic 1 min 720p30", synthetic_clip(1)))
    clips.append(("synthetic 10 min 720p30", synthetic_clip(10)))
    if not args.quick:
        root = footage_root()
        if root.is_dir():
            for f in sorted(root.rglob("*")):
                if f.suffix.lower() in (".mp4", ".avi", ".mov", ".mkv"):
                    clips.append((f.relative_to(root).as_posix(), f))
    rows = []
    for name, path in clips:
        row = bench_clip(name, path)
        rows.append(row)
        print(_line(row), flush=True)

    summary = {}
    by = {r["clip"]: r for r in rows}
    one, ten = by.get("synthetic 1 min 720p30"), by.get("synthetic 10 min 720p30")
    if one and ten and "error" not in one and "error" not in ten:
        summary["peak_rss_10min_over_1min"] = round(ten["peak_rss_mb"] / one["peak_rss_mb"], 3)
    real = [r for r in rows if "error" not in r and not r["clip"].startswith(("sample", "synthetic", "two faces"))]
    if real:
        summary["real_clips"] = len(real)
        summary["real_total_video_s"] = round(sum(r["duration_s"] for r in real), 1)
        summary["real_total_analyze_s"] = round(sum(r["analyze_s"] for r in real), 1)
        summary["real_x_realtime_overall"] = round(summary["real_total_video_s"] / summary["real_total_analyze_s"], 1)
        summary["real_median_ratio_analyze_to_decode"] = float(np.median([r["ratio_analyze_to_decode"] for r in real]))
    report = {"benchmark": "ingest", "vigvision": __version__, "python": platform.python_version(),
              "machine": f"{platform.machine()}, {os.cpu_count()} cores",
              "date": time.strftime("%Y-%m-%d %H:%M:%S"), "summary": summary, "clips": rows}
    write_results("speed", report, _markdown(report), echo=False)
    print(json.dumps(summary, indent=1))
    print(f"wrote {RESULTS / 'speed.json'} and speed.md")
    return 0


def _line(r: dict) -> str:
    if "error" in r:
        return f"{r['clip']:60} ERROR {r['error']}"
    return (f"{r['clip']:60} {r['duration_s']:7.1f} s  decode {r['decode_s']:6.2f} s  analyze {r['analyze_s']:6.2f} s"
            f"  ratio {r['ratio_analyze_to_decode']:5.2f}  {r['x_realtime']:6.1f}x rt  vision {r['vision_x_realtime']:5.1f}x rt"
            f"  {r['peak_rss_mb']:6.0f} MB")


def _markdown(report: dict) -> str:
    out = [f"# Speed benchmark ({report['date']}, {report['machine']}, Python {report['python']})", "",
           "analyze = probe + hash + vision (one decode pass, faces at the 10 fps analysis rate) + audio + persons "
           "+ write; vision x rt = video seconds per second of the vision stage (decode included).",
           "decode = every frame decoded, no pixel conversion, same clip, same run.", "",
           "| clip | video s | size | decode s | analyze s | analyze/decode | x realtime | vision x rt | peak RSS MB |",
           "|---|---:|---|---:|---:|---:|---:|---:|---:|"]
    for r in report["clips"]:
        if "error" in r:
            out.append(f"| {r['clip']} | error: {r['error']} ||||||||")
            continue
        out.append(f"| {r['clip']} | {r['duration_s']:.1f} | {r['size']} | {r['decode_s']:.2f} | {r['analyze_s']:.2f}"
                   f" | {r['ratio_analyze_to_decode']:.2f} | {r['x_realtime']:.1f} | {r['vision_x_realtime']:.1f}"
                   f" | {r['peak_rss_mb']:.0f} |")
    out += ["", "Summary: `" + json.dumps(report["summary"]) + "`", ""]
    return "\n".join(out)


if __name__ == "__main__":
    sys.exit(main())
