"""Trainer overlays: each rendered frame is the source frame of the same time (frame-exact), the
overlay shows the measurement nearest that time, and slow motion keeps the sound in step."""
from __future__ import annotations

import numpy as np
import pytest

import vigvision
from vigvision.cli import main
from vigvision.io.audio import load_audio
from vigvision.io.video import VideoReader, probe
from vigvision.export.render import Overlay, render, strip_lanes
from vigvision.testing.synth import make_video, read_index


@pytest.fixture(scope="module")
def pattern(tmp_path_factory):
    folder = tmp_path_factory.mktemp("render")
    truth = make_video(folder / "pattern.mp4", duration_s=3.0, fps=25.0, width=320, height=240,
                       bursts_s=[(1.0, 1.2)])
    return truth, vigvision.analyze(truth.path, folder / "pattern.vigvision")


def test_every_rendered_frame_is_the_source_frame_of_its_time(pattern, tmp_path):
    truth, result = pattern
    done = render(result, tmp_path / "r.mp4", start=0.4, end=1.6)
    frames = [(f.time_s, f.image) for f in VideoReader(tmp_path / "r.mp4")]
    assert done["frames"] == len(frames) == 30                     # 0.40 .. 1.56 s at 25 fps
    for k, (t, image) in enumerate(frames):
        assert read_index(image[:240]) == 10 + k                   # the picture above the strip
        assert t == pytest.approx(truth.times_s[10 + k] - 0.4, abs=1e-3)
    assert frames[0][1].shape[0] > 240                            # the timeline strip underneath


def test_slow_motion_keeps_the_sound_in_step(pattern, tmp_path):
    clip, result = pattern
    render(result, tmp_path / "slow.mp4", start=0.5, end=1.5, slow=2.0)
    info = probe(tmp_path / "slow.mp4")
    assert info.duration_s == pytest.approx(2.0, abs=0.1)
    sound = load_audio(tmp_path / "slow.mp4", sample_rate=16000).samples
    loud = np.flatnonzero(np.abs(sound) > 0.1) / 16000
    # the clip's clock starts on its first frame (the first at or after 0.5 s: 0.52 s at 25 fps), and its sound
    # with it: the tone at 1.0-1.2 s of the source is at (1.0-0.52)*2 = 0.96 .. 1.36 s of the slowed clip
    t0 = float(clip.times_s[clip.times_s >= 0.5][0])
    assert loud.min() == pytest.approx((1.0 - t0) * 2, abs=0.05) and loud.max() == pytest.approx((1.2 - t0) * 2, abs=0.05)


def test_overlay_takes_the_nearest_measurement_within_one_step():
    ov = Overlay(persons=[{"id": "P1", "role": "adult"}], speech=[], mutual=[], moments=[], step_s=0.1, scale=1.0,
                 rows={"P1": {"time_s": np.array([0.0, 0.1, 0.2, 0.5]), "face_x": np.array([0.0, 1.0, 2.0, 5.0])}})
    assert ov.at("P1", 0.14)["face_x"] == 1.0 and ov.at("P1", 0.16)["face_x"] == 2.0
    assert ov.at("P1", 0.35) is None            # 0.15 s from any measurement: nothing drawn, not a stale box
    assert ov.at("P1", 0.58)["face_x"] == 5.0 and ov.at("P2", 0.1) is None


def test_the_strip_shows_looks_only_where_they_were_measured():
    # P1 seen looking at P2 from 40.0 to 40.7 s, then not seen until 48.3 s, when it looks away: the lane
    # must not run on from 40.7 s to the end (it did: consecutive samples were joined however far apart)
    t = np.concatenate([40.0 + 0.1 * np.arange(8), 48.3 + 0.1 * np.arange(7)])
    target = np.array(["P2"] * 8 + ["away"] * 7)
    ov = Overlay(persons=[{"id": "P1", "role": "adult"}, {"id": "P2", "role": "child"}], speech=[], mutual=[],
                 moments=[], step_s=0.1, scale=1.0, rows={"P1": {"time_s": t, "gaze_target": target}})
    looks = dict((name, spans) for name, spans, _ in strip_lanes(ov))["P1 looks"]
    assert looks == [(pytest.approx(40.0), pytest.approx(40.8))]
    # a sparse source (5 fps analysed at 10 fps) still joins its neighbouring samples into one run
    t5 = 0.2 * np.arange(10)
    ov.rows = {"P1": {"time_s": t5, "gaze_target": np.array(["P2"] * len(t5))}}
    assert dict((n, s) for n, s, _ in strip_lanes(ov))["P1 looks"] == [(pytest.approx(0.0), pytest.approx(2.0))]


def test_render_command_on_the_sample(analysed_workspace, tmp_path, capsys):
    from vigvision.review import Workspace

    ws = Workspace(analysed_workspace)
    case = ws.store.cases()[0]
    outdir = ws.analysis_path(case)
    ws.store.close()
    first = vigvision.load(outdir).moments[0]
    out = tmp_path / "m1.mp4"
    assert main(["render", str(outdir), "--moment", first["id"], "-o", str(out), "--stills"]) == 0
    stills = sorted((tmp_path / "m1").glob("*.jpg"))
    assert stills and all(first["start"] <= float(p.stem.split("_")[-1][:-1]) <= first["end"] for p in stills)
    info = probe(out)
    assert abs(info.duration_s - (first["end"] - first["start"])) <= 1 / info.fps + 0.05 and info.has_audio
    assert main(["render", str(outdir), "--moment", "M99", "-o", str(out)]) == 2
    assert "no moment 'M99'" in capsys.readouterr().err
