"""Who is vocalising: voices found from speaker embeddings, pitch and timbre, matched to persons
by their mouths.

    vocal frames (10 ms) --0.3 s windows--> [median pitch, mean timbre] per window
        --k-means (k = visible persons, at least 2), look-alike clusters merged--> how many voices
        --start: spectral clustering of the 1 s speaker embeddings where they separate clearly,
          else those k-means clusters
        --a Gaussian per voice on frame features (pitch, timbre, embedding axes), Viterbi with a
          switch cost, re-fitted until stable--> one voice per frame
        --frames two pitch periods explain (overlap.py)--> the second voice's overlapping segments
        --each visible person's mouth movement with each voice, against silence--> mouth scores
          (who each voice belongs to: :mod:`attribution`)

Pitch is in octaves scaled so that a 0.15 octave (~11%) difference weighs one unit;
timbre (MFCC 1-12) and the embedding axes are scaled by their spread in this recording.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.linalg import eigh

from ..config import VoiceConfig
from ..sequence import runs, viterbi
from ..time import Intervals
from .embedding import STEP, WINDOW, frame_embeddings
from .features import HOP_S, VoiceFeatures
from .overlap import second_voice, two_voice_frames


_WINDOW_S = 0.3             # voices are clustered on windows this long
_PITCH_SCALE_OCT = 0.15     # a pitch difference of this many octaves weighs one unit
_MIN_VOICE_SHARE = 0.04     # a cluster with fewer of the windows is folded into the nearest
_MIN_SEGMENT_S = 0.12
_PITCH_TIMBRE = 13          # columns of the scaled features: pitch, then MFCC 1-12 (then embedding axes)
_REFINE_ROUNDS = 5          # re-estimations of the voices from the frames given to them
_EMBED_AXES = 4             # speaker-embedding directions kept
_EMBED_WEIGHT = 1.0         # their weight against pitch and timbre (per axis, in spreads)
# overlap (overlap.py): a frame's second pitch must lie in the other voice's 10-90 % pitch range
# (+-10 %), and be found in at least 15 % of the frames of the 0.3 s around it
_OVERLAP_RANGE_MARGIN = 1.1
_OVERLAP_WINDOW_S = 0.3
_OVERLAP_DENSITY = 0.15
_OVERLAP_MIN_S = 0.15
_SPECTRAL_MAX = 600           # embedding windows clustered at most (the rest join the nearest cluster)
_EMBED_MIN_SEPARATION = 0.07  # cosine margin at which embedding clusters are trusted (see _by_embedding)


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


def _standardised(m: np.ndarray, vocal: np.ndarray) -> np.ndarray:
    """Columns centred and scaled by their spread over the vocal frames."""
    enough = vocal.sum() > 10
    centre = m[vocal].mean(axis=0) if enough else np.zeros(m.shape[1])
    spread = m[vocal].std(axis=0) if enough else np.ones(m.shape[1])
    return (m - centre) / (spread + 1e-6)


def _speaker_axes(emb: np.ndarray, vocal: np.ndarray) -> np.ndarray:
    """Frame embeddings projected on their main axes of variation over the vocal frames (the
    directions in which the voices in this recording differ), standardised, times the weight.
    The axes come from every 10th such frame: neighbours share their windows, and the full
    decomposition of a long video's frames would cost seconds."""
    have = vocal & (np.abs(emb).sum(axis=1) > 0)
    if have.sum() <= 10 * _EMBED_AXES:
        return np.zeros((len(emb), 0))
    sample = emb[have][::10].astype(np.float64)
    centre = sample.mean(axis=0)
    _, _, vt = np.linalg.svd(sample - centre, full_matrices=False)
    return _EMBED_WEIGHT * _standardised((emb - centre) @ vt[:_EMBED_AXES].T, have)


def _scaled(features: VoiceFeatures, vocal: np.ndarray, voiced: np.ndarray,
            emb: np.ndarray | None = None) -> np.ndarray:
    """Frame features in comparable units: [pitch (NaN where not ``voiced``), timbre x 12, speaker axes]."""
    pitch = np.log2(features.f0_hz.astype(np.float64)) / _PITCH_SCALE_OCT
    pitch[~voiced] = np.nan
    cols = [pitch[:, None], _standardised(features.mfcc.astype(np.float64), vocal)]
    if emb is not None:
        cols.append(_speaker_axes(emb, vocal))
    return np.column_stack(cols)


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


def _spectral(emb: np.ndarray, k: int) -> tuple[np.ndarray, float]:
    """Spectral clustering of unit embeddings by cosine affinity, each window keeping its
    nearest 30 % of neighbours (the usual pruning for speaker embeddings); returns the labels
    and the separation (mean cosine within clusters less mean cosine between them)."""
    sim = emb @ emb.T
    a = np.clip(sim, 0.0, None)
    keep = max(2, int(0.3 * len(a)))
    a = np.where(a >= np.sort(a, axis=1)[:, -keep][:, None], a, 0.0)
    a = (a + a.T) / 2
    d = 1.0 / np.sqrt(a.sum(axis=1) + 1e-9)
    # only the k smallest eigenvectors of the normalised Laplacian (all of them cost 50x more)
    _, vec = eigh(np.eye(len(a)) - a * d[:, None] * d[None, :], subset_by_index=[0, k - 1])
    v = vec / (np.linalg.norm(vec, axis=1, keepdims=True) + 1e-9)
    lab = _kmeans(v, k)
    same = lab[:, None] == lab[None, :]
    if same.all():
        return lab, 0.0
    return lab, float(sim[same].mean() - sim[~same].mean())


def _fit(x: np.ndarray, vocal: np.ndarray, members: list[np.ndarray], switch: float) -> np.ndarray:
    """One voice per vocal frame by Viterbi, each voice re-fitted on the frames it was given until
    nothing changes (Viterbi training)."""
    n_voices = len(members)
    labels = viterbi(-_frame_loglik(x, members), vocal, switch)
    for _ in range(_REFINE_ROUNDS):
        members = [x[labels == v] for v in range(n_voices)]
        if min(len(m) for m in members) < 10:
            break
        new = viterbi(-_frame_loglik(x, members), vocal, switch)
        if np.array_equal(new, labels):
            break
        labels = new
    return labels


def _by_embedding(x: np.ndarray, vocal: np.ndarray, starts: np.ndarray, emb: np.ndarray,
                  k: int) -> list[np.ndarray] | None:
    """Voice members from spectral clustering of the 1 s embedding windows that are mostly vocal
    (each window lends the frames of its middle quarter-second); None unless the clusters are
    clearly apart (as real voices are; the encoder hears synthetic voices of one speech
    synthesiser, or non-speech sounds, as much alike)."""
    cover = np.concatenate([[0], np.cumsum(vocal)])
    ends = np.minimum(starts + WINDOW, len(vocal))
    mostly = (cover[ends] - cover[np.minimum(starts, len(vocal))]) >= WINDOW / 2
    if mostly.sum() < 4 * k:
        return None
    e = emb[mostly].astype(np.float64)
    e /= np.linalg.norm(e, axis=1, keepdims=True)
    # the affinity matrix grows with the square of the windows: cluster an even subset, give the rest
    # the nearest centre (a long video has thousands of windows, and a voice keeps hundreds in the subset)
    every = int(np.ceil(len(e) / _SPECTRAL_MAX))
    lab, separation = _spectral(e[::every], k)
    if separation < _EMBED_MIN_SEPARATION:
        return None
    if every > 1:
        centres = np.stack([e[::every][lab == v].mean(axis=0) for v in range(k)])
        lab = np.argmax(e @ centres.T, axis=1)
    mid = starts[mostly] + (WINDOW - STEP) // 2
    members = []
    for v in range(k):
        idx = np.concatenate([np.arange(m, m + STEP) for m in mid[lab == v]]) if (lab == v).any() else []
        idx = np.asarray(idx, int)
        idx = idx[vocal[idx]]
        if len(idx) < 10:
            return None
        members.append(x[idx])
    return members


def find_voices(features: VoiceFeatures, vocal: np.ndarray, n_persons: int, s: VoiceConfig,
                embed_starts: np.ndarray | None = None, embeddings: np.ndarray | None = None) -> Voices:
    """Split the vocal frames into voices (see module doc).

    The voices start from spectral clustering of speaker embeddings where those form clearly
    separate clusters (it tells apart voices of similar pitch), else from k-means on pitch and
    timbre (which tells apart voices of different pitch, and non-speech sounds such as an
    infant's that the encoder was not trained on); then each is fitted to its frames.
    Each frame gets one voice, the one that dominates it; where two voices of different pitch
    sound at once, the other gets an overlapping segment too (``s.split_overlaps``).
    """
    have_emb = embeddings is not None and len(embeddings) > 0
    frame_emb = frame_embeddings(embed_starts, embeddings, len(features)) if have_emb else None
    # a frame's pitch counts where it is as periodic as voice detection asks ([voice] voiced_aperiodicity)
    voiced = (features.aperiodicity < s.voiced_aperiodicity) & np.isfinite(features.f0_hz)
    x = _scaled(features, vocal, voiced, frame_emb)
    desc, spans = _windows(x[:, :_PITCH_TIMBRE], vocal, int(round(_WINDOW_S / HOP_S)))
    if len(desc) == 0:  # too little voiced sound to tell voices apart: one voice
        one = vocal & voiced
        return Voices(_segments(np.where(vocal, 0, -1)),
                      [float(np.median(features.f0_hz[one])) if one.any() else float("nan")])
    k = int(np.clip(max(2, n_persons), 1, s.max_voices))
    k = min(k, len(desc))
    lab = _merge(desc, _kmeans(desc, k) if k > 1 else np.zeros(len(desc), int), s.merge_distance)
    n_voices = int(lab.max()) + 1
    if n_voices == 1:
        labels_frame = np.where(vocal, 0, -1)
    else:
        members = _by_embedding(x, vocal, embed_starts, embeddings, n_voices) if have_emb else None
        if members is None:
            members = [np.concatenate([x[a:b] for (a, b), l_ in zip(spans, lab) if l_ == v])
                       for v in range(n_voices)]
        labels_frame = _by_pitch(_fit(x, vocal, members, s.voice_switch_cost), x, n_voices)
    segments = _segments(labels_frame)
    if n_voices > 1 and s.split_overlaps:
        segments = sorted(segments + _overlapped(features, labels_frame, voiced, n_voices),
                          key=lambda g: (g.start, g.voice))
    f0 = [float(np.median(features.f0_hz[(labels_frame == v) & voiced])) if ((labels_frame == v) & voiced).any()
          else float("nan") for v in range(n_voices)]
    return Voices(segments, f0)


def _overlapped(features: VoiceFeatures, labels: np.ndarray, voiced: np.ndarray, n_voices: int
                ) -> list[VoiceSegment]:
    """Segments of a voice heard under another's frames (overlap.py): runs of such frames, gaps
    under 0.1 s bridged, at least 0.15 s long (a stray frame is no overlap)."""
    ranges = []
    for v in range(n_voices):
        f = features.f0_hz[(labels == v) & voiced]
        lo, hi = np.percentile(f, [10, 90]) if len(f) >= 10 else (np.inf, -np.inf)
        ranges.append((lo / _OVERLAP_RANGE_MARGIN, hi * _OVERLAP_RANGE_MARGIN))
    flagged = two_voice_frames(features.one_period, features.two_periods)
    under = second_voice(labels, features.pair_hz, flagged, ranges)
    out = []
    width = int(round(_OVERLAP_WINDOW_S / HOP_S))
    for v in range(n_voices):
        # words overlap with consonants and gaps in them: a voice is under another where its
        # pitch is found in enough of the frames around (single frames are found by chance)
        density = np.convolve((under == v).astype(float), np.ones(width) / width, mode="same")
        iv = Intervals.from_mask((density >= _OVERLAP_DENSITY) & (labels >= 0) & (labels != v), step=HOP_S)
        iv = iv.support(0.1).remove_short(_OVERLAP_MIN_S)
        out += [VoiceSegment(round(g.start, 3), round(g.end, 3), v) for g in iv]
    return out


def _by_pitch(labels: np.ndarray, x: np.ndarray, n_voices: int) -> np.ndarray:
    """Relabel so that voice 0 has the lowest mean pitch (as _merge numbers them)."""
    pitch = [np.nanmean(x[labels == v, 0]) if np.isfinite(x[labels == v, 0]).any() else np.inf
             for v in range(n_voices)]
    remap = np.empty(n_voices, np.int64)
    remap[np.argsort(pitch)] = np.arange(n_voices)
    return np.where(labels >= 0, remap[np.maximum(labels, 0)], -1)


def _segments(labels: np.ndarray) -> list[VoiceSegment]:
    out = []
    for a, b, v in runs(labels):
        if v >= 0 and (b - a) * HOP_S >= _MIN_SEGMENT_S:
            out.append(VoiceSegment(round(a * HOP_S, 3), round(b * HOP_S, 3), int(v)))
    return out


# -- voices -> persons ---------------------------------------------------------

def mouth_scores(voices: Voices, mouth: dict[str, tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
    """(voices, persons) score: how much more a person's mouth moves while the voice is heard
    than while nobody vocalises (difference of means, in units of that person's spread).

    The baseline is silence, not the other voices: one person's voice is often found as two
    (a parent's ordinary and infant-directed speech lie an octave apart), and against the
    other half of their own voice their mouth would score nothing.
    ``mouth``: per person, (frame times, mouth opening) where the face was seen. NaN where the
    person's mouth was not seen while the voice was heard (no evidence either way).
    """
    persons = list(mouth)
    out = np.full((voices.count, len(persons)), np.nan)
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
            own = active[v]
            if own.sum() < 3:
                continue
            if (~anyone).sum() >= 3:
                base = move[~anyone].mean()
            else:  # vocal all the time this face was seen: against the other voices
                other = anyone & ~own
                base = move[other].mean() if other.sum() >= 3 else move.mean()
            out[v, j] = (move[own].mean() - base) / spread
    return out
