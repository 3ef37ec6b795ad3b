"""The embedded sample: made from wheel assets, with a truth file that matches its audio."""
import json
from pathlib import Path

import numpy as np
import pytest

import vigvision
from vigvision.io.audio import load_audio
from vigvision.io.video import probe
from vigvision.time import Intervals


def test_sample_video_and_truth(sample_video):
    info = probe(sample_video)
    truth = json.loads(sample_video.with_name("sample.truth.json").read_text())
    assert truth["audio_source"] == "espeak-ng"
    assert 25 <= info.duration_s <= 45 and info.has_audio
    assert (info.width, info.height, round(info.fps)) == (960, 540, 25)
    assert {p["role"] for p in truth["persons"]} == {"adult", "child"}

    # The truth's speech segments are where the sound is: energy inside >> outside.
    audio = load_audio(sample_video)
    speech = Intervals([(s["start"], s["end"]) for s in truth["speech"]])
    frame = 0.01
    rms = np.sqrt(np.mean(audio.samples[: len(audio.samples) // 160 * 160].reshape(-1, 160) ** 2, axis=1))
    inside = speech.to_mask((np.arange(len(rms)) + 0.5) * frame)
    assert np.median(rms[inside]) > 20 * np.median(rms[~inside]) + 1e-6
    # Both speakers talk, in turns, with at least one overlap.
    people = [s["person"] for s in truth["speech"]]
    assert people.count("P1") >= 5 and people.count("P2") >= 5
    starts = [s["start"] for s in truth["speech"]]
    ends = [s["end"] for s in truth["speech"]]
    assert any(b < a for a, b in zip(ends, starts[1:]))


def test_sample_analyses(sample_video, tmp_path):
    result = vigvision.analyze(sample_video, tmp_path / "out")
    assert result.video["has_audio"] and result.data["frames"]["analysed"] == pytest.approx(
        result.video["duration_s"] * 10, abs=2)


def test_sample_moments_follow_its_dialogue_and_re_rank_without_decoding(sample_video, tmp_path):
    """The sample's two faces look at the camera, not at each other, so its candidate moments
    can only come from the dialogue: each must hold switches of speaker that the truth has."""
    import cv2

    from vigvision.cli import main

    result = vigvision.analyze(sample_video, tmp_path / "out")
    truth = json.loads(sample_video.with_name("sample.truth.json").read_text())
    said = sorted(truth["speech"], key=lambda s: s["start"])
    switches = [b["start"] for a, b in zip(said, said[1:]) if a["person"] != b["person"]]
    assert result.moments and result.metrics["eye_contact"]["episodes"] == 0
    for m in result.moments:
        assert "vocal_exchange" in {c["cue"] for c in m["cues"]} or "initiative_received" in {c["cue"] for c in m["cues"]}
        assert any(m["start"] - 0.5 <= t <= m["end"] + 0.5 for t in switches)
        assert "attuned interaction" in m["principles"] or "receiving initiatives" in m["principles"]
    for m in result.moments:          # a keyframe thumbnail inside each moment, from the footage
        assert m["start"] <= m["keyframe_s"] < m["end"]
        image = cv2.imread(str(tmp_path / "out" / m["thumbnail"]))
        assert image is not None and max(image.shape[:2]) == 320 and image.std() > 10
    starts = sorted((m["start"], m["end"]) for m in result.moments)
    assert all(a[1] <= b[0] for a, b in zip(starts, starts[1:]))                      # no overlap
    # re-rank with another preset: same analysis, new [moments], still a valid result
    before = (tmp_path / "out" / "frames.parquet").stat().st_mtime_ns
    assert main(["moments", str(tmp_path / "out"), "--preset", "infant", "--top", "2"]) == 0
    again = vigvision.load(tmp_path / "out")
    assert again.data["config"]["moments"]["preset"] == "infant"
    assert (tmp_path / "out" / "frames.parquet").stat().st_mtime_ns == before          # nothing re-analysed
    on_disk = {p.name for p in (tmp_path / "out" / "moments").iterdir()}
    assert on_disk == {Path(m["thumbnail"]).name for m in again.moments}               # no stale thumbnail


def test_fallback_recording_matches_its_truth():
    # Without espeak-ng the sample uses the committed recording; its truth must fit it.
    from importlib import resources

    from vigvision.sample import SCRIPT

    meta = json.loads(resources.files("vigvision.data").joinpath("sample_dialogue.json").read_text())
    assert [u["text"] for u in meta["utterances"]] == [t for _, t, _ in SCRIPT]
    with resources.as_file(resources.files("vigvision.data").joinpath("sample_dialogue.flac")) as p:
        audio = load_audio(p)
    last_end = meta["utterances"][-1]["end"]
    assert audio.duration_s == pytest.approx(last_end + 1.0, abs=0.05)
    for u in meta["utterances"]:
        seg = audio.crop(u["start"], u["end"])
        assert np.sqrt(np.mean(seg ** 2)) > 0.02, u["text"]
