"""The pipeline: result contract, stage cache, resume after interruption, atomic results."""
import json

import numpy as np
import pytest

import vigvision
from vigvision import pipeline, stages
from vigvision.config import Config
from vigvision.hooks import Progress
from vigvision.result import load, validate
from vigvision.errors import InputError
from vigvision.stages import BY_NAME

AFTER_DECODE = ["persons", "speakers", "roles", "turns", "moments"]
from vigvision.testing.synth import make_video


@pytest.fixture()
def clip(tmp_path):
    return make_video(tmp_path / "clip.mp4", duration_s=3.0, fps=30)


def test_analyze_writes_a_valid_result(clip, tmp_path):
    events: list[Progress] = []
    result = vigvision.analyze(clip.path, tmp_path / "out", hook=events.append)
    data = json.loads((tmp_path / "out" / "analysis.json").read_text())
    validate(data)
    assert data["video"]["duration_s"] == pytest.approx(3.0, abs=0.05)
    assert data["video"]["fps"] == pytest.approx(30.0, rel=1e-3)
    assert data["video"]["has_audio"] is True
    assert len(data["video"]["sha256"]) == 64
    assert data["frames"]["analysed"] == 30  # 3 s at the default 10 fps
    assert set(data["timings_s"]) >= {"probe", "hash", "vision", "audio", "persons"}
    # No face: no persons, and nothing about them reported as zeros.
    assert data["persons"] == [] and data["moments"] == [] and set(data["metrics"]) == {"turn_taking"}
    assert data["availability"]["vision"]["available"] is False
    # The tone bursts are periodic sound, which the voiced-sound detector hears as vocal
    # (it is built to hear squeals): one unattributed voice, at the bursts' times.
    assert data["availability"]["voice"]["available"] is True
    found = [(s["start"], s["end"]) for s in data["speech"]]
    assert len(found) == len(clip.bursts_s)
    for (a, b), (s, e) in zip(clip.bursts_s, found):
        assert s == pytest.approx(a, abs=0.04) and e == pytest.approx(b, abs=0.04)
    assert {s["person"] for s in data["speech"]} == {None} and {s["voice"] for s in data["speech"]} == {"V1"}
    frames = result.frames()
    assert np.allclose(frames.time_s.to_numpy(), np.arange(30) / 10, atol=1e-3)
    assert list(result.signals().columns)[:3] == ["time_s", "frame", "person"]
    # progress: every stage started/ended, overall fraction ends at 1
    assert [e.stage for e in events if e.event == "end"] == [s.name for s in pipeline.STAGES]
    assert events[-1].overall == pytest.approx(1.0)


def test_cached_audio_is_the_decoded_track(clip, tmp_path):
    from vigvision.io.audio import load_audio

    vigvision.analyze(clip.path, tmp_path / "out")
    folder = next((tmp_path / "out" / "cache").glob("audio-*"))
    cached = BY_NAME["audio"].load(folder)
    assert np.array_equal(np.asarray(cached.samples), load_audio(clip.path).samples)
    assert cached.sample_rate == 16000 and cached.error is None


def test_default_outdir_is_beside_the_video(clip):
    result = vigvision.analyze(clip.path)
    assert result.folder == clip.path.with_name("clip.vigvision")
    assert vigvision.load(result.folder).video["sha256"] == result.video["sha256"]


def test_rerun_reuses_cache_and_does_not_decode(clip, tmp_path, monkeypatch):
    vigvision.analyze(clip.path, tmp_path / "out")

    def no_decoding(*a, **k):
        raise AssertionError("video decoded again")

    monkeypatch.setattr(stages, "scan_frames", no_decoding)
    monkeypatch.setattr(stages, "AudioStream", no_decoding)
    events = []
    result = vigvision.analyze(clip.path, tmp_path / "out", hook=events.append)
    assert [e.event for e in events] == ["cached"] * len(pipeline.STAGES)
    assert result.data["frames"]["analysed"] == 30


def test_changed_setting_reruns_only_the_stage_that_reads_it(clip, tmp_path, monkeypatch):
    vigvision.analyze(clip.path, tmp_path / "out")
    monkeypatch.setattr(stages, "AudioStream", lambda *a, **k: pytest.fail("audio decoded again"))
    cfg = Config.from_dict({"ingest": {"analysis_fps": 5}})
    events = []
    result = vigvision.analyze(clip.path, tmp_path / "out", config=cfg, hook=events.append)
    # the rate is read by the decode pass and by every stage after it that counts frames, not by audio
    assert [(e.stage, e.event) for e in events if e.event in ("end", "cached")] == [
        ("vision", "end"), ("audio", "cached"), ("voice", "cached"), *((s, "end") for s in AFTER_DECODE)]
    assert result.data["frames"]["analysed"] == 15
    assert result.config["ingest"]["analysis_fps"] == 5.0


def test_interrupted_run_resumes_and_keeps_the_old_result(clip, tmp_path, monkeypatch):
    out = tmp_path / "out"
    first = vigvision.analyze(clip.path, out)
    good = (out / "analysis.json").read_text()

    # Second run with new settings for both stages, killed while the audio stage runs.
    cfg = Config.from_dict({"ingest": {"analysis_fps": 5, "sample_rate": 8000}})

    def killed(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(stages, "AudioStream", killed)
    with pytest.raises(KeyboardInterrupt):
        vigvision.analyze(clip.path, out, config=cfg)
    assert (out / "analysis.json").read_text() == good  # the good result is untouched
    assert not list((out / "cache").glob(".*.part"))  # no half-written cache entry
    assert not list(out.glob(".*.part*"))

    # Resume: the finished frames stage is reused, only audio runs.
    monkeypatch.undo()
    monkeypatch.setattr(stages, "scan_frames", lambda *a, **k: pytest.fail("video decoded again"))
    result = vigvision.analyze(clip.path, out, config=cfg)
    assert result.data["frames"]["analysed"] == 15
    assert result.config["ingest"]["sample_rate"] == 8000
    assert first.data["frames"]["analysed"] == 30


def test_truncated_video_is_analysed_with_a_warning(tmp_path):
    from vigvision.testing.synth import truncate

    truth = make_video(tmp_path / "full.mkv", duration_s=6.0, fps=25)
    cut = truncate(truth.path, tmp_path / "cut.mkv", 0.5)
    result = vigvision.analyze(cut, tmp_path / "out")
    assert any("decoding stopped at" in w for w in result.warnings)
    assert 1.0 < result.data["frames"]["last_s"] < 5.0


def test_video_without_audio_marks_audio_unavailable(tmp_path):
    truth = make_video(tmp_path / "silent.mp4", audio_rate=None)
    result = vigvision.analyze(truth.path, tmp_path / "out")
    assert result.video["has_audio"] is False
    assert result.data["availability"]["audio"] == {"available": False, "reason": "the video has no audio track"}
    assert result.data["availability"]["voice"]["available"] is False


def test_load_rejects_foreign_or_broken_folders(tmp_path):
    from vigvision.errors import ResultError

    with pytest.raises(ResultError, match="not an analysis folder"):
        load(tmp_path)
    (tmp_path / "analysis.json").write_text("{broken")
    with pytest.raises(ResultError, match="not valid JSON"):
        load(tmp_path)
    (tmp_path / "analysis.json").write_text(json.dumps({"schema_version": "9.0.0"}))
    with pytest.raises(ResultError, match="schema_version 9.0.0"):
        load(tmp_path)


def _renames(log: str) -> list[str]:
    """Targets of the rename calls in an strace log, in order."""
    import re

    return [m.group(1) for m in re.finditer(r'rename(?:at2?)?\(.*?"[^"]*",\s*(?:[A-Z_]+,\s*)?"([^"]+)"', log)]


def test_a_run_killed_between_its_result_renames_leaves_no_mixed_result(clip, tmp_path):
    # The old analysis.json beside a new frames.parquet validated as one result.
    import shutil
    import subprocess
    import sys

    from conftest import require_tool
    from vigvision.errors import ResultError

    strace = require_tool("strace")
    out = tmp_path / "out"
    vigvision.analyze(clip.path, out)                      # an earlier result, at 10 fps
    before = load(out)
    calls = "rename,renameat,renameat2"
    cmd = [sys.executable, "-m", "vigvision.cli", "analyze", str(clip.path), "--fps", "5", "-q", "-o"]
    dry, log = tmp_path / "dry", tmp_path / "renames.log"
    shutil.copytree(out, dry)
    subprocess.run([strace, "-f", "-qq", "-e", f"trace={calls}", "-o", str(log), *cmd, str(dry)], check=True,
                   timeout=300, stdout=subprocess.DEVNULL)
    targets = _renames(log.read_text())
    assert targets[-1].endswith("analysis.json") and any(t.endswith("frames.parquet") for t in targets), targets
    # the same run again, killed as it renames analysis.json: after its parquet files are in place
    subprocess.run([strace, "-f", "-qq", "-e", f"trace={calls}", "-e",
                    f"inject={calls}:signal=SIGKILL:when={len(targets)}", *cmd, str(out)],
                   timeout=300, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    assert json.loads((out / "analysis.json").read_text())["frames"]["analysed"] == before.data["frames"]["analysed"]
    import pyarrow.parquet as pq

    assert pq.read_table(out / "frames.parquet").num_rows == 15        # the new run's, beside the old json
    with pytest.raises(ResultError, match="frames.parquet: not the file analysis.json was written with"):
        load(out)
    done = subprocess.run([sys.executable, "-m", "vigvision.cli", "validate", str(out)], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 2 and len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert "re-run vigvision analyze" in done.stderr
    subprocess.run([*cmd, str(out)], check=True, timeout=300)   # and running it again mends it
    assert load(out).data["frames"]["analysed"] == 15


def test_a_full_disk_is_one_line_exit_2_and_leaves_nothing_half_written(tmp_path):
    # It ended in a traceback (rc 1) from the audio cache, the thumbnails or the parquet write, and could
    # leave a lone frames.parquet. Here the result folder is on a small tmpfs, in a mount namespace of its
    # own: runs with less and less room fill it up at every point from the first cache stage to the result.
    import re
    import subprocess
    import sys

    from conftest import require_tool

    unshare = require_tool("unshare")
    clip = make_video(tmp_path / "clip.mp4", duration_s=3.0, fps=30, bursts_s=[(0.3, 1.2)])
    mnt = tmp_path / "mnt"
    mnt.mkdir()

    def run(size_k: int) -> str | None:
        """Analyse onto a tmpfs of ``size_k`` KiB: None when it fits, else where the disk was full."""
        script = (f'mount -t tmpfs -o size={size_k}k tmpfs "{mnt}" || exit 99; '
                  f'"{sys.executable}" -m vigvision.cli analyze "{clip.path}" -o "{mnt}/res" -q; echo "rc=$?"; '
                  f'cd "{mnt}" && find . -type f | sort')
        done = subprocess.run([unshare, "-m", "sh", "-c", script], capture_output=True, text=True, timeout=300)
        assert "rc=" in done.stdout, done.stderr
        rc = int(re.search(r"rc=(\d+)", done.stdout).group(1))
        files = done.stdout.split(f"rc={rc}")[1].split()
        errors = [line for line in done.stderr.splitlines() if not line.startswith("vigvision: warning:")]
        assert not [f for f in files if ".part" in f], files
        if rc == 0:
            assert "./res/analysis.json" in files and not errors, errors
            return None
        assert rc == 2 and len(errors) == 1 and "the disk is full" in errors[0], (size_k, done.stderr)
        results = [f for f in files if not f.startswith("./res/cache/")]   # the cache holds only complete stages
        assert not [f for f in results if f.endswith((".parquet", "analysis.json"))], files   # no lone result file
        return errors[0].split(": the disk is full")[0].split("/res/")[1].split("-")[0]

    places = {run(32)}
    lo, hi = 32, 1024                     # too small, and room enough (the result takes about 270 KiB)
    assert run(hi) is None
    while hi - lo > 4:                    # the last run that fails is within a page of fitting
        mid = (lo + hi) // 8 * 4
        place = run(mid)
        lo, hi = (mid, hi) if place else (lo, mid)
        places.add(place)
    assert "cache/audio" in places and places & {"frames.parquet", "signals.parquet", "analysis.json"}, places


def test_a_changed_setting_reruns_only_what_reads_it(tmp_path, monkeypatch):
    # rerank ignored [gaze] (and every section but [moments]); a [vision] setting read only after the
    # decode (min_person_s) decoded the video again.
    clip = make_video(tmp_path / "clip.mp4", duration_s=3.0, fps=30, bursts_s=[(0.3, 1.2)])
    out = tmp_path / "out"
    vigvision.analyze(clip.path, out)
    base = Config().to_dict()

    def with_(section, key, value):   # the settings the folder holds now, one changed
        data = json.loads(json.dumps(load(out).config))
        data[section][key] = value
        return Config.from_dict(data)

    decoded = []
    real_scan = stages.scan_frames
    monkeypatch.setattr(stages, "scan_frames", lambda *a, **k: decoded.append(1) or real_scan(*a, **k))
    same = pipeline.rerank(out, Config.from_dict(base))
    assert (same.changed, same.ran) == ([], [])
    ranked = pipeline.rerank(out, with_("moments", "w_mutual_gaze", 5.0))
    assert ranked.ran == ["moments"] and ranked.analysis.config["moments"]["w_mutual_gaze"] == 5.0
    # each section re-runs the stages that read it and those that read their output, nothing else
    people, voices, turns = ["persons", "speakers", "roles", "turns", "moments"], ["speakers", "roles", "turns",
                                                                                  "moments"], ["turns", "moments"]
    for section, key, value, ran in (("gaze", "switch_cost", 2.0, people), ("voice", "vad_threshold", 0.6, voices),
                                     ("turns", "pause_s", 1.0, turns), ("vision", "min_person_s", 0.5, people)):
        done = pipeline.rerank(out, with_(section, key, value))
        assert done.changed == [section] and done.ran == ran, done
        assert set(done.reused) == {s.name for s in pipeline.STAGES} - set(ran)
        assert done.analysis.config[section][key] == value
        assert f"re-ran: {', '.join(ran)} in" in done.words() and "reused from the cache: vision, audio, voice" in done.words()
    # with the footage moved away, a change that needs no decoding still re-runs (no thumbnails then);
    # one that needs it says so in one line
    clip.path.rename(tmp_path / "moved.mp4")
    done = pipeline.rerank(out, with_("turns", "pause_s", 0.5))
    assert done.ran == turns and all(m["thumbnail"] is None for m in done.analysis.moments)
    with pytest.raises(InputError, match="not there any more.*--video"):
        pipeline.rerank(out, with_("vision", "detect_every", 2))
    (tmp_path / "moved.mp4").rename(clip.path)
    assert decoded == []                      # none of them decoded the video
    again = pipeline.rerank(out, with_("vision", "detect_every", 2))
    assert again.ran[0] == "vision" and decoded == [1]
