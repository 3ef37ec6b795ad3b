"""Moment thumbnails: the frame shown at the keyframe, and none left from an earlier ranking."""
import numpy as np

from vigvision.io.video import VideoReader


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
