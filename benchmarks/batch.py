"""Batch throughput: how analysis of a study scales with cores, and a batch over all the real footage.

    python -m benchmarks.batch [--subset N] [--no-full]

1. Scaling: the first N lookit-laughter clips (default 12) analysed by `vigvision batch` with 1 job
   and with 2 jobs, each into a fresh folder (no cache): wall time, seconds of footage per wall
   second, and the speed-up of 2 jobs over 1, measured in the same run.
2. Everything under the footage folder (odd, silent, variable-rate clips included) with 2 jobs:
   what was analysed, what failed and why, and the throughput.
The machine: os.cpu_count() is reported with the numbers. Results: benchmarks/results/batch.json and .md
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

from vigvision.batch import plan_batch, run_batch
from vigvision.config import Config

from .report import footage_root, write_results


def timed_batch(inputs, out: Path, jobs: int) -> dict:
    plan = plan_batch(inputs, out, Config())
    footage_s = sum(t.duration_s or 0 for t in plan.tasks)
    t0 = time.perf_counter()
    summary = run_batch(plan, jobs=jobs)
    wall = time.perf_counter() - t0
    return {"jobs": jobs, "videos": summary["videos"], "analysed": summary["analysed"], "failed": summary["failed"],
            "footage_s": round(footage_s, 1), "wall_s": round(wall, 1),
            "footage_s_per_wall_s": round(footage_s / wall, 3), "failures": summary["failures"]}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--subset", type=int, default=12, help="lookit-laughter clips in the scaling run")
    ap.add_argument("--no-full", action="store_true", help="skip the batch over all the footage")
    args = ap.parse_args()
    root = footage_root()
    clips = sorted((root / "lookit-laughter").glob("*.mp4"))[: args.subset]
    if not clips:
        print(f"{root}: footage not found (set VIGVISION_FOOTAGE)", file=sys.stderr)
        return 2
    result = {"cpus": os.cpu_count(), "subset": [c.name for c in clips]}
    with tempfile.TemporaryDirectory() as tmp:
        one = timed_batch(clips, Path(tmp) / "one", 1)
        two = timed_batch(clips, Path(tmp) / "two", 2)
        result["scaling"] = {"one_job": one, "two_jobs": two,
                             "speedup_2_over_1": round(one["wall_s"] / two["wall_s"], 3)}
        print(f"scaling: 1 job {one['wall_s']} s, 2 jobs {two['wall_s']} s, speed-up "
              f"{result['scaling']['speedup_2_over_1']}", flush=True)
        if not args.no_full:
            result["full"] = timed_batch([root], Path(tmp) / "full", 2)
    write_results("batch", result, markdown(result))
    return 0


def markdown(r: dict) -> str:
    s = r["scaling"]
    one, two = s["one_job"], s["two_jobs"]
    lines = ["# Batch throughput", "", f"`python -m benchmarks.batch` on a machine with {r['cpus']} CPUs.", "",
             f"## Scaling: {len(r['subset'])} lookit-laughter clips ({one['footage_s']:.0f} s of footage), "
             "fresh caches", "",
             "| jobs | wall s | footage s per wall s | analysed | failed |", "|---|---|---|---|---|",
             f"| 1 | {one['wall_s']} | {one['footage_s_per_wall_s']} | {one['analysed']} | {one['failed']} |",
             f"| 2 | {two['wall_s']} | {two['footage_s_per_wall_s']} | {two['analysed']} | {two['failed']} |", "",
             f"Speed-up of 2 jobs over 1 in the same run: **{s['speedup_2_over_1']}x**. Per core: about "
             f"{two['footage_s_per_wall_s'] / 2:.2f} s of footage analysed per second (so an hour of footage takes "
             f"about {3600 / max(two['footage_s_per_wall_s'] / 2, 1e-9) / 60:.0f} core-minutes).", "",
             "One analysis already keeps more than one core busy (the vision pass decodes on its own threads and "
             "the voice models run beside it), so on a 2-core machine a second job adds little; the default "
             "`--jobs` is half the cores for that reason. Timings on this shared machine vary by about 30%; the "
             "ratio is from one run.", ""]
    if "full" in r:
        f = r["full"]
        lines += ["## All of the footage folder, 2 jobs", "",
                  f"{f['videos']} videos ({f['footage_s'] / 60:.1f} min of footage): {f['analysed']} analysed, "
                  f"{f['failed']} failed, in {f['wall_s']:.0f} s ({f['footage_s_per_wall_s']} s of footage per "
                  "second).", ""]
        if f["failures"]:
            lines += ["| video | why it failed |", "|---|---|"]
            lines += [f"| {Path(v).relative_to(footage_root()) if Path(v).is_relative_to(footage_root()) else v} "
                      f"| {e} |" for v, e in f["failures"]]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
