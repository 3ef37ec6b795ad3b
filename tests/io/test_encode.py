"""The video writer and the JPEG encoder."""
import numpy as np
import pytest

from vigvision.io.encode import VideoWriter, jpeg_bytes
from vigvision.io.video import VideoReader


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
