"""Vocal activity: silero VAD (ONNX, onnxruntime) joined by a voiced-sound detector.

silero is trained on speech; infants and toddlers squeal, laugh and babble at
300-1000 Hz, which it often misses. So a frame is vocal when either

  * silero's speech probability is high (with hysteresis, as silero's own
    post-processing does), or
  * the frame is clearly periodic (YIN aperiodicity low) with an F0 in the voice
    range and stands well above the room's noise floor: voiced sound, which a
    squeal, a laugh's vowel or a "boo" is. Two voices at once are not periodic,
    but two pitch periods explain them (overlap.py): those frames count too.

The track is first brought to a common level (home recordings are often
-40 dBFS), with the gain capped so silence is not blown up into noise.
No torch at run time: silero's ONNX file, copied from the ``silero-vad`` wheel into
vigvision's package (``models/silero_vad.md``), is run with onnxruntime.
"""
from __future__ import annotations

import importlib.resources
from pathlib import Path

import numpy as np

from ..config import VoiceConfig
from ..errors import VigvisionError
from ..models.runtime import session
from ..sequence import runs
from ..time import Intervals
from .features import HOP_S, VoiceFeatures
from .overlap import two_voice_frames

SILERO_FILE = "silero_vad_16k_sequence.onnx"   # in vigvision/models (models/silero_vad.md)
SILERO_RATE = 16000
_WINDOW, _CONTEXT = 512, 64   # the sequence model: 32 ms windows with 4 ms of context
_BLOCK = 1875                              # windows per call (60 s)


class ModelMissing(VigvisionError):
    """A model file vigvision needs is not installed."""


def silero_path() -> Path:
    """The ONNX file shipped in vigvision's package (copied from the silero-vad wheel: models/silero_vad.md)."""
    path = Path(str(importlib.resources.files("vigvision.models").joinpath(SILERO_FILE)))
    if not path.is_file():
        raise ModelMissing(f"{path}: the silero VAD model is missing; reinstall vigvision (pip install .)")
    return path


class Silero:
    """Speech probability per 32 ms window of 16 kHz audio, streamed in one-minute blocks."""

    step_s = _WINDOW / SILERO_RATE

    def __init__(self) -> None:
        self._session = session(silero_path())

    def __call__(self, samples: np.ndarray, gain: float = 1.0) -> np.ndarray:
        n = int(np.ceil(len(samples) / _WINDOW))
        out = np.zeros(n, np.float32)
        h = np.zeros((1, 1, 128), np.float32)
        c = np.zeros((1, 1, 128), np.float32)
        context = np.zeros(_CONTEXT, np.float32)
        for b0 in range(0, n, _BLOCK):
            b1 = min(n, b0 + _BLOCK)
            x = np.asarray(samples[b0 * _WINDOW:b1 * _WINDOW], np.float32) * np.float32(gain)
            x = np.clip(np.pad(x, (0, (b1 - b0) * _WINDOW - len(x))), -1, 1)
            rows = np.concatenate([context, x])
            idx = np.arange(b1 - b0)[:, None] * _WINDOW + np.arange(_WINDOW + _CONTEXT)[None, :]
            probs, h, c = self._session.run(None, {"input": rows[idx], "h": h, "c": c})
            out[b0:b1] = probs
            context = x[-_CONTEXT:]
        return out


def level_gain(features: VoiceFeatures, target_db: float = -22.0, max_gain_db: float = 30.0) -> float:
    """Gain that brings the loud frames (95th percentile) to ``target_db``, never down, at most +30 dB."""
    if not len(features):
        return 1.0
    loud = float(np.percentile(features.level_db, 95))
    return float(10 ** (np.clip(target_db - loud, 0.0, max_gain_db) / 20))


def noise_floor_db(features: VoiceFeatures) -> float:
    """The room's level in the voice band: its quietest tenth of frames."""
    return float(np.percentile(features.band_db, 10)) if len(features) else -120.0


def vocal_frames(features: VoiceFeatures, silero_probs: np.ndarray, s: VoiceConfig,
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(vocal, from_silero, from_voiced) boolean masks on the 10 ms feature grid."""
    probs = silero_on_grid(features, silero_probs)
    speech = _hysteresis(probs, s.vad_threshold, s.vad_release)
    floor = noise_floor_db(features)
    periodic = (features.aperiodicity < s.voiced_aperiodicity) & np.isfinite(features.f0_hz)
    if s.split_overlaps:   # two voices at once are not periodic, but two periods explain them
        periodic |= two_voice_frames(features.one_period, features.two_periods)
    voiced = periodic & (features.band_db > floor + s.voiced_margin_db)
    voiced = _drop_short_runs(voiced, int(round(0.06 / HOP_S)))  # a 60 ms stretch at least: not a click
    vocal = speech | voiced
    iv = Intervals.from_mask(vocal, step=HOP_S).support(s.min_silence_s).remove_short(s.min_vocal_s)
    return iv.to_mask(features.times + HOP_S / 2), speech, voiced


def silero_on_grid(features: VoiceFeatures, silero_probs: np.ndarray) -> np.ndarray:
    """silero's 32 ms window probabilities on the 10 ms feature grid."""
    idx = np.minimum((features.times + HOP_S / 2) // Silero.step_s, len(silero_probs) - 1).astype(int)
    return silero_probs[idx] if len(silero_probs) else np.zeros(len(features))


def _hysteresis(p: np.ndarray, on: float, off: float) -> np.ndarray:
    out = np.zeros(len(p), bool)
    active = False
    for i, v in enumerate(p):
        active = v >= on if not active else v >= off
        out[i] = active
    return out


def _drop_short_runs(mask: np.ndarray, min_len: int) -> np.ndarray:
    out = mask.copy()
    for a, b, on in runs(mask.astype(np.int8)):
        if on and b - a < min_len:
            out[a:b] = False
    return out
