"""Vision on scenes with known truth: real faces (from wheel assets) placed at known sizes,
angles and distances, and hand-built geometry for the gaze-target logic."""
import numpy as np
import pytest

from vigvision.config import GazeConfig
from vigvision.testing.faces import Placement, face_video, scene
from vigvision.vision import geometry as G
from vigvision.vision.detect import FaceDetector, box_iou, nms, Detections
from vigvision.vision.landmarks import PersonLandmarker
from vigvision.sequence import viterbi as _viterbi
from vigvision.vision.persons import _targets


@pytest.fixture(scope="module")
def detector():
    d = FaceDetector()
    yield d
    d.close()


@pytest.mark.parametrize("face", ["astronaut", "grace_hopper"])
@pytest.mark.parametrize("width", [60, 100, 200])
def test_faces_found_at_known_places(detector, face, width):
    placements = [Placement(face, (300, 400), width), Placement(face, (950, 300), width, mirror=True)]
    image, truth = scene(1280, 720, placements)
    found = detector.tiled(image)
    assert len(found) == 2
    assert (box_iou(np.stack(truth), found.xyxy).max(axis=1) > 0.4).all()


def test_small_faces_need_the_tiles(detector):
    # 45 px faces in a 1280 px frame: too small for the whole-frame pass, found in tiles.
    image, truth = scene(1280, 720, [Placement("grace_hopper", (300, 400), 45),
                                     Placement("grace_hopper", (950, 300), 45, mirror=True)])
    assert len(detector(image)) < 2
    found = detector.tiled(image)
    assert len(found) == 2 and (box_iou(np.stack(truth), found.xyxy).max(axis=1) > 0.3).all()


def test_nms_keeps_the_best_of_overlapping_boxes():
    d = Detections(np.array([[0, 0, 10, 10], [1, 1, 11, 11], [50, 50, 60, 60], [2, 2, 6, 6]], np.float32),
                   np.array([0.6, 0.9, 0.8, 0.7], np.float32), np.zeros((4, 6, 2), np.float32))
    kept = nms(d)
    assert sorted(kept.score.tolist()) == pytest.approx([0.8, 0.9])


def landmarks_of(image, detector):
    d = detector(image)
    lm = PersonLandmarker()
    try:
        return lm(image, d.xyxy[0])
    finally:
        lm.close()


@pytest.mark.parametrize("face", ["astronaut", "grace_hopper"])
@pytest.mark.parametrize("angle", [-30, -15, 15, 30])
def test_roll_follows_in_plane_rotation(detector, face, angle):
    K = G.camera_matrix(1280, 720, 60)
    upright = landmarks_of(scene(1280, 720, [Placement(face, (640, 360), 140)])[0], detector)
    turned = landmarks_of(scene(1280, 720, [Placement(face, (640, 360), 140, roll_deg=angle)])[0], detector)
    roll0 = G.head_pose(upright, K)[2]
    yaw, pitch, roll, score = G.head_pose(turned, K)
    # drawing counter-clockwise (+angle) tilts the head anticlockwise: roll is clockwise-positive
    assert roll - roll0 == pytest.approx(-angle, abs=4)
    assert abs(yaw) < 8 and abs(pitch) < 8 and score > 0.5


@pytest.mark.parametrize("face", ["astronaut", "grace_hopper"])
def test_mirror_flips_yaw_and_roll(detector, face):
    K = G.camera_matrix(1280, 720, 60)
    a = G.head_pose(landmarks_of(scene(1280, 720, [Placement(face, (640, 360), 140, roll_deg=20)])[0], detector), K)
    b = G.head_pose(landmarks_of(scene(1280, 720, [Placement(face, (640, 360), 140, roll_deg=-20,
                                                                        mirror=True)])[0], detector), K)
    assert b[2] == pytest.approx(-a[2], abs=6)
    assert b[0] == pytest.approx(-a[0], abs=5)


def test_backproject_and_direction_geometry():
    K = G.camera_matrix(1280, 720, 60)
    f = K[0, 0]
    # a 0.14 m face 140 px wide at the image centre is f metres away
    p = G.backproject(np.array([[640.0, 360.0]]), np.array([140.0]), 0.14, K)[0]
    assert p == pytest.approx([0, 0, f * 0.14 / 140])
    # yaw +90 points to the image's right, pitch +90 up, zero at the camera
    assert G.direction(np.array(90.0), np.array(0.0)) == pytest.approx([1, 0, 0], abs=1e-9)
    assert G.direction(np.array(0.0), np.array(90.0)) == pytest.approx([0, -1, 0], abs=1e-9)
    assert G.direction(np.array(0.0), np.array(0.0)) == pytest.approx([0, 0, -1], abs=1e-9)


def test_gaze_targets_on_built_geometry():
    # A at x=-0.5 m, B at +0.5 m, both 2 m from the camera. For 30 frames: A looks at B;
    # B looks at the camera for 15 frames, then at A; one noisy frame in the middle.
    F = 30
    pos = np.zeros((F, 2, 3))
    pos[:, 0] = (-0.5, 0, 2.0)
    pos[:, 1] = (0.5, 0, 2.0)
    gdir = np.zeros((F, 2, 3))
    gdir[:, 0] = (1, 0, 0)                       # A -> B
    to_cam = -pos[0, 1] / np.linalg.norm(pos[0, 1])
    gdir[:15, 1] = to_cam                        # B -> camera
    gdir[15:, 1] = (-1, 0, 0)                    # B -> A
    gdir[7, 1] = (0, 1, 0)                       # one frame looking at the floor
    gdir[20:22, 0] = np.nan                      # A unseen for two frames
    t = _targets(pos, gdir, GazeConfig())
    assert t[:20, 0].tolist() == [1] * 20 and t[20:22, 0].tolist() == [-1, -1] and t[22:, 0].tolist() == [1] * 8
    assert t[:15, 1].tolist() == [2] * 15       # the single noisy frame does not flip it (hysteresis)
    assert t[15:, 1].tolist() == [0] * 15


def test_viterbi_switches_only_on_sustained_evidence():
    cost = np.zeros((10, 2))
    cost[:, 1] = 2.0
    cost[4, 0], cost[4, 1] = 3.0, 0.0            # one frame favours state 1 by 3
    assert _viterbi(cost, np.ones(10, bool), switch=3.0).tolist() == [0] * 10
    cost[4:, 0], cost[4:, 1] = 3.0, 0.0          # from frame 4 on: a real change
    assert _viterbi(cost, np.ones(10, bool), switch=3.0).tolist() == [0] * 4 + [1] * 6


def test_tracking_keeps_ids_through_an_exit(tmp_path):
    """The right person leaves for 2 s and comes back: still two persons, same ids, a gap
    (no rows) while away, never zeros."""
    import vigvision

    def timeline(t):
        people = [Placement("grace_hopper", (380, 330), 110)]
        if not 2.0 <= t < 4.0:
            people.append(Placement("astronaut", (930, 360), 90, mirror=True))
        return people

    path = tmp_path / "exit.mp4"
    face_video(path, duration_s=6.0, fps=10, width=1280, height=720, timeline=timeline)
    result = vigvision.analyze(path, tmp_path / "out")
    assert [p["id"] for p in result.persons] == ["P1", "P2"]
    sig = result.signals()
    p1, p2 = sig[sig.person == "P1"], sig[sig.person == "P2"]
    assert p1.face_x.median() < 640 < p2.face_x.median()  # ids left to right, never swapped
    assert (p1.face_x < 640).all() and (p2.face_x > 640).all()
    away = p2[(p2.time_s >= 2.2) & (p2.time_s < 3.8)]
    assert away.empty
    assert len(p2[p2.time_s >= 4.3]) >= 14 and len(p2[p2.time_s < 1.9]) >= 17
    assert sig.yaw_deg.notna().all() and (sig.face_w > 0).all()
    # two frontal faces: measured by the face mesh, not the body pose; nobody invented while away
    assert set(sig.seen_by) <= {"mesh", "detector", "pose"} and (sig.seen_by == "mesh").mean() > 0.8


def test_roles_override_is_kept(tmp_path):
    import vigvision

    image, _ = scene(960, 540, [Placement("grace_hopper", (300, 280), 150),
                                Placement("astronaut", (680, 300), 90, mirror=True)])
    path = tmp_path / "still.mp4"
    face_video(path, duration_s=2.0, fps=10, width=960, height=540,
               timeline=lambda t: [Placement("grace_hopper", (300, 280), 150),
                                   Placement("astronaut", (680, 300), 90, mirror=True)])
    suggested = vigvision.analyze(path, tmp_path / "a")
    assert [p["role"] for p in suggested.persons] == ["adult", "child"]  # the smaller face is the child
    swapped = vigvision.analyze(path, tmp_path / "b", roles={"P1": "child", "P2": "adult"})
    assert [(p["role"], p["role_source"]) for p in swapped.persons] == [("child", "user"), ("adult", "user")]
    assert swapped.data["overrides"]["roles"] == {"P1": "child", "P2": "adult"}


def test_roles_with_a_profile_only_person_are_json_safe():
    # Person 1 was only ever seen in profile (no mesh): no proportions, an undecided cue,
    # and nothing that JSON cannot hold.
    import json

    from vigvision.vision.persons import suggest_roles

    pidx = np.array([0, 0, 1, 1])
    nan = float("nan")
    cols = {"lower_face": np.array([0.8, 0.82, nan, nan]), "eye_size": np.array([0.19, 0.19, nan, nan]),
            "upper_face": np.array([0.45, 0.45, nan, nan]), "face_height3d": np.array([90.0, 92.0, nan, nan]),
            "face_width": np.array([60.0, 61.0, 80.0, 82.0]), "cx": np.array([100.0, 101.0, 500.0, 505.0])}
    persons = [p.to_dict() for p in suggest_roles(["P1", "P2"], pidx, cols, {})]
    json.dumps(persons, allow_nan=False)
    assert persons[1]["proportions"]["lower_face"] is None
    assert sorted(p["role"] for p in persons) == ["adult", "child"]


def test_more_faces_than_followed_is_said(tmp_path):
    # More than vision.max_persons faces were dropped without a word.
    import vigvision
    from vigvision.config import Config

    grid = [Placement(("grace_hopper", "astronaut")[i % 2], (160 + 320 * (i % 4), 180 + 360 * (i // 4)), 110,
                      mirror=bool(i % 3)) for i in range(8)]
    path = tmp_path / "group.mp4"
    face_video(path, duration_s=2.0, fps=10, width=1280, height=720, timeline=lambda t: grid)
    config = Config.from_dict({"vision": {"max_persons": 6}})
    result = vigvision.analyze(path, tmp_path / "out", config=config)
    assert len(result.persons) == 6
    said = [w for w in result.warnings if "more than 6 faces at once" in w]
    assert len(said) == 1 and "raise [vision] max_persons" in said[0], result.warnings
    roomy = vigvision.analyze(path, tmp_path / "out8", config=Config.from_dict({"vision": {"max_persons": 8}}))
    assert len(roomy.persons) == 8 and not [w for w in roomy.warnings if "faces at once" in w]
