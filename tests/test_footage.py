"""Every real clip in VIGVISION_FOOTAGE: analysed with a valid result, and its duration and
frame rate checked against ffprobe (an independent reader)."""
import json
import subprocess
from pathlib import Path

import numpy as np
import pytest

import vigvision
from vigvision.errors import MediaError
from vigvision.result import validate

from conftest import footage_root, require_tool

VIDEO_SUFFIXES = (".mp4", ".avi", ".mov", ".mkv", ".webm")
CLIPS = sorted(p.relative_to(footage_root()).as_posix() for p in footage_root().rglob("*")
               if p.suffix.lower() in VIDEO_SUFFIXES) if footage_root().is_dir() else []


def ffprobe(path: Path) -> tuple[float, np.ndarray]:
    """(container duration, every decoded video frame's time from the container start),
    as Debian's ffprobe reads them: an independent FFmpeg build and code path."""
    exe = require_tool("ffprobe")
    out = subprocess.run([exe, "-v", "error", "-select_streams", "v:0", "-show_entries",
                          "format=duration,start_time:frame=best_effort_timestamp_time", "-of", "json", str(path)],
                         capture_output=True, text=True, check=True).stdout
    data = json.loads(out)
    start = float(data["format"].get("start_time", 0) or 0)
    times = [float(f["best_effort_timestamp_time"]) for f in data["frames"]
             if f.get("best_effort_timestamp_time") not in (None, "N/A")]
    return float(data["format"]["duration"]), np.sort(np.array(times)) - start


def test_footage_is_there(footage):
    assert len(CLIPS) >= 50, f"expected the 55 real clips, found {len(CLIPS)} in {footage}"


@pytest.mark.footage
@pytest.mark.parametrize("rel", CLIPS)
def test_real_clip_analyses(footage, rel, tmp_path):
    path = footage / rel
    result = vigvision.analyze(path, tmp_path / "out")
    data = json.loads((tmp_path / "out" / "analysis.json").read_text())
    validate(data)
    duration, ref = ffprobe(path)
    assert data["video"]["duration_s"] == pytest.approx(duration, abs=0.001)
    # Average rate from the frames' own timestamps, not from the header's claim.
    assert data["video"]["fps"] == pytest.approx((len(ref) - 1) / (ref[-1] - ref[0]), rel=0.01)
    assert data["frames"]["decoded"] >= 0.97 * len(ref)
    # Every analysed frame's time is a real frame time (to the millisecond).
    times = result.frames().time_s.to_numpy()
    nearest = np.abs(times[:, None] - ref[None, :]).min(axis=1)
    assert nearest.max() < 0.002
    assert not any("decoding stopped" in w for w in result.warnings)
    # every clip shows people: persons, their gaze episodes and per-frame signals are filled
    sig = result.signals()
    assert result.persons and result.gaze and len(sig) > 0
    assert set(sig.person) == {p["id"] for p in result.persons}
    assert sig.time_s.isin(result.frames().time_s).all()
    times = result.frames().time_s.to_numpy()
    assert (times[1:] > times[:-1]).all() and times[-1] <= data["video"]["duration_s"]


def test_odd_frame_rate_does_not_skew_time(footage):
    # devi1.mp4 claims r_frame_rate 600/1; it really has 300 frames over 9.9 s.
    from vigvision.io.video import probe

    info = probe(footage / "interview/devi1.mp4")
    assert info.nominal_fps == 600.0
    assert info.fps == pytest.approx(30.3, abs=0.1)
    assert info.duration_s == pytest.approx(9.9, abs=0.01)


def test_audio_only_file_is_refused(footage):
    with pytest.raises(MediaError, match="found only audio"):
        vigvision.analyze(footage / "speech/sample.wav")
