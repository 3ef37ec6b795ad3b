"""The face tracker follows a moving face and caps how many it follows."""
import numpy as np


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
