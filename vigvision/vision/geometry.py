"""From face landmarks to the signals a guider microanalyses: head pose, gaze
direction, mouth opening, smile; and from faces to 3D positions.

Camera frame (OpenCV): x to the image's right, y down, z away from the camera.
Angles: yaw + = face turned toward the image's right, pitch + = up, roll + =
head tilted clockwise in the image. A face looking straight into the camera
from the image centre has yaw = pitch = 0.
"""
from __future__ import annotations

import functools
import math
from importlib import resources

import cv2
import numpy as np

from . import landmarks as L

# Eyeball radius as a fraction of the eye's corner-to-corner width (~12 mm of ~30 mm).
_EYEBALL_RADIUS = 0.4


@functools.lru_cache(maxsize=1)
def canonical_face() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(landmark indices, (n, 3) unit-RMS canonical points, resting eye offsets); see models/canonical_face.md."""
    with resources.as_file(resources.files("vigvision.models").joinpath("canonical_face.npz")) as path:
        data = np.load(path)
        return data["indices"], data["points"].astype(np.float64), data["eye_offset_rest"].astype(np.float64)


def camera_matrix(width: int, height: int, hfov_deg: float) -> np.ndarray:
    """Pinhole intrinsics for a frame of ``width`` x ``height`` and a horizontal field of view."""
    f = (width / 2) / math.tan(math.radians(hfov_deg) / 2)
    return np.array([[f, 0, width / 2], [0, f, height / 2], [0, 0, 1]], np.float64)


def head_pose(pts: np.ndarray, K: np.ndarray) -> tuple[float, float, float, float]:
    """(yaw, pitch, roll) in degrees in the camera frame, and a 0..1 fit score.

    The face's rigid landmarks (x, y and FaceMesh's relative depth z) are
    aligned to the canonical face by orthogonal Procrustes (Kabsch): no
    intrinsics, no local minima, no flips. That rotation is relative to the
    line of sight (a face at the image edge that looks into the lens appears
    frontal), so it is turned by the ray from the camera to the face to give
    angles in the camera frame. The score falls with the alignment residual.
    """
    idx, canon, _ = canonical_face()
    q = pts[idx].astype(np.float64)
    centre = q.mean(0)
    q = q - centre
    q /= np.sqrt((q ** 2).sum(1).mean()) or 1.0
    u, _, vt = np.linalg.svd(q.T @ canon)
    d = np.sign(np.linalg.det(u @ vt))
    R = u @ np.diag([1.0, 1.0, d]) @ vt           # canonical -> observed (appearance)
    residual = float(np.sqrt(((canon @ R.T - q) ** 2).sum(1).mean()))
    R = _line_of_sight(centre[:2], K) @ R
    fwd = R @ np.array([0.0, 0.0, -1.0])   # where the face points
    side = R @ np.array([1.0, 0.0, 0.0])   # the face's left-to-right axis
    yaw = math.degrees(math.atan2(fwd[0], -fwd[2]))
    pitch = math.degrees(math.atan2(-fwd[1], math.hypot(fwd[0], fwd[2])))
    roll = math.degrees(math.atan2(side[1], side[0]))
    return yaw, pitch, roll, float(math.exp(-residual / 0.08))


def _line_of_sight(center_px: np.ndarray, K: np.ndarray) -> np.ndarray:
    """Rotation taking the optical axis (0, 0, 1) onto the ray through ``center_px``."""
    ray = np.linalg.solve(K, np.array([center_px[0], center_px[1], 1.0]))
    ray /= np.linalg.norm(ray)
    z = np.array([0.0, 0.0, 1.0])
    axis = np.cross(z, ray)
    s, c = np.linalg.norm(axis), float(np.dot(z, ray))
    if s < 1e-9:
        return np.eye(3)
    rvec = axis / s * math.atan2(s, c)
    return cv2.Rodrigues(rvec)[0]


def raw_eye_offsets(pts: np.ndarray) -> np.ndarray:
    """Per eye (right, left): iris offset from the corners' midpoint along and across
    the corner axis, over the eyeball radius: (2, 2) array, NaN where an eye is too small."""
    out = np.full((2, 2), np.nan)
    for k, (outer, inner, iris) in enumerate(((L.RIGHT_EYE_OUTER, L.RIGHT_EYE_INNER, L.RIGHT_IRIS),
                                              (L.LEFT_EYE_OUTER, L.LEFT_EYE_INNER, L.LEFT_IRIS))):
        a, b = pts[outer, :2], pts[inner, :2]
        if a[0] > b[0]:
            a, b = b, a  # a: image-left corner
        axis = b - a
        width = float(np.linalg.norm(axis))
        if width < 2:
            continue
        u = axis / width
        v = np.array([-u[1], u[0]])  # image-down across the eye
        d = pts[iris, :2] - (a + b) / 2
        r = _EYEBALL_RADIUS * width
        out[k] = (np.dot(d, u) / r, np.dot(d, v) / r)
    return out


def eye_in_head(pts: np.ndarray) -> tuple[float, float]:
    """Eye rotation (yaw, pitch) in degrees from the irises' place between the eye corners.

    Each eye's offset (see :func:`raw_eye_offsets`), less its resting offset on
    a face looking straight ahead, is the sine of its rotation; the two eyes are
    averaged, weighted by their visible width (the far eye of a turned head is
    foreshortened and noisy).
    """
    _, _, rest = canonical_face()
    off = raw_eye_offsets(pts) - rest
    widths = np.array([np.linalg.norm(pts[L.RIGHT_EYE_OUTER, :2] - pts[L.RIGHT_EYE_INNER, :2]),
                       np.linalg.norm(pts[L.LEFT_EYE_OUTER, :2] - pts[L.LEFT_EYE_INNER, :2])])
    ok = ~np.isnan(off[:, 0])
    if not ok.any():
        return math.nan, math.nan
    w = widths[ok] / widths[ok].sum()
    yaw = np.degrees(np.arcsin(np.clip(off[ok, 0], -1, 1)))
    pitch = -np.degrees(np.arcsin(np.clip(off[ok, 1], -1, 1)))
    return float(np.dot(yaw, w)), float(np.dot(pitch, w))


def yaw_from_keypoints(kp: np.ndarray) -> float:
    """Rough head yaw in degrees from the face detector's six keypoints (right eye, left eye,
    nose tip, mouth, right ear, left ear): the nose's offset from the midpoint of the ears
    over half the ear span is the tangent of the yaw (head radius ~ half its width)."""
    ears_mid = (kp[4] + kp[5]) / 2
    half_span = max(abs(float(kp[5, 0] - kp[4, 0])) / 2, 1e-3)
    return math.degrees(math.atan2(float(kp[2, 0] - ears_mid[0]), 0.9 * half_span))


def combine_gaze(yaw, pitch, eye_yaw, eye_pitch):
    """Gaze = head pose + eye-in-head, the eyes counting less as the head turns away.

    Iris positions are reliable on a frontal face and not on a profile (the far
    eye is hidden, the near one foreshortened): the eyes' weight is 1 up to 20
    degrees of head yaw and falls to 0 at 45. Arrays or scalars, degrees.
    """
    w = np.clip(1 - (np.abs(yaw) - 20.0) / 25.0, 0.0, 1.0)
    return yaw + w * np.nan_to_num(eye_yaw), pitch + w * np.nan_to_num(eye_pitch)


def mouth_open(pts: np.ndarray) -> float:
    """Inner lip gap over face height (forehead to chin): ~0 closed, ~0.1 wide open."""
    face_h = float(np.linalg.norm(pts[L.FOREHEAD, :2] - pts[L.CHIN, :2])) or 1.0
    return float(np.linalg.norm(pts[L.LIP_TOP, :2] - pts[L.LIP_BOTTOM, :2])) / face_h


def smile(pts: np.ndarray) -> float:
    """Smile intensity 0..1 from mouth width over eye width and the lift of the mouth corners.

    A neutral mouth is about as wide as 0.55 of the outer-eye-corner distance;
    a broad smile reaches ~0.75, with the corners raised above the lip centre.
    """
    eyes = float(np.linalg.norm(pts[L.RIGHT_EYE_OUTER, :2] - pts[L.LEFT_EYE_OUTER, :2])) or 1.0
    width = float(np.linalg.norm(pts[L.MOUTH_RIGHT, :2] - pts[L.MOUTH_LEFT, :2])) / eyes
    centre_y = (pts[L.LIP_TOP, 1] + pts[L.LIP_BOTTOM, 1]) / 2
    lift = (centre_y - (pts[L.MOUTH_RIGHT, 1] + pts[L.MOUTH_LEFT, 1]) / 2) / eyes
    score = 0.7 * (width - 0.55) / 0.2 + 0.3 * (lift + 0.02) / 0.08
    return float(np.clip(score, 0.0, 1.0))


def proportions(pts: np.ndarray) -> tuple[float, float, float, float]:
    """Pose-independent face proportions from the 3D landmarks (x, y and FaceMesh depth z):

    lower face: nose tip to chin over the outer eye-corner span;
    eye size: mean eye width over face width;
    upper face: forehead to nose bridge over nose bridge to chin;
    and the face's 3D height (forehead to chin) in pixels, a size that does not
    shrink when the head turns (the cheek-to-cheek width does).
    """
    d = lambda i, j: float(np.linalg.norm(pts[i] - pts[j]))  # noqa: E731
    span = d(L.RIGHT_EYE_OUTER, L.LEFT_EYE_OUTER) or 1.0
    width = d(L.FACE_RIGHT, L.FACE_LEFT) or 1.0
    lower = d(L.NOSE_TIP, L.CHIN) / span
    eye = (d(L.RIGHT_EYE_OUTER, L.RIGHT_EYE_INNER) + d(L.LEFT_EYE_OUTER, L.LEFT_EYE_INNER)) / 2 / width
    upper = d(L.FOREHEAD, L.NOSE_BRIDGE) / (d(L.NOSE_BRIDGE, L.CHIN) or 1.0)
    return lower, eye, upper, d(L.FOREHEAD, L.CHIN)


def face_width_px(pts: np.ndarray) -> float:
    """Face width across the cheeks (landmarks 234-454), the size used for distances."""
    return float(np.linalg.norm(pts[L.FACE_RIGHT, :2] - pts[L.FACE_LEFT, :2]))


def direction(yaw_deg: np.ndarray, pitch_deg: np.ndarray) -> np.ndarray:
    """Unit vectors (..., 3) in the camera frame for yaw/pitch angles (see module doc)."""
    yaw, pitch = np.radians(yaw_deg), np.radians(pitch_deg)
    return np.stack([np.sin(yaw) * np.cos(pitch), -np.sin(pitch), -np.cos(yaw) * np.cos(pitch)], axis=-1)


def backproject(center_px: np.ndarray, width_px: np.ndarray, face_width_m: np.ndarray, K: np.ndarray) -> np.ndarray:
    """3D positions (..., 3) in metres of faces from their image centre and width.

    Depth from the pinhole model: z = f * real width / width in pixels.
    """
    f, cx, cy = K[0, 0], K[0, 2], K[1, 2]
    z = f * np.asarray(face_width_m) / np.maximum(np.asarray(width_px, np.float64), 1e-6)
    x = (center_px[..., 0] - cx) * z / f
    y = (center_px[..., 1] - cy) * z / f
    return np.stack([x, y, z], axis=-1)
