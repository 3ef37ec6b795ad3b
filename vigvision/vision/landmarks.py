"""Face landmarks for one tracked person: FaceMesh (478 points with irises) on an
upscaled square crop around that person's face.

Each person gets their own FaceMesh in video mode, so its internal tracking
follows one face; the crop is re-centred every frame on the person's latest
face box, so small faces (40-75 px) are seen at ~256 px.
"""
from __future__ import annotations

import cv2
import numpy as np

from ._quiet import quiet_stderr

# FaceMesh indices used downstream (the person's own right/left).
RIGHT_EYE_OUTER, RIGHT_EYE_INNER, RIGHT_EYE_TOP, RIGHT_EYE_BOTTOM = 33, 133, 159, 145
LEFT_EYE_OUTER, LEFT_EYE_INNER, LEFT_EYE_TOP, LEFT_EYE_BOTTOM = 263, 362, 386, 374
RIGHT_IRIS, LEFT_IRIS = 468, 473
NOSE_TIP, CHIN, FOREHEAD, NOSE_BRIDGE = 1, 152, 10, 168
MOUTH_RIGHT, MOUTH_LEFT, LIP_TOP, LIP_BOTTOM = 61, 291, 13, 14
UPPER_LIP_OUTER, LOWER_LIP_OUTER = 0, 17
FACE_RIGHT, FACE_LEFT = 234, 454


class PersonLandmarker:
    """FaceMesh for one person.

    ``__call__(image, box_xyxy)`` returns (478, 3) float32 landmarks in frame
    pixels (z in the same pixel scale, + = away from the camera), or None when
    no face is found in the crop or the face found is not the one in the box.
    """

    def __init__(self, *, crop_size: int = 256, margin: float = 1.7, min_confidence: float = 0.5):
        self.crop_size = crop_size
        self.margin = margin
        with quiet_stderr():
            import mediapipe as mp

            self._fm = mp.solutions.face_mesh.FaceMesh(
                static_image_mode=False, max_num_faces=1, refine_landmarks=True,
                min_detection_confidence=min_confidence, min_tracking_confidence=min_confidence)
            self._fm.process(np.zeros((crop_size, crop_size, 3), np.uint8))  # the graph's first-run notices

    def __call__(self, image: np.ndarray, box_xyxy: np.ndarray) -> np.ndarray | None:
        x1, y1, x2, y2 = (float(v) for v in box_xyxy)
        cx, cy = (x1 + x2) / 2, (y1 + y2) / 2
        side = self.margin * max(x2 - x1, y2 - y1, 8.0)
        scale = self.crop_size / side
        # Affine crop: pixels outside the frame read as black, no copy of the full frame.
        m = np.array([[scale, 0, self.crop_size / 2 - scale * cx],
                      [0, scale, self.crop_size / 2 - scale * cy]], np.float32)
        crop = cv2.warpAffine(image, m, (self.crop_size, self.crop_size), flags=cv2.INTER_LINEAR,
                              borderMode=cv2.BORDER_CONSTANT)
        with quiet_stderr():  # the graph logs a projection notice on the first face it sees
            result = self._fm.process(crop)
        if not result.multi_face_landmarks:
            return None
        lm = result.multi_face_landmarks[0].landmark
        pts = np.array([(p.x, p.y, p.z) for p in lm], np.float32) * self.crop_size
        # back to frame pixels
        pts[:, 0] = (pts[:, 0] - m[0, 2]) / scale
        pts[:, 1] = (pts[:, 1] - m[1, 2]) / scale
        pts[:, 2] = pts[:, 2] / scale
        # Reject a face that is not the tracked one (a neighbour inside the crop).
        fx, fy = pts[:, 0].mean(), pts[:, 1].mean()
        if abs(fx - cx) > 0.6 * (x2 - x1) or abs(fy - cy) > 0.6 * (y2 - y1):
            return None
        return pts

    def close(self) -> None:
        self._fm.close()


def landmark_box(pts: np.ndarray) -> np.ndarray:
    """(4,) xyxy box around the face outline of (478, 3) landmarks."""
    return np.array([pts[:, 0].min(), pts[:, 1].min(), pts[:, 0].max(), pts[:, 1].max()], np.float32)
