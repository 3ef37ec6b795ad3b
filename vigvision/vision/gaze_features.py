"""What a learned gaze-target model reads of one person looking, in one frame, with one partner.

The same function serves training (from an analysis' signals.parquet, ``grids_from_signals``) and the
analysis (``gaze_model``, the shipped model), which must build its grids the same way (face box width, not the mesh's
cheek-to-cheek width) so that what the model is trained on is what it is given. Inputs are per-frame, per-person grids (NaN where a person
is not seen); the output is one row of ``FEATURES`` per frame for person ``p`` with partner ``q``, mirrored
so that the partner is to the right (yaws, the partner's offset and one's place in the picture change sign).
"""
from __future__ import annotations

import numpy as np

SEEN_BY = ("mesh", "detector", "pose")
FEATURES = (
    "gaze_yaw", "gaze_pitch", "head_yaw", "head_pitch",           # deg: where the head and eyes point
    "by_mesh", "by_detector", "by_pose",                            # what measured the head
    "partner_seen", "partner_dx", "partner_dy", "partner_size",     # the partner's face from mine (face widths)
    "toward_partner_cos", "toward_partner_sin", "turned_to_partner",  # the gaze against that direction
    "place_x", "place_y", "face_size",                              # where I am in the picture, how near
    "camera_angle",                                                 # deg between the gaze and the lens
)
# the camera's field of view taken for the angle to the lens: vision.hfov_deg's default, fixed because the
# model was trained with it (a camera set otherwise still reads the lens angle as from a 60-degree one)
HFOV_DEG = 60.0
GRIDS = ("cx", "cy", "width", "gaze_yaw", "gaze_pitch", "yaw", "pitch", "seen_by")


def features(grids: dict[str, np.ndarray], p: int, q: int | None, frame_size: tuple[int, int]) -> np.ndarray:
    """(F, len(FEATURES)) float32 for person ``p`` with partner ``q`` (None: nobody else), from ``grids``:
    each name of ``GRIDS`` an (F, P) array (``seen_by`` as an index into ``SEEN_BY``, -1 unseen). Rows where
    ``p`` is not seen are NaN."""
    w, h = frame_size
    cx, cy, fw = grids["cx"][:, p], grids["cy"][:, p], np.maximum(grids["width"][:, p], 1.0)
    gy, gp = grids["gaze_yaw"][:, p], grids["gaze_pitch"][:, p]
    by = grids["seen_by"][:, p]
    n = len(cx)
    if q is not None:
        qx, qy, qw = grids["cx"][:, q], grids["cy"][:, q], grids["width"][:, q]
        seen_q = np.isfinite(qx)
    else:
        qx = qy = qw = np.full(n, np.nan)
        seen_q = np.zeros(n, bool)
    # the angle between the gaze and the direction from the face to the lens: small = into the camera (a
    # peak at no turn, which the turn angles alone give a linear model no way to draw); mirror-free
    f = (w / 2) / np.tan(np.radians(HFOV_DEG) / 2)
    ray = np.stack([(cx - w / 2) / f, (cy - h / 2) / f, np.ones(n)], -1)
    ray /= np.linalg.norm(ray, axis=-1, keepdims=True)
    yr, pr = np.radians(gy), np.radians(gp)
    look = np.stack([np.sin(yr) * np.cos(pr), -np.sin(pr), -np.cos(yr) * np.cos(pr)], -1)
    with np.errstate(invalid="ignore"):
        camera = np.degrees(np.arccos(np.clip(-np.einsum("ij,ij->i", look, ray), -1, 1)))
    # mirrored so the partner is always to the right: the same look means the same thing whichever side
    # of the picture each person sits on (the two development families sit opposite ways round)
    # (partner not seen: taken to be towards the picture's middle, where the other person usually sits)
    side = np.where(np.where(seen_q, qx < cx, cx > w / 2), -1.0, 1.0)
    gy = gy * side
    dx = np.where(seen_q, np.clip(np.abs(qx - cx) / fw, 0, 12), 0.0)
    dy = np.where(seen_q, np.clip((qy - cy) / fw, -12, 12), 0.0)
    size = np.where(seen_q, np.log(np.maximum(qw, 1.0) / fw), 0.0)
    # the gaze drawn in the image (x right, y down) against the direction to the partner's face
    g2 = np.stack([np.sin(np.radians(gy)), -np.sin(np.radians(gp))], -1)
    d2 = np.stack([dx, dy], -1)
    norm = np.linalg.norm(g2, axis=-1) * np.linalg.norm(d2, axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        cos = np.where(norm > 1e-6, np.einsum("ij,ij->i", g2, d2) / norm, 0.0)
        sin = np.where(norm > 1e-6, (g2[:, 0] * d2[:, 1] - g2[:, 1] * d2[:, 0]) / norm, 0.0)
    turned = np.where(seen_q, gy, 0.0)
    out = np.stack([
        gy, gp, grids["yaw"][:, p] * side, grids["pitch"][:, p],
        by == 0, by == 1, by == 2,
        seen_q, dx, dy, size, cos, sin, turned,
        side * (cx - w / 2) / w, (cy - h / 2) / h, fw / w, camera,
    ], -1).astype(np.float32)
    out[~np.isfinite(cx)] = np.nan
    # a pose-measured head has no pitch: taken as level
    return np.where(np.isfinite(cx)[:, None], np.nan_to_num(out, nan=0.0), np.nan).astype(np.float32)


def grids_from_signals(signals, frame_count: int, persons: list[str]) -> dict[str, np.ndarray]:
    """The ``GRIDS`` of an analysis' signals (a DataFrame of signals.parquet) for ``persons`` (in order)."""
    out = {name: np.full((frame_count, len(persons)), np.nan) for name in GRIDS}
    out["seen_by"][:] = -1
    for k, pid in enumerate(persons):
        rows = signals[signals.person == pid]
        f = rows.frame.to_numpy()
        out["cx"][f, k] = rows.face_x.to_numpy() + rows.face_w.to_numpy() / 2
        out["cy"][f, k] = rows.face_y.to_numpy() + rows.face_h.to_numpy() / 2
        out["width"][f, k] = rows.face_w.to_numpy()
        out["gaze_yaw"][f, k] = rows.gaze_yaw_deg.to_numpy()
        out["gaze_pitch"][f, k] = rows.gaze_pitch_deg.to_numpy()
        out["yaw"][f, k] = rows.yaw_deg.to_numpy()
        out["pitch"][f, k] = rows.pitch_deg.to_numpy()
        out["seen_by"][f, k] = rows.seen_by.map({s: i for i, s in enumerate(SEEN_BY)}).to_numpy()
    return out
