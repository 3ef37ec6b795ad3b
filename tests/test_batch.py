"""Batch analysis of a study: failures recorded and passed over, resume after a kill, skip what is
done, one metrics table; the Ray engine gives the same results as local processes."""
from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from vigvision.batch import plan_batch, run_batch
from vigvision.cli import main
from vigvision.config import Config
from vigvision.testing.synth import make_video

from conftest import missing

VOLATILE = ("created", "timings_s")   # when and how fast: the only parts of a result that may differ


@pytest.fixture(scope="module")
def study(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("study")
    (root / "family1").mkdir()
    make_video(root / "family1" / "session1.mp4", duration_s=3.0)
    make_video(root / "family1" / "session2.mov", duration_s=2.0, audio_rate=None)   # silent
    make_video(root / "family2.mp4", duration_s=2.5, fps=15.0)
    (root / "broken.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42 but then nothing")
    (root / "notes.txt").write_text("not a video list line\n")
    return root


def result_of(folder: Path) -> tuple[dict, pd.DataFrame]:
    data = json.loads((folder / "analysis.json").read_text())
    for k in VOLATILE:
        data.pop(k, None)
    return data, pd.read_parquet(folder / "signals.parquet")


def test_batch_records_failures_and_makes_one_table(study, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["batch", str(study / "family1"), str(study / "family2.mp4"), str(study / "broken.mp4"),
                 "-o", str(out), "--jobs", "2", "-q"]) == 1          # a failure: non-zero, but the rest is done
    text = capsys.readouterr().out
    assert "4 videos: 4 to analyse" in text and "3 videos in metrics.csv, 1 failed" in text
    assert "failed: " in text and "broken.mp4: not a readable video file" in text
    rows = list(csv.DictReader(open(out / "metrics.csv")))
    assert sorted(r["result_folder"] for r in rows) == ["family1/session1", "family1/session2", "family2"]
    assert [r["video"] for r in csv.DictReader(open(out / "failures.csv"))] == [str(study / "broken.mp4")]
    status = json.loads((out / "batch.json").read_text())
    assert {Path(v["video"]).name: v["state"] for v in status["videos"]} == {
        "session1.mp4": "done", "session2.mov": "done", "family2.mp4": "done", "broken.mp4": "failed"}
    assert "failed" in (out / "broken" / "analysis.log").read_text()
    # again: the three are skipped (same file, same settings); other settings redo them
    plan = plan_batch([study / "family1", study / "family2.mp4"], out, Config())
    assert [t.state for t in plan.tasks] == ["done", "done", "done"]
    other = Config.from_dict({"ingest": {"analysis_fps": 5.0}})
    assert {t.state for t in plan_batch([study / "family1"], out, other).tasks} == {"resume"}


def test_killed_batch_resumes_to_the_same_results(study, tmp_path):
    out, clean = tmp_path / "out", tmp_path / "clean"
    videos = [str(study / "family1"), str(study / "family2.mp4")]
    cmd = [sys.executable, "-c", "import sys; from vigvision.cli import main; sys.exit(main())", "batch", *videos,
           "--jobs", "1", "-q", "-o"]
    proc = subprocess.Popen(cmd + [str(out)], start_new_session=True, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while not list(out.rglob("analysis.json")) and time.monotonic() < deadline:
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)     # the batch and its worker, mid-way
    proc.wait()
    finished = {p.parent for p in out.rglob("analysis.json")}
    assert 1 <= len(finished) < 3, "the kill should land after the first video and before the last"
    summary = run_batch(plan_batch(videos, out, Config()), jobs=1)
    assert summary["failed"] == 0 and summary["skipped"] == len(finished) and summary["analysed"] == 3
    run_batch(plan_batch(videos, clean, Config()), jobs=1)
    for folder in ("family1/session1", "family1/session2", "family2"):
        a, sa = result_of(out / folder)
        b, sb = result_of(clean / folder)
        assert a == b
        pd.testing.assert_frame_equal(sa, sb)
    assert not list(out.rglob("*.part*"))


def _children(pid: int) -> list[int]:
    """The batch's worker processes (multiprocessing's spawned children of ``pid``)."""
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            cmdline = (stat.parent / "cmdline").read_bytes()
        except OSError:
            continue
        if int(fields[1]) == pid and b"spawn_main" in cmdline:
            out.append(int(stat.parent.name))
    return out


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_workers_end_when_the_batch_is_killed(tmp_path):
    # A SIGKILL of the batch's parent left its spawned workers (600-690 MB each) running for more than
    # ten minutes.
    (tmp_path / "in").mkdir()
    for i in range(2):
        make_video(tmp_path / "in" / f"v{i}.mp4", duration_s=30.0)
    cmd = [sys.executable, "-m", "vigvision.cli", "batch", str(tmp_path / "in"), "--jobs", "2", "-q",
           "-o", str(tmp_path / "out")]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while len(workers := _children(proc.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert len(workers) == 2, "the batch did not start its two workers"
        time.sleep(3.0)                       # at work, mid-video
        assert all(_alive(w) for w in workers)
        proc.kill()                           # the parent only, not its process group
        proc.wait()
        deadline = time.monotonic() + 15
        while any(_alive(w) for w in workers) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not [w for w in workers if _alive(w)], "workers still running 15 s after the batch was killed"
    finally:
        os.killpg(proc.pid, signal.SIGKILL)   # whatever is left of the batch's process group


def test_ray_engine_gives_the_local_results(study, tmp_path):
    try:
        import ray  # noqa: F401
    except ImportError:
        missing("ray is not installed (pip install -e .[cluster])")
    videos = [str(study / "family1"), str(study / "family2.mp4")]
    local = run_batch(plan_batch(videos, tmp_path / "local", Config()), jobs=2)
    on_ray = run_batch(plan_batch(videos, tmp_path / "ray", Config()), jobs=2, engine="ray")
    assert local["analysed"] == on_ray["analysed"] == 3 and on_ray["failed"] == 0
    for folder in ("family1/session1", "family1/session2", "family2"):
        a, sa = result_of(tmp_path / "local" / folder)
        b, sb = result_of(tmp_path / "ray" / folder)
        assert a == b
        pd.testing.assert_frame_equal(sa, sb)
    ml = pd.read_csv(tmp_path / "local" / "metrics.csv")
    mr = pd.read_csv(tmp_path / "ray" / "metrics.csv")
    pd.testing.assert_frame_equal(ml, mr)
