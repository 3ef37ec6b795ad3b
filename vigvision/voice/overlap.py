"""Two voices at once: joint cancellation of two periods (de Cheveigne 1993).

A voice with period ``a`` is cancelled by the comb filter ``x[t] - x[t - a]``; two voices
with periods ``a`` and ``b`` by the cascade of two such filters. From a frame's normalised
autocorrelation rho, the energy left (as a share of the frame's) is

    one period    (2 - 2 rho(a)) / 2
    two periods   (4 - 4 rho(a) - 4 rho(b) + 2 rho(a + b) + 2 rho(|a - b|)) / 4

A frame holds two voices where no single period explains it but two do. The cached voice
pass stores, per 10 ms frame, the best one-period residual, the best two-period residual
(the first period among the three best single ones, the second anywhere in the voice range
but not at a multiple or fraction of the first), and the second period's pitch; which voice
pitch belongs to is decided later, against the voices found (``second_voice``).
"""
from __future__ import annotations

import numpy as np
import scipy.fft

WINDOW_S = 0.06              # longer than YIN's: lags up to two periods of the lowest voice
LAG_MIN_HZ, LAG_MAX_HZ = 1000.0, 70.0
_HARMONIC_TOL = 0.07         # a second period within 7 % of m * first or first / m (m = 1..3) is the same voice
_FIRST_CANDIDATES = 3
MIN_RESIDUAL = 0.2           # a frame no single period explains better than this ...
GAIN = 0.5                   # ... that a pair of periods explains twice as well holds two voices


def _rho(frames: np.ndarray, max_lag: int) -> np.ndarray:
    """(n, max_lag + 1) unbiased normalised autocorrelation of each frame (rho(0) = 1)."""
    x = frames - frames.mean(axis=1, keepdims=True)
    n, width = x.shape
    size = 1 << int(np.ceil(np.log2(2 * width)))
    spec = scipy.fft.rfft(x, size, axis=1)
    r = scipy.fft.irfft(spec * np.conj(spec), size, axis=1)[:, :max_lag + 1]
    r = r * (width / (width - np.arange(max_lag + 1)))[None, :]
    return r / np.maximum(r[:, :1], 1e-12)


def _harmonic(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Whether lag b is (near) a multiple or a fraction of lag a."""
    out = np.zeros(np.broadcast(a, b).shape, bool)
    for m in (1, 2, 3):
        out |= np.abs(b - m * a) <= _HARMONIC_TOL * m * a
        out |= np.abs(a - m * b) <= _HARMONIC_TOL * m * b
    return out


def two_periods(frames: np.ndarray, sample_rate: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per frame: (best one-period residual, best two-period residual, (n, 2) pitches of that
    pair of periods in Hz), residuals as shares of the frame's energy (0 = fully explained,
    ~1 = noise)."""
    lo = max(2, int(np.floor(sample_rate / LAG_MIN_HZ)))
    hi = int(np.ceil(sample_rate / LAG_MAX_HZ))
    rho = _rho(frames, 2 * hi)
    lags = np.arange(lo, hi + 1)
    single = 1.0 - rho[:, lags]                                      # (n, L)
    n = len(frames)
    # the first period: the best few local minima of the one-period residual
    interior = np.full(single.shape, np.inf)
    is_min = (single[:, 1:-1] <= single[:, :-2]) & (single[:, 1:-1] <= single[:, 2:])
    interior[:, 1:-1] = np.where(is_min, single[:, 1:-1], np.inf)
    firsts = np.argsort(interior, axis=1)[:, :_FIRST_CANDIDATES]     # (n, C) indices into lags
    a = lags[firsts][:, :, None]                                     # (n, C, 1)
    b = lags[None, None, :]                                          # (1, 1, L)
    rows = np.arange(n)[:, None, None]
    double = (4 - 4 * rho[rows, a] - 4 * rho[rows, b] + 2 * rho[rows, a + b] + 2 * rho[rows, np.abs(a - b)]) / 4
    valid = np.isfinite(np.take_along_axis(interior, firsts, axis=1))[:, :, None] & ~_harmonic(a, b)
    double = np.where(valid, double, np.inf)
    flat = double.reshape(n, -1).argmin(axis=1)
    best_double = double.reshape(n, -1)[np.arange(n), flat]
    first = lags[firsts[np.arange(n), flat // len(lags)]]
    second = lags[flat % len(lags)]
    found = np.isfinite(best_double)[:, None]
    pair = np.where(found, sample_rate / np.column_stack([first, second]), np.nan)
    return (single.min(axis=1).astype(np.float32), np.where(found[:, 0], best_double, 1.0).astype(np.float32),
            pair.astype(np.float32))


def two_voice_frames(one: np.ndarray, two: np.ndarray, min_residual: float = MIN_RESIDUAL,
                     gain: float = GAIN) -> np.ndarray:
    """Frames no single period explains (``one`` >= ``min_residual``) that two periods explain
    much better (``two`` <= ``gain`` * ``one``)."""
    return (one >= min_residual) & (two <= gain * one)


def second_voice(labels: np.ndarray, pair_hz: np.ndarray, flagged: np.ndarray,
                 ranges: list[tuple[float, float]]) -> np.ndarray:
    """(frames,) the voice heard under each flagged frame's own voice, -1 where none: of the
    frame's two pitches, the one farther from its own voice, if it lies in another voice's
    pitch range and nearer that voice's centre than its own."""
    out = np.full(len(labels), -1, np.int64)
    # a voice with too few voiced frames has an empty range (lo > hi) and no centre: nothing falls in it
    centre = np.array([0.5 * (np.log2(lo) + np.log2(hi)) if 0 < lo <= hi < np.inf else np.nan for lo, hi in ranges])
    idx = np.flatnonzero(flagged & (labels >= 0) & np.isfinite(pair_hz).all(axis=1))
    if not len(idx):
        return out
    own = labels[idx]
    p = np.log2(pair_hz[idx])
    far = np.abs(p - centre[own][:, None]).argmax(axis=1)
    other = p[np.arange(len(idx)), far]
    for v, (lo, hi) in enumerate(ranges):
        if not 0 < lo <= hi < np.inf:
            continue
        hit = (own != v) & (other >= np.log2(lo)) & (other <= np.log2(hi)) \
            & (np.abs(other - centre[v]) < np.abs(other - centre[own])) & (out[idx] < 0)
        out[idx[hit]] = v
    return out
