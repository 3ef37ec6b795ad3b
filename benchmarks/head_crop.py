"""A person's head as a small square picture: what the learned face-state model reads.

The crop is centred on the head box's centre (a face box, or the pose's head where the face was lost) and
spans ``SPAN`` face widths, so a profile, a turned head and the hands near the mouth stay in it; it is
area-averaged down to ``CROP_PX`` square (outside the picture is black). ``benchmarks.gaze_dataset`` cuts
the training crops with it; a face-state model trained on them must be run on crops from this same function
(none is shipped yet: ``models/face_state.md``).
"""
from __future__ import annotations

import numpy as np

CROP_PX = 64
SPAN = 1.6          # face widths across the crop
DROP = 0.05         # the centre moved down by this many face widths: the mouth nearer the middle


def head_crop(image: np.ndarray, cx: float, cy: float, width: float) -> np.ndarray:
    """(CROP_PX, CROP_PX, 3) uint8 from an RGB ``image``: the square of ``SPAN * width`` around the head."""
    import cv2

    h, w = image.shape[:2]
    side = max(int(round(SPAN * float(width))), 8)
    x0 = int(round(cx - side / 2))
    y0 = int(round(cy + DROP * width - side / 2))
    square = np.zeros((side, side, 3), np.uint8)
    ax0, ay0, ax1, ay1 = max(x0, 0), max(y0, 0), min(x0 + side, w), min(y0 + side, h)
    if ax1 > ax0 and ay1 > ay0:
        square[ay0 - y0:ay1 - y0, ax0 - x0:ax1 - x0] = image[ay0:ay1, ax0:ax1]
    interp = cv2.INTER_AREA if side >= CROP_PX else cv2.INTER_LINEAR
    return cv2.resize(square, (CROP_PX, CROP_PX), interpolation=interp)
