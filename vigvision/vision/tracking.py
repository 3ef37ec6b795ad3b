"""Keep one id per physical person for the whole video.

Online: detections are matched to live tracks by box overlap (Hungarian
assignment); between detections each track follows its own FaceMesh
landmarks. A track that loses its face waits (``max_gap_s``) to be picked up
again. Offline, after the pass: tracklets that never appear in the same frame
and look alike (face colour histogram, size, place) are merged, so someone who
leaves the room for a while comes back under the same id, and ids are given
left to right (P1 is the leftmost person).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np
from scipy.optimize import linear_sum_assignment

from .detect import Detections, box_iou


@dataclass
class Track:
    """One tracklet. ``box``: (4,) xyxy px, the latest face box."""

    tid: int
    box: np.ndarray
    last_seen_s: float
    frames: int = 0
    misses: int = 0
    hist: np.ndarray | None = None
    widths: list[float] = field(default_factory=list)
    centers: list[tuple[float, float]] = field(default_factory=list)
    score: float = 0.0  # latest detector confidence
    keypoints: np.ndarray | None = None  # (6, 2) px of the latest detection
    detected_s: float = -1.0  # when it was last matched to a detection
    anchor: tuple[float, float] | None = None  # the face's centre when last seen as a face (not by the pose)

    def seen(self, t: float, box: np.ndarray, width: float, *, face: bool = True) -> tuple[float, float]:
        """Record a sighting at ``t``: the box, the face width; returns the box centre. ``face``: seen as a
        face (False: the head found by the body pose, which leaves the anchor where the face was)."""
        self.box = box
        self.last_seen_s = t
        self.frames += 1
        cx, cy = float((box[0] + box[2]) / 2), float((box[1] + box[3]) / 2)
        if face:
            self.anchor = (cx, cy)
        self.widths.append(width)
        self.centers.append((cx, cy))
        return cx, cy

    def add_appearance(self, image: np.ndarray, box: np.ndarray) -> None:
        h = face_histogram(image, box)
        if h is not None:
            self.hist = h if self.hist is None else 0.9 * self.hist + 0.1 * h


def face_histogram(image: np.ndarray, box: np.ndarray) -> np.ndarray | None:
    """Normalised hue-saturation histogram of the face box, plus the hair band above it."""
    x1, y1, x2, y2 = box.astype(int)
    h = y2 - y1
    y0 = max(0, y1 - h // 3)  # include hair: it tells people apart better than skin
    crop = image[y0:max(y0 + 1, y2), max(0, x1):max(x1 + 1, x2)]
    if crop.size < 27:
        return None
    hsv = cv2.cvtColor(crop, cv2.COLOR_RGB2HSV)
    hist = cv2.calcHist([hsv], [0, 1], None, [16, 8], [0, 180, 0, 256]).ravel()
    total = hist.sum()
    return hist / total if total > 0 else None


class Tracker:
    """Online part: match detections to tracks, start new ones, retire lost ones."""

    def __init__(self, *, max_persons: int = 6, max_gap_s: float = 3.0, min_iou: float = 0.15):
        self.max_persons = max_persons
        self.max_gap_s = max_gap_s
        self.min_iou = min_iou
        self.tracks: dict[int, Track] = {}
        self._next = 0
        self.capped: list[float] = []   # times of frames where a face was left out: max_persons were live

    def live(self, t: float) -> list[Track]:
        return [tr for tr in self.tracks.values() if t - tr.last_seen_s <= self.max_gap_s]

    def update(self, t: float, dets: Detections, image: np.ndarray) -> list[Track]:
        """Match this frame's detections; returns the tracks to landmark in this frame."""
        live = self.live(t)
        matched: set[int] = set()
        if len(dets) and live:
            boxes = np.stack([tr.box for tr in live])
            iou = box_iou(dets.xyxy, boxes)
            # centre distance in face widths, for fast motion where boxes stop overlapping
            dc = _centre_distance(dets.xyxy, boxes)
            cost = (1 - iou) + 0.5 * np.minimum(dc, 2.0)
            rows, cols = linear_sum_assignment(cost)
            for r, c in zip(rows, cols):
                if iou[r, c] >= self.min_iou or dc[r, c] < 0.7:
                    tr = live[c]
                    tr.box = dets.xyxy[r].copy()
                    tr.score = float(dets.score[r])
                    tr.keypoints, tr.detected_s = dets.keypoints[r].copy(), t
                    tr.last_seen_s = t
                    matched.add(r)
        for r in range(len(dets)):
            if r in matched:
                continue
            # a detection overlapping a live track is a duplicate, not a new person
            if live and box_iou(dets.xyxy[r:r + 1], np.stack([tr.box for tr in live])).max() > 0.3:
                continue
            if len(self.live(t)) >= self.max_persons:
                self.capped.append(t)
                break
            tr = Track(self._next, dets.xyxy[r].copy(), t, score=float(dets.score[r]),
                       keypoints=dets.keypoints[r].copy(), detected_s=t)
            tr.add_appearance(image, tr.box)
            self.tracks[self._next] = tr
            self._next += 1
            live.append(tr)
        # every live track gets a landmark attempt: a matched one at its new box, others at their last
        return self.live(t)

    def drop_duplicates(self, t: float) -> None:
        """Two live tracks on one face (they converged): keep the older one."""
        live = sorted(self.live(t), key=lambda tr: -tr.frames)
        for i, a in enumerate(live):
            for b in live[i + 1:]:
                if b.tid in self.tracks and a.tid in self.tracks and box_iou(a.box, b.box)[0, 0] > 0.5:
                    b.last_seen_s = -1e9  # retire


def _centre_distance(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    ca = (a[:, :2] + a[:, 2:]) / 2
    cb = (b[:, :2] + b[:, 2:]) / 2
    w = np.maximum((a[:, 2] - a[:, 0])[:, None], 1.0)
    return np.linalg.norm(ca[:, None] - cb[None], axis=2) / w


def merge_tracklets(tracks: list[Track], frames_of: dict[int, np.ndarray], *,
                    min_similarity: float = 0.6) -> dict[int, int]:
    """Offline merge: tracklet id -> person index, people ordered left to right.

    Two tracklets merge when they never share a frame and their face
    histograms, sizes and places agree; greedy, most similar first.
    """
    ids = [tr.tid for tr in tracks]
    group = {i: i for i in ids}

    def root(i: int) -> int:
        while group[i] != i:
            i = group[i]
        return i

    members: dict[int, set[int]] = {i: {i} for i in ids}
    frame_sets = {i: set(frames_of[i].tolist()) for i in ids}
    info = {tr.tid: tr for tr in tracks}
    pairs = []
    for a in range(len(ids)):
        for b in range(a + 1, len(ids)):
            pairs.append((_similarity(info[ids[a]], info[ids[b]]), ids[a], ids[b]))
    for sim, i, j in sorted(pairs, reverse=True):
        if sim < min_similarity:
            break
        ri, rj = root(i), root(j)
        if ri == rj:
            continue
        fi = set().union(*(frame_sets[m] for m in members[ri]))
        fj = set().union(*(frame_sets[m] for m in members[rj]))
        if fi & fj:
            continue  # seen together: two people
        group[rj] = ri
        members[ri] |= members.pop(rj)
    roots = sorted({root(i) for i in ids},
                   key=lambda r: np.median([c[0] for m in members[r] for c in info[m].centers] or [0]))
    order = {r: k for k, r in enumerate(roots)}
    return {i: order[root(i)] for i in ids}


def _similarity(a: Track, b: Track) -> float:
    """0..1: appearance (histogram intersection), size ratio and place, combined."""
    if a.hist is None or b.hist is None or not a.widths or not b.widths:
        return 0.0
    hist = float(np.minimum(a.hist, b.hist).sum())
    wa, wb = np.median(a.widths), np.median(b.widths)
    size = min(wa, wb) / max(wa, wb)
    ca, cb = np.median(np.array(a.centers), 0), np.median(np.array(b.centers), 0)
    place = float(np.exp(-np.linalg.norm(ca - cb) / (4 * max(wa, wb))))
    return 0.5 * hist + 0.25 * size + 0.25 * place
