"""Direct tests of pieces the flow tests only reach through the pipeline: the stage cache, the video
writer, the progress bar, cue sentences, moment thumbnails and the face tracker."""
from __future__ import annotations

import io

import numpy as np
import pytest

from vigvision.hooks import Progress, TerminalProgress
from vigvision.io.cache import StageCache, stage_key
from vigvision.io.encode import VideoWriter, jpeg_bytes
from vigvision.io.video import VideoReader
from vigvision.time import Intervals, Span


# -- io/cache.py ------------------------------------------------------------------------------------
def test_a_stage_entry_exists_only_once_complete(tmp_path):
    cache = StageCache(tmp_path / "cache")
    key = stage_key(video_sha256="v", stage="audio", version=1, config_hash="c", upstream={})
    assert cache.get("audio", key) is None
    with pytest.raises(RuntimeError):
        with cache.writing("audio", key) as folder:
            (folder / "samples.f32").write_bytes(b"half")
            raise RuntimeError("killed midway")
    assert cache.get("audio", key) is None and not list((tmp_path / "cache").iterdir())
    with cache.writing("audio", key) as folder:
        (folder / "samples.f32").write_bytes(b"whole")
    assert (cache.get("audio", key) / "samples.f32").read_bytes() == b"whole"
    (tmp_path / "cache" / ".vision-x.part").mkdir()          # left by a killed run
    cache.clean_partial()
    assert [p.name for p in (tmp_path / "cache").iterdir()] == [cache.folder("audio", key).name]


def test_a_stage_key_changes_with_whatever_its_output_depends_on():
    base = dict(video_sha256="v", stage="voice", version=1, config_hash="c", upstream={"audio": "a"})
    key = stage_key(**base)
    assert key == stage_key(**base)
    for change in ({"video_sha256": "w"}, {"version": 2}, {"config_hash": "d"}, {"upstream": {"audio": "b"}}):
        assert stage_key(**{**base, **change}) != key, change


# -- io/encode.py -----------------------------------------------------------------------------------
def test_frames_are_written_at_their_own_times(tmp_path):
    times = [0.0, 0.04, 0.1, 0.5, 0.52]                       # a variable rate
    with VideoWriter(tmp_path / "vfr.mp4", 64, 48, fps=25) as w:
        for i, t in enumerate(times):
            w.write_frame(np.full((48, 64, 3), 40 * i, np.uint8), t)
    with VideoReader(tmp_path / "vfr.mp4") as r:
        frames = list(r)
    assert [round(f.time_s, 3) for f in frames] == times
    assert [round(float(np.median(f.image)) / 40) for f in frames] == [0, 1, 2, 3, 4]
    with pytest.raises(Exception, match="frame times must increase"):
        with VideoWriter(tmp_path / "bad.mp4", 64, 48) as w:
            w.write_frame(np.zeros((48, 64, 3), np.uint8), 1.0)
            w.write_frame(np.zeros((48, 64, 3), np.uint8), 0.5)


def test_jpeg_bytes_decode_to_the_image():
    import cv2

    image = np.zeros((30, 40, 3), np.uint8)
    image[:, 20:] = (255, 0, 0)                               # red right half (RGB)
    back = cv2.cvtColor(cv2.imdecode(np.frombuffer(jpeg_bytes(image), np.uint8), cv2.IMREAD_COLOR),
                        cv2.COLOR_BGR2RGB)
    assert back.shape == image.shape and back[15, 35, 0] > 200 and back[15, 5].max() < 30


# -- hooks.py ---------------------------------------------------------------------------------------
def test_the_progress_bar_writes_a_line_per_stage_off_a_terminal():
    out = io.StringIO()
    hook = TerminalProgress(out)
    hook(Progress("vision", "start", overall=0.0))
    hook(Progress("vision", "update", done=5, total=10, unit="s", overall=0.5))   # not a terminal: no bar
    hook(Progress("vision", "end", overall=0.9, stage_s=3.25))
    hook(Progress("audio", "cached", overall=1.0))
    assert out.getvalue().splitlines() == ["[vision  ] started  (0% of the analysis done, elapsed 00:00)",
                                           "[vision  ] done in 3.2 s", "[audio   ] reused from cache"]


# -- moments/explain.py -----------------------------------------------------------------------------
def test_a_cue_sentence_says_what_was_measured_in_the_span():
    from vigvision.moments import Interaction
    from vigvision.moments import explain as E
    from vigvision.moments.cues import Cue

    ix = Interaction(duration_s=30.0, persons=[{"id": "P1", "role": "adult"}, {"id": "P2", "role": "child"}])
    cues = {"mutual_gaze": Cue("mutual_gaze", Intervals([(2.0, 4.5), (9.0, 12.0)])),
            "closeness": Cue("closeness", Intervals([(0.0, 20.0)]), [{"at": 3.0}, {"at": 25.0}])}
    said = E.Said(ix, cues, Span(3.0, 10.0), "P1", "P2")
    assert E.say_mutual_gaze(said) == {"seconds": 2.5, "text": "the adult (P1) and the child (P2) look at each "
                                                               "other for 2.5 s"}
    assert E.say_closeness(said)["text"] == "one leans in towards the other; they are close for 7.0 s"
    assert E.say_mutual_gaze(E.Said(ix, cues, Span(5.0, 8.0), "P1", "P2")) is None
    assert E.explanation(Span(3.0, 10.0), [], []) == ("From 0:03.0 to 0:10.0: no cue of attuned interaction was "
                                                      "measured in this span.")


# -- export/thumbnails.py ---------------------------------------------------------------------------
def test_each_moment_gets_the_thumbnail_of_its_keyframe(tmp_path):
    from vigvision.export.thumbnails import FOLDER, THUMB_SIDE, write_thumbnails
    from vigvision.testing.synth import make_video

    clip = make_video(tmp_path / "c.mp4", duration_s=4.0, fps=10)
    (tmp_path / "out" / FOLDER).mkdir(parents=True)
    (tmp_path / "out" / FOLDER / "M9.jpg").write_bytes(b"from an earlier ranking")
    moments = [{"id": "M1", "start": 0.0, "end": 2.0, "keyframe_s": 1.5}, {"id": "M2", "start": 2.0, "end": 4.0}]
    write_thumbnails(clip.path, moments, tmp_path / "out")
    assert [m["thumbnail"] for m in moments] == [f"{FOLDER}/M1.jpg", f"{FOLDER}/M2.jpg"]
    assert sorted(p.name for p in (tmp_path / "out" / FOLDER).iterdir()) == ["M1.jpg", "M2.jpg"]
    import cv2

    thumb = cv2.cvtColor(cv2.imread(str(tmp_path / "out" / FOLDER / "M1.jpg")), cv2.COLOR_BGR2RGB)
    assert max(thumb.shape[:2]) == THUMB_SIDE
    with VideoReader(clip.path) as r:
        shown = {round(f.time_s, 1): cv2.resize(f.image, thumb.shape[1::-1]).astype(float) for f in r}
    off = {t: np.abs(image - thumb).mean() for t, image in shown.items()}
    assert min(off, key=off.get) == 1.5                          # the frame at its keyframe


# -- vision/tracking.py -----------------------------------------------------------------------------
def _dets(*boxes):
    from vigvision.vision.detect import Detections

    xyxy = np.array(boxes, np.float32).reshape(-1, 4)
    return Detections(xyxy=xyxy, score=np.full(len(xyxy), 0.9, np.float32),
                      keypoints=np.zeros((len(xyxy), 6, 2), np.float32))


def test_the_tracker_follows_a_moving_face_and_caps_the_number_followed():
    from vigvision.vision.tracking import Tracker

    tracker, image = Tracker(max_persons=2), np.zeros((480, 640, 3), np.uint8)
    ids = []
    for i in range(10):                                       # a face moving right, 6 px a frame
        live = tracker.update(i * 0.1, _dets([100 + 6 * i, 100, 160 + 6 * i, 160]), image)
        ids.append([tr.tid for tr in live])
    assert ids == [[0]] * 10
    tracker.update(1.0, _dets([154, 100, 214, 160], [400, 100, 460, 160], [500, 300, 560, 360]), image)
    assert len(tracker.live(1.0)) == 2 and tracker.capped == [1.0]   # the third face: left out, and noted


# -- the examples in docstrings ------------------------------------------------------------------------
@pytest.mark.parametrize("module", ["vigvision.time", "vigvision.errors"])
def test_the_docstring_examples_hold(module):
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(module))
    assert result.attempted > 0 and result.failed == 0
