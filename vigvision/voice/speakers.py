"""Who is vocalising: voices found from pitch and timbre, matched to persons by their mouths.

    vocal frames (10 ms) --0.3 s windows--> [median pitch, mean timbre] per window
        --k-means (k = visible persons, at least 2), look-alike clusters merged--> voices
        --a Gaussian per voice on frame features, Viterbi with a switch cost--> one voice per frame
        --each visible person's mouth movement against each voice's activity--> voice -> person or None

Pitch is in octaves scaled so that a 0.15 octave (~11%) difference weighs one unit;
timbre (MFCC 1-12) is scaled by its spread in this recording.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..config import VoiceConfig
from ..sequence import runs, viterbi
from ..time import Intervals
from .features import HOP_S, VoiceFeatures


_WINDOW_S = 0.3             # voices are clustered on windows this long
_PITCH_SCALE_OCT = 0.15     # a pitch difference of this many octaves weighs one unit
_MIN_VOICE_SHARE = 0.04     # a cluster with fewer of the windows is folded into the nearest
_MIN_SEGMENT_S = 0.12
_VOICED = 0.3               # a frame's pitch counts where its aperiodicity is below this


@dataclass(frozen=True)
class VoiceSegment:
    start: float
    end: float
    voice: int


@dataclass
class Voices:
    segments: list[VoiceSegment]
    f0_median_hz: list[float]   # per voice (NaN when it had no voiced frame)

    @property
    def count(self) -> int:
        return len(self.f0_median_hz)

    def activity(self, voice: int, times: np.ndarray) -> np.ndarray:
        return Intervals([(s.start, s.end) for s in self.segments if s.voice == voice]).to_mask(times)


def _scaled(features: VoiceFeatures, vocal: np.ndarray) -> np.ndarray:
    """Frame features in comparable units: [pitch (NaN if unvoiced), timbre x 12]."""
    pitch = np.log2(features.f0_hz.astype(np.float64)) / _PITCH_SCALE_OCT
    pitch[features.aperiodicity >= _VOICED] = np.nan
    m = features.mfcc.astype(np.float64)
    enough = vocal.sum() > 10
    centre = m[vocal].mean(axis=0) if enough else np.zeros(m.shape[1])
    spread = m[vocal].std(axis=0) if enough else np.ones(m.shape[1])
    return np.column_stack([pitch, (m - centre) / (spread + 1e-6)])


def _windows(x: np.ndarray, vocal: np.ndarray, width: int) -> tuple[np.ndarray, np.ndarray]:
    """Descriptors of windows of ``width`` vocal frames (hop width/3) and their frame ranges."""
    desc, spans = [], []
    hop = max(1, width // 3)
    for r0, r1, lab in runs(vocal.astype(np.int8)):
        if not lab or r1 - r0 < width // 2:
            continue
        for a in range(r0, max(r0 + 1, r1 - width + 1), hop):
            b = min(r1, a + width)
            w = x[a:b]
            voiced = np.isfinite(w[:, 0])
            if voiced.sum() < max(3, (b - a) // 5):
                continue
            desc.append(np.concatenate([[np.median(w[voiced, 0])], w[:, 1:].mean(axis=0)]))
            spans.append((a, b))
    return np.array(desc).reshape(-1, x.shape[1]), np.array(spans, dtype=int).reshape(-1, 2)


def _kmeans(x: np.ndarray, k: int, seed: int = 0, restarts: int = 5, iters: int = 50) -> np.ndarray:
    rng = np.random.default_rng(seed)
    best, best_inertia = None, np.inf
    for _ in range(restarts):
        centres = [x[rng.integers(len(x))]]
        for _ in range(1, k):  # k-means++ seeding
            d = np.min(((x[:, None] - np.array(centres)[None]) ** 2).sum(-1), axis=1)
            centres.append(x[rng.choice(len(x), p=d / d.sum())] if d.sum() > 0 else x[rng.integers(len(x))])
        c = np.array(centres)
        for _ in range(iters):
            lab = np.argmin(((x[:, None] - c[None]) ** 2).sum(-1), axis=1)
            new = np.array([x[lab == j].mean(axis=0) if (lab == j).any() else c[j] for j in range(k)])
            if np.allclose(new, c):
                break
            c = new
        inertia = ((x - c[lab]) ** 2).sum()
        if inertia < best_inertia:
            best, best_inertia = lab, inertia
    return best


def _merge(x: np.ndarray, lab: np.ndarray, merge_distance: float) -> np.ndarray:
    """Fold clusters that are too small or too close to another into it; relabel 0..k-1 by pitch."""
    while True:
        ids = np.unique(lab)
        if len(ids) == 1:
            break
        cent = np.array([x[lab == j].mean(axis=0) for j in ids])
        share = np.array([(lab == j).mean() for j in ids])
        d = np.linalg.norm(cent[:, None] - cent[None], axis=-1)
        np.fill_diagonal(d, np.inf)
        small = int(np.argmin(share))
        if share[small] < _MIN_VOICE_SHARE:
            lab[lab == ids[small]] = ids[int(np.argmin(d[small]))]
            continue
        i, j = np.unravel_index(np.argmin(d), d.shape)
        if d[i, j] >= merge_distance:
            break
        lab[lab == ids[j]] = ids[i]
    ids = np.unique(lab)
    order = sorted(ids, key=lambda j: x[lab == j, 0].mean())   # voice 0 = lowest pitch
    remap = {j: k for k, j in enumerate(order)}
    return np.array([remap[j] for j in lab])


def _frame_loglik(x: np.ndarray, members: list[np.ndarray]) -> np.ndarray:
    """(frames, voices) log-likelihood under a diagonal Gaussian per voice; pitch only where voiced."""
    out = np.zeros((len(x), len(members)))
    for v, rows in enumerate(members):
        mu = np.nanmean(rows, axis=0)
        var = np.maximum(np.nanvar(rows, axis=0), 0.05)
        z = -0.5 * ((x - mu) ** 2 / var + np.log(2 * np.pi * var))
        out[:, v] = np.nansum(z, axis=1) - np.where(np.isfinite(x[:, 0]), 0.0, 0.5 * np.log(2 * np.pi * var[0]) + 0.5)
    return out


def find_voices(features: VoiceFeatures, vocal: np.ndarray, n_persons: int, s: VoiceConfig) -> Voices:
    """Split the vocal frames into voices (see module doc).

    Each frame gets one voice: where two people vocalise at once, the frame goes to
    the one that dominates it (overlaps are not separated yet).
    """
    x = _scaled(features, vocal)
    voiced = (features.aperiodicity < _VOICED) & np.isfinite(features.f0_hz)
    desc, spans = _windows(x, vocal, int(round(_WINDOW_S / HOP_S)))
    if len(desc) == 0:  # too little voiced sound to tell voices apart: one voice
        one = vocal & voiced
        return Voices(_segments(np.where(vocal, 0, -1)),
                      [float(np.median(features.f0_hz[one])) if one.any() else float("nan")])
    k = int(np.clip(max(2, n_persons), 1, s.max_voices))
    k = min(k, len(desc))
    lab = _merge(desc, _kmeans(desc, k) if k > 1 else np.zeros(len(desc), int), s.merge_distance)
    n_voices = int(lab.max()) + 1
    members = [np.concatenate([x[a:b] for (a, b), l_ in zip(spans, lab) if l_ == v]) for v in range(n_voices)]
    if n_voices == 1:
        labels_frame = np.where(vocal, 0, -1)
    else:
        cost = -_frame_loglik(x, members)
        labels_frame = viterbi(cost, vocal, s.voice_switch_cost)
    segments = _segments(labels_frame)
    f0 = [float(np.median(features.f0_hz[(labels_frame == v) & voiced])) if ((labels_frame == v) & voiced).any()
          else float("nan") for v in range(n_voices)]
    return Voices(segments, f0)


def _segments(labels: np.ndarray) -> list[VoiceSegment]:
    out = []
    for a, b, v in runs(labels):
        if v >= 0 and (b - a) * HOP_S >= _MIN_SEGMENT_S:
            out.append(VoiceSegment(round(a * HOP_S, 3), round(b * HOP_S, 3), int(v)))
    return out


# -- voices -> persons ---------------------------------------------------------

def mouth_scores(voices: Voices, mouth: dict[str, tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
    """(voices, persons) score: how much more a person's mouth moves while the voice is heard
    than while other voices are (difference of means, in units of that person's spread).

    ``mouth``: per person, (frame times, mouth opening) where the face was seen.
    """
    persons = list(mouth)
    out = np.zeros((voices.count, len(persons)))
    for j, pid in enumerate(persons):
        t, m = mouth[pid]
        if len(t) < 5:
            continue
        # movement: change of the opening from one analysed frame to the next, smoothed over ~0.3 s
        move = np.abs(np.diff(m, prepend=m[0]))
        move = np.convolve(move, np.ones(3) / 3, mode="same")
        spread = move.std() + 1e-6
        active = [voices.activity(v, t) for v in range(voices.count)]
        anyone = np.any(active, axis=0) if active else np.zeros(len(t), bool)
        for v in range(voices.count):
            own, other = active[v], anyone & ~active[v]
            if own.sum() < 3:
                continue
            base = move[other].mean() if other.sum() >= 3 else move[~anyone].mean() if (~anyone).sum() >= 3 else 0
            out[v, j] = (move[own].mean() - base) / spread
    return out


def assign(scores: np.ndarray, persons: list[str], min_score: float) -> list[str | None]:
    """Voice -> person by the best one-to-one matching of scores; None where no person's
    mouth moves with the voice (someone off-screen, or a face not seen)."""
    from scipy.optimize import linear_sum_assignment

    out: list[str | None] = [None] * scores.shape[0]
    if not persons or not scores.size:
        return out
    rows, cols = linear_sum_assignment(-scores)
    for r, c in zip(rows, cols):
        if scores[r, c] >= min_score:
            out[r] = persons[c]
    return out
