"""Scenes with real faces at known places, sizes and angles, for vision tests.

The faces are two portraits that ship inside installed wheels (scikit-image's
astronaut, matplotlib's grace_hopper.jpg). A :class:`Placement` says where a
face goes, how wide its face box is, how much it is turned in the image plane
and whether it is mirrored; :func:`scene` renders a frame and returns each
face's true box.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass

import cv2
import numpy as np

# Head crop (y0, y1, x0, x1) in each portrait and the face box (x0, y0, x1, y1) inside the portrait.
HEADS = {
    "astronaut": {"crop": (0, 280, 90, 360), "face": (165, 65, 285, 195)},
    "grace_hopper": {"crop": (20, 420, 100, 420), "face": (160, 125, 360, 345)},
}


@functools.lru_cache(maxsize=None)
def portrait(name: str) -> np.ndarray:
    """(h, w, 3) uint8 RGB portrait from an installed wheel."""
    if name == "astronaut":
        from skimage import data

        return data.astronaut()
    if name == "grace_hopper":
        import matplotlib.cbook as cbook

        with cbook.get_sample_data("grace_hopper.jpg") as f:
            bgr = cv2.imdecode(np.frombuffer(f.read(), np.uint8), cv2.IMREAD_COLOR)
        return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
    raise ValueError(f"unknown portrait {name!r} (astronaut or grace_hopper)")


@dataclass(frozen=True)
class Placement:
    """A face in a scene: its face box centre (px), face box width (px), in-plane
    rotation (degrees, + = counter-clockwise as drawn) and mirroring."""

    face: str
    center: tuple[float, float]
    width: float
    roll_deg: float = 0.0
    mirror: bool = False


def scene(width: int, height: int, placements: list[Placement], *, background: int = 150) -> tuple[np.ndarray, list[np.ndarray]]:
    """Render the faces onto a plain background; returns the frame and each true face box (xyxy)."""
    frame = np.full((height, width, 3), background, np.uint8)
    frame[..., 2] = np.uint8(min(255, background + 30))
    boxes = []
    for p in placements:
        head = HEADS[p.face]
        y0, y1, x0, x1 = head["crop"]
        crop = portrait(p.face)[y0:y1, x0:x1]
        fx0, fy0, fx1, fy1 = head["face"]
        fcx, fcy = (fx0 + fx1) / 2 - x0, (fy0 + fy1) / 2 - y0  # face centre in the crop
        if p.mirror:
            crop = crop[:, ::-1]
            fcx = crop.shape[1] - fcx
        scale = p.width / (fx1 - fx0)
        # crop -> frame: scale about the face centre, rotate, move to the target centre
        m = cv2.getRotationMatrix2D((fcx, fcy), p.roll_deg, scale)
        m[:, 2] += np.array(p.center) - np.array([fcx, fcy])
        mask = cv2.warpAffine(np.full(crop.shape[:2], 255, np.uint8), m, (width, height))
        warped = cv2.warpAffine(np.ascontiguousarray(crop), m, (width, height))
        frame[mask > 127] = warped[mask > 127]
        w, h = p.width, (fy1 - fy0) * scale
        boxes.append(np.array([p.center[0] - w / 2, p.center[1] - h / 2, p.center[0] + w / 2, p.center[1] + h / 2]))
    return frame, boxes


def face_video(path, *, duration_s: float, fps: float, width: int, height: int, timeline) -> list:
    """Write a video whose frame at time t shows ``timeline(t)`` (a list of Placements).

    Returns, per frame, the true boxes as a list of (face name, xyxy).
    """
    from ..io.encode import VideoWriter

    truth = []
    with VideoWriter(path, width, height, fps=fps, audio_rate=None, gop=int(fps)) as w:
        for i in range(int(round(duration_s * fps))):
            t = i / fps
            placements = timeline(t)
            frame, boxes = scene(width, height, placements)
            w.write_frame(frame, t)
            truth.append([(p.face, b) for p, b in zip(placements, boxes)])
    return truth
