"""Speaker embeddings: what a voice sounds like beyond its pitch.

Pitch alone confuses two voices in the same range (a woman and a girl; two women
on the telephone). A speaker encoder trained to tell voices apart separates them:

    16 kHz audio --power mel (40 bands, 25 ms window, 10 ms hop)--> mel frames
        --1 s windows every 0.25 s where there is sound--> voice encoder (ONNX)
        --> one L2-normalised 256-d embedding per window

The encoder is Resemblyzer's GE2E LSTM, exported to ONNX into the package (model
card: models/voice_encoder.md); it runs with onnxruntime on one core, no torch.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from .. import models
from ..models.runtime import session
from .vad import ModelMissing

RATE = 16000
MEL_HOP = 160                 # 10 ms: the same grid as the frame features
WINDOW = 100                  # frames in one embedding window (1.0 s)
STEP = 25                     # frames between window starts (0.25 s)
DIM = 256
_BATCH = 128
MODEL_FILE = Path(models.__file__).resolve().parent / "voice_encoder.onnx"


class VoiceEncoder:
    """Batches of (frames, 40) power-mel windows -> (batch, 256) unit embeddings."""

    def __init__(self) -> None:
        if not MODEL_FILE.is_file():
            raise ModelMissing(f"{MODEL_FILE}: the voice encoder model is missing; reinstall vigvision "
                               "(or rebuild it with models/make_voice_encoder.py)")
        self._session = session(MODEL_FILE)

    def __call__(self, mels: np.ndarray) -> np.ndarray:
        out = [self._session.run(None, {"mels": np.ascontiguousarray(mels[i:i + _BATCH], np.float32)})[0]
               for i in range(0, len(mels), _BATCH)]
        return np.concatenate(out) if out else np.zeros((0, DIM), np.float32)


def mel_frames(samples: np.ndarray, gain: float = 1.0) -> np.ndarray:
    """(n, 40) power mel frames of 16 kHz audio, frame ``i`` centred on ``i * 10 ms`` (the encoder's input)."""
    import librosa

    x = np.asarray(samples, np.float32) * np.float32(gain)
    if len(x) < 400:
        x = np.pad(x, (0, 400 - len(x)))
    mel = librosa.feature.melspectrogram(y=x, sr=RATE, n_fft=400, hop_length=MEL_HOP, n_mels=40)
    return mel.T.astype(np.float32)


def embed_windows(samples: np.ndarray, gain: float, sound: np.ndarray,
                  encoder: VoiceEncoder | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(window start frames, float16 embeddings) for the 1 s windows (every 0.25 s) in which at
    least a third of the frames have sound (``sound``: a mask on the 10 ms feature grid)."""
    mel = mel_frames(samples, gain)
    n = min(len(mel), len(sound))
    if n == 0:
        return np.zeros(0, np.int32), np.zeros((0, DIM), np.float16)
    width = min(WINDOW, n)
    starts = np.arange(0, max(1, n - width + 1), STEP)
    cover = np.concatenate([[0], np.cumsum(sound[:n])])
    keep = (cover[starts + width] - cover[starts]) >= width / 3
    starts = starts[keep]
    if not len(starts):
        return np.zeros(0, np.int32), np.zeros((0, DIM), np.float16)
    windows = mel[starts[:, None] + np.arange(width)[None, :]]
    emb = (encoder or VoiceEncoder())(windows)
    return starts.astype(np.int32), emb.astype(np.float16)


def frame_embeddings(starts: np.ndarray, emb: np.ndarray, n_frames: int) -> np.ndarray:
    """(n_frames, 256) per 10 ms frame: the normalised mean of the windows covering it (zeros where none)."""
    out = np.zeros((n_frames + WINDOW + 1, DIM), np.float32)
    # a running sum: add each window at its start, subtract at its end
    np.add.at(out, starts, emb.astype(np.float32))
    np.add.at(out, starts + WINDOW, -emb.astype(np.float32))
    acc = np.cumsum(out, axis=0)[:n_frames]
    norm = np.linalg.norm(acc, axis=1, keepdims=True)
    return np.where(norm > 1e-6, acc / np.maximum(norm, 1e-6), 0.0).astype(np.float32)
