"""The head from the body pose, where the face models fail: its place and yaw from nose, eyes and ears, and
nothing where the points are hidden or lie on someone else."""
import numpy as np
import pytest

from vigvision.vision.pose import LEFT_EAR, NOSE, RIGHT_EAR, HeadFinder, head_from_points


def points(nose_x, left_ear_x=None, right_ear_x=None, y=100.0):
    pts = np.zeros((9, 2))
    vis = np.zeros(9)
    pts[:, 1] = y
    pts[NOSE, 0] = nose_x
    pts[2, 0], pts[5, 0] = nose_x + 8, nose_x - 8          # the eyes beside the nose
    vis[[NOSE, 2, 5]] = 0.9
    for k, x in ((LEFT_EAR, left_ear_x), (RIGHT_EAR, right_ear_x)):
        if x is not None:
            pts[k, 0], vis[k] = x, 0.9
    return pts, vis


def test_yaw_from_the_nose_between_the_ears_and_a_profile_from_one_ear():
    front = head_from_points(*points(200.0, 230.0, 170.0), (200.0, 100.0), 60.0)
    assert front is not None and abs(front.yaw) < 1.0 and front.box[2] - front.box[0] == pytest.approx(63.0)
    turned = head_from_points(*points(215.0, 230.0, 170.0), (200.0, 100.0), 60.0)
    assert turned.yaw > 20                                          # nose towards the image's right: +
    profile = head_from_points(*points(190.0, None, 215.0), (200.0, 100.0), 60.0)
    assert profile.yaw == -75.0                                     # only one ear, the nose left of it
    assert head_from_points(*points(200.0), (200.0, 100.0), 60.0) is None               # no ear: not a head
    assert head_from_points(*points(400.0, 430.0, 370.0), (200.0, 100.0), 60.0) is None  # someone else's head


def test_the_pose_finds_a_real_head_where_the_face_was():
    from skimage import data

    image = data.astronaut()                                       # 512 px, the face at about (250, 120)
    finder = HeadFinder()
    try:
        head = finder(image, np.array([200.0, 70.0, 300.0, 170.0]))
        missing = finder(np.zeros_like(image), np.array([200.0, 70.0, 300.0, 170.0]))
    finally:
        finder.close()
    assert head is not None and missing is None
    cx, cy = (head.box[0] + head.box[2]) / 2, (head.box[1] + head.box[3]) / 2
    assert abs(cx - 250) < 40 and abs(cy - 120) < 50 and abs(head.yaw) < 45


def test_a_head_found_by_the_pose_is_refused_on_someone_elses_face_or_far_from_where_the_face_was():
    from vigvision.vision.analyser import POSE_REACH, _near, _on_a_face

    head = np.array([100.0, 100.0, 160.0, 166.0])                  # centre (130, 133), 60 px wide
    child_face = np.array([105.0, 105.0, 165.0, 165.0])            # a face followed in this frame, same place
    assert _on_a_face(head, [child_face]) and not _on_a_face(head, [child_face + 200])
    assert _near(head, (150.0, 133.0), POSE_REACH * 60)            # 20 px from where the face was last seen
    assert not _near(head, (300.0, 133.0), POSE_REACH * 60)        # 170 px: a toy, or the other person
    assert not _near(head, None, POSE_REACH * 60)                  # never seen as a face: not followed
