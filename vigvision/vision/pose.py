"""A person's head from the body pose, where the face models fail: a profile, a head turned away, a blurred
or half-hidden face.

BlazePose (mediapipe 0.10.21 ships it inside its wheel; only ``model_complexity=1``, the bundled full model,
works offline) runs on a crop around where the person's face was last seen, so it finds that person and not
the one beside them. Its nose, eyes and ears give the head's place and a head yaw (the nose's offset from the
ears' midpoint, or a profile when one ear is hidden); pitch is taken as level. Each call costs ~20-35 ms
on one core, so the analyser calls it only for a person whose face was lost, at most ``pose_fps`` times a
second per person (``[vision] pose_fps``).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from ._quiet import quiet_stderr

NOSE, LEFT_EYE, RIGHT_EYE, LEFT_EAR, RIGHT_EAR = 0, 2, 5, 7, 8
CROP_PX = 256
CROP_FACES = 4.0        # the crop spans this many face widths: head and shoulders, not the other person
VISIBLE = 0.5
MAX_STEP_FACES = 1.0    # the head found must be within this many face widths of where the face was


@dataclass(frozen=True)
class Head:
    """Where the head is (an xyxy box of the face's size, frame px), its yaw (deg, + = turned to the
    image's right) and how sure the pose is of the head points (0..1)."""

    box: np.ndarray
    yaw: float
    score: float


class HeadFinder:
    """``__call__(image, last_box)``: the head near ``last_box`` (the face's last xyxy box), or None."""

    def __init__(self, min_confidence: float = 0.5):
        with quiet_stderr():
            import mediapipe as mp

            self._pose = mp.solutions.pose.Pose(static_image_mode=True, model_complexity=1,
                                                enable_segmentation=False, min_detection_confidence=min_confidence)

    def __call__(self, image: np.ndarray, last_box: np.ndarray) -> Head | None:
        x1, y1, x2, y2 = (float(v) for v in last_box)
        width = max(x2 - x1, 8.0)
        cx, cy = (x1 + x2) / 2, (y1 + y2) / 2
        scale = CROP_PX / (CROP_FACES * width)
        # the face in the upper middle of the crop: shoulders below it help the pose find the person
        m = np.array([[scale, 0, CROP_PX / 2 - scale * cx], [0, scale, CROP_PX * 0.35 - scale * cy]], np.float32)
        crop = cv2.warpAffine(image, m, (CROP_PX, CROP_PX), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT)
        with quiet_stderr():
            result = self._pose.process(crop)
        if result.pose_landmarks is None:
            return None
        lm = result.pose_landmarks.landmark
        pts = np.array([[lm[k].x * CROP_PX, lm[k].y * CROP_PX] for k in range(9)], np.float64)
        vis = np.array([lm[k].visibility for k in range(9)])
        pts = (pts - m[:, 2]) / scale                               # back to frame pixels
        return head_from_points(pts, vis, (cx, cy), width)

    def close(self) -> None:
        self._pose.close()


def head_from_points(pts: np.ndarray, vis: np.ndarray, last_centre: tuple[float, float], width: float) -> Head | None:
    """The head from the pose's first nine points (frame px) and their visibility, or None where the head
    points are not seen or lie too far from where the face was (another person, or a wrong pose)."""
    head = [k for k in (NOSE, LEFT_EYE, RIGHT_EYE, LEFT_EAR, RIGHT_EAR) if vis[k] >= VISIBLE]
    if NOSE not in head or len(head) < 3:
        return None
    centre = pts[head].mean(axis=0)
    if math.hypot(centre[0] - last_centre[0], centre[1] - last_centre[1]) > MAX_STEP_FACES * width:
        return None
    ears = [k for k in (LEFT_EAR, RIGHT_EAR) if vis[k] >= VISIBLE]
    nose_x = pts[NOSE, 0]
    if len(ears) == 2:
        mid, half = (pts[LEFT_EAR, 0] + pts[RIGHT_EAR, 0]) / 2, abs(pts[LEFT_EAR, 0] - pts[RIGHT_EAR, 0]) / 2
        yaw = math.degrees(math.atan2(nose_x - mid, 0.9 * max(half, 1e-3)))
        width = max(2 * half * 1.05, 0.6 * width)        # the face spans about the ears
    elif ears:
        yaw = 75.0 if nose_x > pts[ears[0], 0] else -75.0   # one ear hidden: a profile, towards the nose
    else:
        return None
    box = np.array([centre[0] - width / 2, centre[1] - 0.6 * width, centre[0] + width / 2, centre[1] + 0.6 * width])
    return Head(box.astype(np.float32), float(yaw), float(vis[head].mean()))
