"""Face detection: who is in a frame, as boxes with scores and six keypoints.

Uses mediapipe 0.10.21's full-range face detector (bundled in the wheel, no
download), which finds faces down to ~40 px wide in a 720p frame; the FaceMesh
graph's own short-range detector misses faces under ~75 px.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import InputError
from ._quiet import quiet_stderr


@dataclass(frozen=True)
class Detections:
    """Faces found in one frame, as parallel arrays.

    xyxy: (n, 4) float32, px, box corners in the upright frame.
    score: (n,) float32, 0..1.
    keypoints: (n, 6, 2) float32, px: right eye, left eye, nose tip, mouth, right ear, left ear
        (the person's own right/left).
    """

    xyxy: np.ndarray
    score: np.ndarray
    keypoints: np.ndarray

    def __post_init__(self) -> None:
        n = len(self.xyxy)
        if self.xyxy.shape != (n, 4):
            raise InputError(f"xyxy must have shape (n, 4), got {self.xyxy.shape}")
        if self.score.shape != (n,):
            raise InputError(f"score must have shape ({n},), got {self.score.shape}")
        if self.keypoints.shape != (n, 6, 2):
            raise InputError(f"keypoints must have shape ({n}, 6, 2), got {self.keypoints.shape}")

    def __len__(self) -> int:
        return len(self.xyxy)

    def __getitem__(self, index) -> "Detections":
        return Detections(self.xyxy[index].reshape(-1, 4), np.atleast_1d(self.score[index]),
                          self.keypoints[index].reshape(-1, 6, 2))

    @classmethod
    def empty(cls) -> "Detections":
        return cls(np.zeros((0, 4), np.float32), np.zeros(0, np.float32), np.zeros((0, 6, 2), np.float32))

    @property
    def widths(self) -> np.ndarray:
        return self.xyxy[:, 2] - self.xyxy[:, 0]

    @classmethod
    def from_mediapipe(cls, detections, width: int, height: int) -> "Detections":
        """From ``mp.solutions.face_detection`` results (relative coordinates)."""
        if not detections:
            return cls.empty()
        boxes, scores, kps = [], [], []
        for d in detections:
            b = d.location_data.relative_bounding_box
            boxes.append((b.xmin * width, b.ymin * height, (b.xmin + b.width) * width, (b.ymin + b.height) * height))
            scores.append(d.score[0] if d.score else 0.0)
            pts = [(k.x * width, k.y * height) for k in d.location_data.relative_keypoints][:6]
            pts += [(np.nan, np.nan)] * (6 - len(pts))
            kps.append(pts)
        return cls(np.asarray(boxes, np.float32), np.asarray(scores, np.float32), np.asarray(kps, np.float32))


def _starts(total: int, size: int) -> list[int]:
    """Tile origins covering ``total`` px with tiles of ``size`` overlapping by half."""
    if total <= size:
        return [0]
    starts = list(range(0, total - size, size // 2))
    return starts + [total - size]


def concat(parts: list[Detections]) -> Detections:
    parts = [p for p in parts if len(p)]
    if not parts:
        return Detections.empty()
    return Detections(np.concatenate([p.xyxy for p in parts]), np.concatenate([p.score for p in parts]),
                      np.concatenate([p.keypoints for p in parts]))


def nms(d: Detections, iou: float = 0.4) -> Detections:
    """Keep the best-scoring of boxes that overlap by more than ``iou`` (or nest)."""
    if len(d) < 2:
        return d
    order = np.argsort(-d.score)
    keep: list[int] = []
    ious = box_iou(d.xyxy, d.xyxy)
    inter_small = _containment(d.xyxy)
    for i in order:
        if all(ious[i, j] <= iou and inter_small[i, j] < 0.7 for j in keep):
            keep.append(i)
    return d[np.array(sorted(keep))]


def _overlaps(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(n, m) intersection areas of boxes ``a`` (n, 4) and ``b`` (m, 4), and each set's areas."""
    a = np.asarray(a, np.float64).reshape(-1, 4)
    b = np.asarray(b, np.float64).reshape(-1, 4)
    w = np.minimum(a[:, None, 2], b[None, :, 2]) - np.maximum(a[:, None, 0], b[None, :, 0])
    h = np.minimum(a[:, None, 3], b[None, :, 3]) - np.maximum(a[:, None, 1], b[None, :, 1])
    inter = np.clip(w, 0, None) * np.clip(h, 0, None)
    return inter, (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1]), (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])


def _containment(xyxy: np.ndarray) -> np.ndarray:
    """(n, n): share of the smaller box covered by the other (a tile cut a face in part)."""
    inter, area, _ = _overlaps(xyxy, xyxy)
    return inter / np.maximum(np.minimum(area[:, None], area[None, :]), 1e-9)


def box_iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """IoU of every box in ``a`` (n, 4) with every box in ``b`` (m, 4): (n, m)."""
    inter, area_a, area_b = _overlaps(a, b)
    union = area_a[:, None] + area_b[None, :] - inter
    return np.where(union > 0, inter / np.maximum(union, 1e-9), 0.0)


class FaceDetector:
    """Full-range face detection on whole frames.

    >>> detector = FaceDetector()                    # doctest: +SKIP
    >>> dets = detector(frame.image)                 # doctest: +SKIP
    >>> dets.xyxy.shape
    (2, 4)
    """

    def __init__(self, *, min_score: float = 0.5):
        with quiet_stderr():
            import mediapipe as mp

            self._fd = mp.solutions.face_detection.FaceDetection(model_selection=1,
                                                                 min_detection_confidence=min_score)
            self._fd.process(np.zeros((64, 64, 3), np.uint8))  # first call prints the delegate notices

    def __call__(self, image: np.ndarray) -> Detections:
        h, w = image.shape[:2]
        result = self._fd.process(image)
        return Detections.from_mediapipe(result.detections, w, h)

    def tiled(self, image: np.ndarray, *, tile: int = 640) -> Detections:
        """Whole frame plus overlapping tiles of ``tile`` px, merged by non-maximum suppression.

        The detector sees its input at 192 px, so it misses faces narrower than
        ~6% of the input's width: 40 px in a 640 px image, but 80 px in 1280.
        Tiles half-overlap, so every face up to half a tile wide lies whole in one.
        """
        h, w = image.shape[:2]
        found = [self(image)]
        if max(w, h) > tile:
            th = min(h, tile * 3 // 4)
            for y in _starts(h, th):
                for x in _starts(w, tile):
                    d = self(np.ascontiguousarray(image[y:y + th, x:x + tile]))
                    if len(d):
                        shift = np.array([x, y], np.float32)
                        found.append(Detections(d.xyxy + np.tile(shift, 2), d.score, d.keypoints + shift))
        return nms(concat(found))

    def close(self) -> None:
        self._fd.close()
