"""Tracklets -> identities: one id per person for the whole film.

A tracklet is one stretch over which the tracker followed a face; a person who turns away, is hidden or
leaves gives several. They are joined offline, after the decode pass:

    duplicates   two tracklets on one face at the same time (the detector found it twice: centres within
                 half a face width in the frames they share) are one
    alike        tracklets never seen at the same time join, most alike first (face and hair colour, size,
                 place in the picture), while they are alike enough (``min_similarity``)
    cast         with the cast known (how many people are filmed), joining goes on, most alike first, until
                 that many identities remain; what is seen at the same time as every other identity cannot
                 join any and stays apart (someone else in the room, or a false detection)
    usual count  without a cast, the number of people seen at once in most frames (``usual_count``) stands
                 for it, joining only tracklets at least ``ESTIMATED_FLOOR`` alike (people who take turns
                 in front of the camera and look different stay apart)

Two tracklets seen at the same time are not joined (one person is in one place), except duplicates and,
in the cast (or usual count) joins, groups seen together only for a moment (``CAST_OVERLAP``).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

DUPLICATE_FACES = 0.5   # centres nearer than this many face widths, in the frames two tracklets share: one face
# In the cast (or usual count) joins, groups seen together in at most this share of the smaller one's frames may still join
# (a stray face detected beside the person for a moment: a toy, a picture); there the nearer row is kept.
CAST_OVERLAP = 0.05
USUAL_SHARE = 0.9        # the usual count: this many of the frames anyone is seen in show at most that many
ESTIMATED_FLOOR = 0.4    # without a cast, joins past min_similarity need at least this similarity


@dataclass
class Tracklet:
    """What joining reads of one tracklet: its frames (sorted) with the face centre and width in each,
    and its face-and-hair colour histogram (None where none could be taken)."""

    tid: int
    frames: np.ndarray
    cx: np.ndarray
    cy: np.ndarray
    width: np.ndarray
    hist: np.ndarray | None
    face: np.ndarray | None = None   # per frame: seen as a face (False: followed by the body pose); None: all

    @property
    def centre(self) -> np.ndarray:
        return np.array([np.median(self.cx), np.median(self.cy)])


@dataclass(frozen=True)
class Joined:
    """``identity``: tracklet id -> identity index; ``sureness``: per identity, the similarity of the least
    alike join that made it (1.0: one tracklet, or only duplicates joined)."""

    identity: dict[int, int]
    sureness: dict[int, float]
    usual: int | None = None   # without a cast: how many people were seen at once in most frames


def similarity(a: Tracklet, b: Tracklet) -> float:
    """0..1: appearance (histogram intersection), size ratio and place, combined."""
    if a.hist is None or b.hist is None or not len(a.width) or not len(b.width):
        return 0.0
    hist = float(np.minimum(a.hist, b.hist).sum())
    wa, wb = float(np.median(a.width)), float(np.median(b.width))
    size = min(wa, wb) / max(wa, wb)
    place = float(np.exp(-np.linalg.norm(a.centre - b.centre) / (4 * max(wa, wb))))
    return 0.5 * hist + 0.25 * size + 0.25 * place


def duplicates(a: Tracklet, b: Tracklet) -> bool:
    """Whether two tracklets that share frames follow one face there (their centres nearly coincide)."""
    shared, ia, ib = np.intersect1d(a.frames, b.frames, assume_unique=True, return_indices=True)
    if not len(shared):
        return False
    d = np.hypot(a.cx[ia] - b.cx[ib], a.cy[ia] - b.cy[ib]) / np.maximum((a.width[ia] + b.width[ib]) / 2, 1.0)
    return bool(np.median(d) < DUPLICATE_FACES)


class _Groups:
    """Union-find over tracklets, each group with the frames it is seen in and its least alike join."""

    def __init__(self, tracklets: list[Tracklet]):
        self.parent = {t.tid: t.tid for t in tracklets}
        self.frames = {t.tid: set(t.frames.tolist()) for t in tracklets}
        self.face_frames = {t.tid: set((t.frames if t.face is None else t.frames[t.face]).tolist())
                            for t in tracklets}
        self.sure = {t.tid: 1.0 for t in tracklets}

    def root(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def __len__(self) -> int:
        return len(self.frames)

    def join(self, i: int, j: int, sim: float, *, together: float = 0.0) -> bool:
        """Join the groups of i and j unless they are seen at the same time in more than ``together`` of the
        smaller group's frames (1.0: whatever their overlap)."""
        ri, rj = self.root(i), self.root(j)
        if ri == rj:
            return False
        shared = len(self.frames[ri] & self.frames[rj])
        if shared > together * min(len(self.frames[ri]), len(self.frames[rj])):
            return False
        self.parent[rj] = ri
        self.frames[ri] |= self.frames.pop(rj)
        self.face_frames[ri] |= self.face_frames.pop(rj)
        self.sure[ri] = min(self.sure[ri], self.sure.pop(rj), sim)
        return True


def join(tracklets: list[Tracklet], *, cast: int | None = None, min_similarity: float = 0.6) -> Joined:
    """Tracklets joined into identities (see module doc); ``cast``: how many people are filmed, if known."""
    groups = _Groups(tracklets)
    pairs = []
    for a in range(len(tracklets)):
        for b in range(a + 1, len(tracklets)):
            ta, tb = tracklets[a], tracklets[b]
            if duplicates(ta, tb):
                groups.join(ta.tid, tb.tid, 1.0, together=1.0)
            pairs.append((similarity(ta, tb), ta.tid, tb.tid))
    pairs.sort(reverse=True)
    for sim, i, j in pairs:
        if sim < min_similarity:
            break
        groups.join(i, j, sim)
    usual = None if cast else usual_count(groups)
    floor = 0.0 if cast else ESTIMATED_FLOOR
    for sim, i, j in pairs:
        if len(groups) <= (cast or usual) or sim < floor:
            break
        groups.join(i, j, sim, together=CAST_OVERLAP)
    roots = sorted({groups.root(t.tid) for t in tracklets})
    index = {r: k for k, r in enumerate(roots)}
    return Joined({t.tid: index[groups.root(t.tid)] for t in tracklets}, {index[r]: groups.sure[r] for r in roots},
                  usual)


def usual_count(groups: _Groups) -> int:
    """How many identities are seen at once, as faces, in ``USUAL_SHARE`` of the frames any face is seen in
    (a toy's face or a passer-by seen for a moment does not count, nor the body pose following a lost face)."""
    counts: dict[int, int] = {}
    for frames in groups.face_frames.values():
        for f in frames:
            counts[f] = counts.get(f, 0) + 1
    if not counts:
        return 0
    return max(1, int(np.ceil(np.quantile(np.fromiter(counts.values(), float), USUAL_SHARE, method="inverted_cdf"))))
