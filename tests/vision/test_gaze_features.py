"""What the gaze-target model reads: the same look gives the same inputs whichever side each person sits on."""
import numpy as np

from vigvision.vision.gaze_features import FEATURES, features


def grids(child_x, adult_x, child_gaze_yaw):
    """Two frames, a child and an adult; the child looks ``child_gaze_yaw`` (+: to the image's right)."""
    g = {name: np.full((2, 2), np.nan) for name in ("cx", "cy", "width", "gaze_yaw", "gaze_pitch", "yaw", "pitch")}
    g["cx"][:] = [child_x, adult_x]
    g["cy"][:] = [300.0, 250.0]
    g["width"][:] = [60.0, 90.0]
    g["gaze_yaw"][:, 0] = g["yaw"][:, 0] = child_gaze_yaw
    g["gaze_yaw"][:, 1] = g["yaw"][:, 1] = 0.0
    g["gaze_pitch"][:] = g["pitch"][:] = 5.0
    g["seen_by"] = np.zeros((2, 2))
    g["cx"][1, 1] = np.nan                       # the adult not seen in the second frame
    return g


def test_a_look_at_the_partner_reads_the_same_from_either_side_and_unseen_rows_are_said():
    size = (640, 480)
    right = features(grids(200.0, 500.0, 40.0), 0, 1, size)          # partner to the right, looked at
    left = features(grids(440.0, 140.0, -40.0), 0, 1, size)          # the picture mirrored
    assert right.shape == (2, len(FEATURES))
    np.testing.assert_allclose(right, left, atol=1e-5)
    col = {n: k for k, n in enumerate(FEATURES)}
    assert right[0, col["toward_partner_cos"]] > 0.9 and right[0, col["turned_to_partner"]] == 40.0
    away = features(grids(200.0, 500.0, -40.0), 0, 1, size)          # turned from the partner
    assert away[0, col["toward_partner_cos"]] < -0.9
    assert right[1, col["partner_seen"]] == 0 and right[0, col["partner_seen"]] == 1
    g = grids(200.0, 500.0, 40.0)
    g["cx"][0, 0] = np.nan                                           # the child not seen: no row
    assert np.isnan(features(g, 0, 1, size)[0]).all()
