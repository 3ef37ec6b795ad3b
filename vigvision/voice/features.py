"""Frame features of the room microphone on one 10 ms grid.

Frame ``i`` covers ``[i * HOP_S, (i + 1) * HOP_S)`` of the video clock. Every
later step (voice activity, voices, turns) reads these arrays, never the samples:

    level_db      frame loudness (dBFS, 25 ms window)
    f0_hz         fundamental frequency (YIN), NaN where the frame is not periodic
    aperiodicity  YIN's normalised difference at the chosen period (0 = perfectly periodic)
    mfcc          cepstral coefficients 1-12 (timbre); c0, loudness, is ``level_db``
    band_db       level in the voice band (300-4000 Hz, above hum and rumble)
    one_period, two_periods, pair_hz
                  how well one pitch period, or two at once, explain the frame, and that
                  pair's pitches: where two voices overlap (see overlap.py)

The audio is processed in blocks of a minute with overlap, so memory does not
grow with the video's length.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import scipy.fft
from scipy.signal import butter, resample_poly, sosfiltfilt

from . import overlap

HOP_S = 0.01
F0_MIN, F0_MAX = 70.0, 1000.0     # adult male speech .. infant squeals
_YIN_WINDOW_S = 0.04              # two periods of the lowest F0 fit in it
_YIN_THRESHOLD = 0.2
_BLOCK_S = 60.0
PITCH_RATE = 8000
VOICE_BAND = (300.0, 4000.0)
_SILENCE_DB = -70.0               # frames quieter than this have no pitch worth estimating


@dataclass
class VoiceFeatures:
    """Per-frame arrays (length ``n``), frame ``i`` starting at ``i * step`` seconds."""

    level_db: np.ndarray
    f0_hz: np.ndarray
    aperiodicity: np.ndarray
    mfcc: np.ndarray          # (n, 12)
    band_db: np.ndarray       # level in the voice band (300-4000 Hz), where room noise is weakest
    one_period: np.ndarray    # residual share after cancelling the best single period
    two_periods: np.ndarray   # ... after cancelling the best pair of periods
    pair_hz: np.ndarray       # (n, 2) that pair's pitches
    step: float = HOP_S

    def __len__(self) -> int:
        return len(self.level_db)

    @property
    def times(self) -> np.ndarray:
        return np.arange(len(self)) * self.step

    def to_arrays(self) -> dict[str, np.ndarray]:
        return {"level_db": self.level_db, "f0_hz": self.f0_hz, "aperiodicity": self.aperiodicity,
                "mfcc": self.mfcc, "band_db": self.band_db, "one_period": self.one_period,
                "two_periods": self.two_periods, "pair_hz": self.pair_hz}

    @classmethod
    def from_arrays(cls, z) -> "VoiceFeatures":
        return cls(*(z[k] for k in ("level_db", "f0_hz", "aperiodicity", "mfcc", "band_db", "one_period",
                                    "two_periods", "pair_hz")))


@lru_cache(maxsize=4)
def _highpass(rate: int):
    return butter(4, 200.0, btype="highpass", fs=rate, output="sos")


def frame_count(n_samples: int, sample_rate: int) -> int:
    hop = int(round(HOP_S * sample_rate))
    return int(np.ceil(n_samples / hop))


def _frames(x: np.ndarray, centres: np.ndarray, width: int) -> np.ndarray:
    """(len(centres), width) windows of x centred on the given sample indices, zero-padded."""
    half = width // 2
    padded = np.pad(x, (half, width))  # the last centre may lie up to a hop past the end
    idx = centres[:, None] + np.arange(width)[None, :]
    return padded[idx]


def _cmnd(frames: np.ndarray, sample_rate: int, fmin: float = F0_MIN) -> np.ndarray:
    """YIN's cumulative mean normalised difference d'(tau) per frame, tau = 0..sample_rate/fmin.

    The difference function is computed for all frames at once with FFTs.
    """
    n, width = frames.shape
    tau_max = int(np.ceil(sample_rate / fmin))
    w = width - tau_max  # integration window
    x = frames - frames.mean(axis=1, keepdims=True)
    # r(tau) = sum_{j<w} x_j x_{j+tau} by a circular correlation: j + tau < width <= size, so nothing wraps
    size = 1 << int(np.ceil(np.log2(width)))
    spec_a = scipy.fft.rfft(x, size, axis=1)
    spec_b = scipy.fft.rfft(x[:, :w], size, axis=1)
    r = scipy.fft.irfft(spec_a * np.conj(spec_b), size, axis=1)[:, :tau_max + 1]
    sq = np.concatenate([np.zeros((n, 1)), np.cumsum(x ** 2, axis=1)], axis=1)
    taus = np.arange(tau_max + 1)
    e0 = sq[:, w][:, None]
    e_tau = sq[:, taus + w] - sq[:, taus]
    d = np.maximum(e0 + e_tau - 2 * r, 0.0)
    cum = np.cumsum(d[:, 1:], axis=1)
    cmnd = np.ones_like(d)
    with np.errstate(divide="ignore", invalid="ignore"):
        cmnd[:, 1:] = np.where(cum > 0, d[:, 1:] * taus[1:] / cum, 1.0)
    return cmnd


def yin(frames: np.ndarray, sample_rate: int, fmin: float = F0_MIN, fmax: float = F0_MAX
        ) -> tuple[np.ndarray, np.ndarray]:
    """F0 (Hz, NaN when aperiodic) and aperiodicity per frame, by YIN (de Cheveigne & Kawahara 2002)."""
    n = len(frames)
    tau_min = max(2, int(np.floor(sample_rate / fmax)) - 1)  # one lag of room below the top F0
    tau_max = int(np.ceil(sample_rate / fmin))
    cmnd = _cmnd(frames, sample_rate, fmin)
    band = cmnd[:, tau_min:tau_max]
    # first dip under the threshold that is a local minimum, else the global minimum
    below = band < _YIN_THRESHOLD
    local_min = np.zeros_like(below)
    local_min[:, 1:-1] = (band[:, 1:-1] <= band[:, :-2]) & (band[:, 1:-1] <= band[:, 2:])
    cand = below & local_min
    has = cand.any(axis=1)
    k = np.where(has, cand.argmax(axis=1), band.argmin(axis=1))
    rows = np.arange(n)
    # parabolic interpolation around the chosen lag
    k_in = np.clip(k, 1, band.shape[1] - 2)
    a, b, c = band[rows, k_in - 1], band[rows, k_in], band[rows, k_in + 1]
    denom = a - 2 * b + c
    with np.errstate(divide="ignore", invalid="ignore"):
        shift = np.where(np.abs(denom) > 1e-12, 0.5 * (a - c) / denom, 0.0)
    shift = np.clip(shift, -0.5, 0.5)
    tau = tau_min + k_in + shift
    aper = band[rows, k]
    silent = (frames ** 2).sum(axis=1) < 1e-10
    f0 = np.where(has & ~silent, sample_rate / tau, np.nan)
    aper = np.where(silent, 1.0, aper)
    return f0, aper


def _pitch_signal(x: np.ndarray, sample_rate: int) -> np.ndarray:
    """The signal YIN reads: at 8 kHz (enough for F0 up to 1000 Hz, half the work), high-passed:
    room rumble, mains hum and pink noise sit low; voices keep their period (the harmonics
    above 200 Hz carry it, even for a 90 Hz voice)."""
    xp = resample_poly(x, PITCH_RATE, sample_rate) if sample_rate != PITCH_RATE else x
    return sosfiltfilt(_highpass(PITCH_RATE), xp).astype(np.float32)


def _spectral(x: np.ndarray, sample_rate: int, n_frames: int) -> tuple[np.ndarray, np.ndarray]:
    """MFCC 1-12 and the level in the voice band (dB) per frame."""
    import librosa

    hop = int(round(HOP_S * sample_rate))
    mel = librosa.feature.melspectrogram(y=x.astype(np.float32), sr=sample_rate, n_fft=512, hop_length=hop,
                                         n_mels=40, fmin=60, fmax=sample_rate / 2, center=True)
    m = librosa.feature.mfcc(S=librosa.power_to_db(mel), n_mfcc=13)
    freqs = librosa.mel_frequencies(n_mels=42, fmin=60, fmax=sample_rate / 2)[1:-1]  # band centres
    band = 10 * np.log10(mel[(freqs >= VOICE_BAND[0]) & (freqs <= VOICE_BAND[1])].sum(axis=0) + 1e-12)
    # librosa's frame j is centred on sample j * hop; ours is centred on (j + 0.5) * hop: close enough
    # for timbre (5 ms), and it keeps the grids the same length.
    out = np.concatenate([m[1:], band[None]], axis=0)[:, :n_frames].T
    if len(out) < n_frames:
        out = np.pad(out, ((0, n_frames - len(out)), (0, 0)), mode="edge")
    return out[:, :-1].astype(np.float32), out[:, -1].astype(np.float32)


def extract(samples: np.ndarray, sample_rate: int) -> VoiceFeatures:
    """All frame features of a mono track (blockwise: bounded memory)."""
    hop = int(round(HOP_S * sample_rate))
    n = frame_count(len(samples), sample_rate)
    level = np.full(n, -120.0, np.float32)
    f0 = np.full(n, np.nan, np.float32)
    aper = np.ones(n, np.float32)
    mfcc = np.zeros((n, 12), np.float32)
    band_db = np.full(n, -120.0, np.float32)
    one = np.zeros(n, np.float32)
    two = np.ones(n, np.float32)
    pair = np.full((n, 2), np.nan, np.float32)
    pair_width = int(overlap.WINDOW_S * PITCH_RATE)
    block = int(_BLOCK_S / HOP_S)
    margin = int(0.1 * sample_rate)
    yin_width = int(_YIN_WINDOW_S * PITCH_RATE)
    rms_width = int(0.025 * sample_rate)
    for j0 in range(0, n, block):
        j1 = min(n, j0 + block)
        s0 = max(0, j0 * hop - margin)
        s1 = min(len(samples), j1 * hop + margin)
        x = np.asarray(samples[s0:s1], dtype=np.float64)
        centres = (np.arange(j0, j1) * hop + hop // 2) - s0
        win = _frames(x, centres, rms_width)
        level[j0:j1] = 10 * np.log10(np.mean(win ** 2, axis=1) + 1e-12)
        mfcc[j0:j1], band_db[j0:j1] = _spectral(x[j0 * hop - s0:], sample_rate, j1 - j0)
        # Pitch only where there is sound to speak of: a voice-band level above the block's quietest
        # frames, or near its loudest (a block that is all voice has no quiet frames).
        bv = band_db[j0:j1]
        lo, hi = np.percentile(bv, [10, 90])
        loud = (level[j0:j1] > _SILENCE_DB) & ((bv > lo + 3.0) | (bv > hi - 6.0))
        if loud.any():
            xp = _pitch_signal(x, sample_rate)
            pc = (centres[loud] * PITCH_RATE) // sample_rate
            f, a = yin(_frames(xp, pc, yin_width), PITCH_RATE)
            f0[j0:j1][loud], aper[j0:j1][loud] = f, a
            o, t, p = overlap.two_periods(_frames(xp, pc, pair_width), PITCH_RATE)
            sel = np.flatnonzero(loud) + j0
            one[sel], two[sel], pair[sel] = o, t, p
    return VoiceFeatures(level, f0, aper, mfcc, band_db, one, two, pair)
