"""Audio in: a media file's first audio track as 16 kHz mono float32.

Sample 0 is time 0 of the video (the container's start), so audio and video
signals share one clock: a track that starts late is padded with silence, one
that starts early is trimmed.
"""
from __future__ import annotations

import os
from dataclasses import dataclass

import av
import numpy as np

from ..time import to_index
from .video import _container_start, _frame_time, open_container

SAMPLE_RATE = 16000


@dataclass(frozen=True)
class Audio:
    """``samples``: (n,) float32 in [-1, 1], mono, at ``sample_rate`` Hz, sample 0 at time 0.

    ``error`` says where decoding stopped early, when it did.
    """

    samples: np.ndarray
    sample_rate: int
    error: str | None = None

    @property
    def duration_s(self) -> float:
        return len(self.samples) / self.sample_rate

    def crop(self, start_s: float, end_s: float) -> np.ndarray:
        i0 = max(0, to_index(start_s, self.sample_rate, rounding="floor"))
        i1 = min(len(self.samples), to_index(end_s, self.sample_rate, rounding="ceil"))
        return self.samples[i0:max(i0, i1)]


def load_audio(path: str | os.PathLike, *, sample_rate: int = SAMPLE_RATE) -> Audio | None:
    """Decode the first audio track, downmixed to mono and resampled.

    Returns None when the file has no audio track. A track that fails midway
    keeps what decoded and says where it stopped in ``Audio.error``.

    >>> audio = load_audio("family.mp4")     # doctest: +SKIP
    >>> audio.sample_rate, audio.samples.dtype
    (16000, dtype('float32'))
    """
    with open_container(path) as container:
        if not container.streams.audio:
            return None
        stream = container.streams.audio[0]
        stream.thread_type = "AUTO"
        t0 = _container_start(container)
        resampler = av.AudioResampler(format="flt", layout="mono", rate=sample_rate)
        chunks: list[np.ndarray] = []
        first_time: float | None = None
        error = None
        decoded_until = 0.0
        try:
            for frame in container.decode(stream):
                if first_time is None:
                    first_time = _frame_time(frame, t0) or 0.0
                decoded_until = (_frame_time(frame, t0) or decoded_until) + frame.samples / max(frame.sample_rate, 1)
                for out in resampler.resample(frame):
                    chunks.append(out.to_ndarray().reshape(-1))
        except av.FFmpegError as exc:
            error = f"audio decoding stopped at {decoded_until:.2f} s ({exc.__class__.__name__}: {exc})"
        try:
            for out in resampler.resample(None):  # flush the resampler's delay line
                chunks.append(out.to_ndarray().reshape(-1))
        except av.FFmpegError:
            pass
    if first_time is None and error is None:
        return Audio(np.zeros(0, np.float32), sample_rate)
    samples = np.concatenate(chunks).astype(np.float32, copy=False) if chunks else np.zeros(0, np.float32)
    offset = to_index(first_time or 0.0, sample_rate)
    if offset > 0:
        samples = np.concatenate((np.zeros(offset, np.float32), samples))
    elif offset < 0:
        samples = samples[-offset:]
    np.clip(samples, -1.0, 1.0, out=samples)
    return Audio(samples, sample_rate, error)

