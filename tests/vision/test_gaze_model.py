"""The shipped gaze-target model: what a look means, read from where the two people sit in the picture."""
import math

import numpy as np
import pytest

from vigvision.config import Config, ConfigError
from vigvision.vision.gaze_features import FEATURES, HFOV_DEG, features
from vigvision.vision.gaze_model import CLASSES, target_costs

W, H = 1280, 720
TARGETS = ("P1", "P2", "camera", "away")


def grids(x0: float, yaw0: float, x1: float, yaw1: float = 0.0, pitch0: float = 0.0) -> dict:
    """One frame, two faces (mesh-measured): person 0 at x0 looking ``yaw0`` (+: the image's right)."""
    g = {k: np.zeros((1, 2)) for k in ("cx", "cy", "width", "gaze_yaw", "gaze_pitch", "yaw", "pitch", "seen_by")}
    g["cx"][:] = [[x0, x1]]
    g["cy"][:] = [[330.0, 300.0]]
    g["width"][:] = [[140.0, 120.0]]
    g["gaze_yaw"][:] = [[yaw0, yaw1]]
    g["yaw"][:] = [[0.8 * yaw0, 0.8 * yaw1]]
    g["gaze_pitch"][:] = g["pitch"][:] = [[pitch0, 0.0]]
    return g


def chosen(g: dict) -> str:
    return TARGETS[int(np.argmin(target_costs(g, (W, H), 4.0)[0, 0]))]


def lens_yaw(x: float) -> float:
    """The yaw that points from a face at x straight into the lens."""
    f = (W / 2) / math.tan(math.radians(HFOV_DEG) / 2)
    return math.degrees(math.atan((W / 2 - x) / f))


def test_into_the_lens_is_camera_never_the_partner_from_either_side():
    assert chosen(grids(350.0, lens_yaw(350.0), 930.0)) == "camera"
    assert chosen(grids(W - 350.0, lens_yaw(W - 350.0), W - 930.0)) == "camera"   # the picture mirrored


def test_turned_to_the_partner_is_the_partner_and_turned_from_them_is_away():
    assert chosen(grids(350.0, 70.0, 930.0)) == "P2"
    assert chosen(grids(W - 350.0, -70.0, W - 930.0)) == "P2"
    assert chosen(grids(350.0, -60.0, 930.0)) == "away"


def test_the_costs_are_the_same_in_the_mirrored_picture_and_unseen_is_infinite():
    a = target_costs(grids(350.0, 40.0, 930.0, -50.0), (W, H), 4.0)
    b = target_costs(grids(W - 350.0, -40.0, W - 930.0, 50.0), (W, H), 4.0)
    np.testing.assert_allclose(a, b, atol=1e-4)
    assert np.isinf(a[0, 0, 0]) and np.isinf(a[0, 1, 1])          # nobody is their own target
    g = grids(350.0, 40.0, 930.0)
    g["cx"][0, 0] = np.nan
    assert np.isinf(target_costs(g, (W, H), 4.0)[0, 0]).all()


def test_the_lens_angle_input_is_zero_for_a_look_into_the_lens():
    col = FEATURES.index("camera_angle")
    level = grids(350.0, lens_yaw(350.0), 930.0)
    level["cy"][0, 0] = H / 2                                         # at the lens' height
    assert features(level, 0, 1, (W, H))[0, col] == pytest.approx(0.0, abs=0.1)
    assert features(grids(350.0, lens_yaw(350.0), 930.0), 0, 1, (W, H))[0, col] == pytest.approx(1.55, abs=0.1)
    x = features(grids(350.0, lens_yaw(350.0) + 30.0, 930.0), 0, 1, (W, H))
    assert x[0, col] == pytest.approx(30.0, abs=0.2)
    assert len(CLASSES) == 4


def test_a_model_of_ones_own_is_a_setting_and_a_missing_one_a_clear_error(tmp_path):
    assert Config().gaze.model_path().name == "gaze_target.onnx"
    assert Config.from_dict({"gaze": {"target_model": "angles"}}).gaze.model_path() is None
    with pytest.raises(ConfigError, match="gaze.target_model"):
        Config.from_dict({"gaze": {"target_model": str(tmp_path / "mine.onnx")}})


def test_with_three_persons_an_unseen_one_is_no_target_while_another_partner_is_in_sight():
    g = {k: np.zeros((1, 3)) for k in ("cx", "cy", "width", "gaze_yaw", "gaze_pitch", "yaw", "pitch", "seen_by")}
    g["cx"][:] = [[350.0, 930.0, np.nan]]       # person 2 not seen in this frame
    g["cy"][:] = 330.0
    g["width"][:] = 120.0
    g["gaze_yaw"][:] = g["yaw"][:] = [[70.0, -50.0, 0.0]]
    cost = target_costs(g, (W, H), 4.0)
    assert np.isinf(cost[0, 0, 2]) and np.isfinite(cost[0, 0, 1]) and int(np.argmin(cost[0, 0])) == 1
    two = grids(350.0, 70.0, 930.0)
    two["cx"][0, 1] = np.nan                     # the only partner out of sight: still a target
    assert np.isfinite(target_costs(two, (W, H), 4.0)[0, 0, 1])
