"""Anonymised copies: the chosen faces are not found by a face detector in any exported frame
(while the others still are, so the check is not vacuous), voices can be shifted, and nothing of
the source's metadata survives."""
from __future__ import annotations

import json
import subprocess

import numpy as np
import pytest

import vigvision
from vigvision.export.anonymise import anonymise
from vigvision.io.audio import load_audio
from vigvision.io.video import VideoReader
from vigvision.testing.synth import make_video
from vigvision.vision.detect import FaceDetector

from conftest import require_tool


@pytest.fixture(scope="module")
def sample_analysis(analysed_workspace):
    from vigvision.review import Workspace

    ws = Workspace(analysed_workspace)
    outdir = ws.analysis_path(ws.store.cases()[0])
    ws.store.close()
    return vigvision.load(outdir)


def faces_per_frame(path):
    det = FaceDetector(min_score=0.5)
    try:
        return [(f.time_s, det(f.image).xyxy) for f in VideoReader(path)]
    finally:
        det.close()


def centre_in(box, region):
    c = (box[:2] + box[2:]) / 2
    return region[0] <= c[0] <= region[2] and region[1] <= c[1] <= region[3]


def test_chosen_face_is_never_found_and_the_other_still_is(sample_analysis, tmp_path):
    sig = sample_analysis.signals()
    region = {pid: (g.face_x.min() - 10, g.face_y.min() - 10, (g.face_x + g.face_w).max() + 10,
                    (g.face_y + g.face_h).max() + 10) for pid, g in sig.groupby("person")}
    before = faces_per_frame(sample_analysis.video["path"])[:150]
    assert np.mean([any(centre_in(b, region["P2"]) for b in boxes) for _, boxes in before]) > 0.9  # P2 is findable
    done = anonymise(sample_analysis, tmp_path / "anon.mp4", persons=["P2"], end=6.0)
    after = faces_per_frame(tmp_path / "anon.mp4")
    assert len(after) == done["frames"] == 150
    assert not any(centre_in(b, region["P2"]) for _, boxes in after for b in boxes)
    assert np.mean([any(centre_in(b, region["P1"]) for b in boxes) for _, boxes in after]) > 0.9


def test_everyone_hidden_leaves_no_face(sample_analysis, tmp_path):
    anonymise(sample_analysis, tmp_path / "all.mp4", persons=None, start=10.0, end=14.0, method="blur")
    assert not any(len(boxes) for _, boxes in faces_per_frame(tmp_path / "all.mp4"))


def test_metadata_is_not_copied(sample_analysis, tmp_path):
    require_tool("ffmpeg")
    tagged = tmp_path / "tagged.mp4"
    subprocess.run(["ffmpeg", "-v", "error", "-i", sample_analysis.video["path"], "-c", "copy", "-metadata",
                    "title=The Smith family", "-metadata", "location=+51.5074-000.1278/", "-metadata",
                    "creation_time=2026-05-01T10:00:00Z", str(tagged)], check=True)
    anonymise(sample_analysis, tmp_path / "anon.mp4", persons=None, end=1.0, video=tagged)
    tags = lambda p: json.loads(subprocess.run(  # noqa: E731
        ["ffprobe", "-v", "error", "-show_entries", "format_tags:stream_tags", "-of", "json", str(p)],
        capture_output=True, text=True, check=True).stdout)
    assert "Smith" in json.dumps(tags(tagged))
    out = json.dumps(tags(tmp_path / "anon.mp4"))
    assert "Smith" not in out and "51.5074" not in out and "2026-05-01" not in out


def test_voice_pitch_shift(tmp_path):
    truth = make_video(tmp_path / "tone.mp4", duration_s=2.0, bursts_s=[(0.2, 1.8)])   # 440 Hz
    result = vigvision.analyze(truth.path, tmp_path / "tone.vigvision")
    anonymise(result, tmp_path / "up.mp4", persons=None, pitch_semitones=12)
    sound = load_audio(tmp_path / "up.mp4", sample_rate=16000).samples[4000:24000]
    spectrum = np.abs(np.fft.rfft(sound * np.hanning(len(sound))))
    peak_hz = np.argmax(spectrum) * 16000 / len(sound)
    assert peak_hz == pytest.approx(880, rel=0.03)


def test_bad_requests_are_one_line(sample_analysis, tmp_path):
    from vigvision.errors import InputError

    with pytest.raises(InputError, match="no person 'P7'"):
        anonymise(sample_analysis, tmp_path / "x.mp4", persons=["P7"])
    moved = tmp_path / "gone.mp4"
    with pytest.raises(InputError, match="not there any more"):
        anonymise(sample_analysis, tmp_path / "x.mp4", video=moved)
    assert not list(tmp_path.glob("x*.mp4"))
