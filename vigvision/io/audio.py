"""Audio in: a media file's first audio track as 16 kHz mono float32.

Sample 0 is time 0 of the video (the container's start), so audio and video
signals share one clock: a track that starts late is padded with silence, one
that starts early is trimmed.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Iterator

import av
import numpy as np

from ..time import to_index
from .video import SkippingDamage, _container_start, _frame_time, open_container

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


class AudioStream:
    """Iterate a file's first audio track as mono float32 chunks at ``sample_rate``,
    placed on the video clock (padded or trimmed at the start), without holding it all.

    After iteration ``error`` says where decoding stopped early, if it did, or where the track was
    damaged: packets that cannot be decoded are skipped, and their time is silence, so what follows
    stays on the video clock.

    >>> stream = AudioStream("family.mp4")          # doctest: +SKIP
    >>> total = sum(len(chunk) for chunk in stream)  # doctest: +SKIP
    """

    def __init__(self, path: str | os.PathLike, *, sample_rate: int = SAMPLE_RATE):
        self.path = path
        self.sample_rate = sample_rate
        self.error: str | None = None

    def __iter__(self) -> Iterator[np.ndarray]:
        self.error = None
        with open_container(self.path) as container:
            if not container.streams.audio:
                return
            stream = container.streams.audio[0]
            stream.thread_type = "AUTO"
            t0 = _container_start(container)
            resampler = av.AudioResampler(format="flt", layout="mono", rate=self.sample_rate)
            to_skip = 0  # samples before time 0 (a track that starts early)
            started = False
            decoded_until = 0.0
            emitted = 0  # samples yielded: the video clock, in samples
            decoded = SkippingDamage(container, stream, t0)
            frames = iter(decoded)
            while True:
                frame = next(frames, None)
                if frame is None and decoded.error:
                    self.error = f"audio decoding stopped at {decoded_until:.2f} s ({decoded.error})"
                t = None if frame is None else _frame_time(frame, t0)
                if frame is not None and not started:
                    started = True
                    offset = to_index(t or 0.0, self.sample_rate)
                    if offset > 0:
                        yield np.zeros(offset, np.float32)
                        emitted += offset
                    to_skip = max(0, -offset)
                elif t is not None and t - decoded_until > 0.05:   # packets lost before this frame: silence
                    gap = to_index(t, self.sample_rate) - emitted
                    if gap > 0:
                        yield np.zeros(gap, np.float32)
                        emitted += gap
                if frame is not None:
                    decoded_until = (t if t is not None else decoded_until) + frame.samples / max(frame.sample_rate, 1)
                try:
                    outs = resampler.resample(frame)  # None flushes the resampler's delay line
                except av.FFmpegError:
                    outs = []
                for out in outs:
                    chunk = out.to_ndarray().reshape(-1)
                    if to_skip:
                        cut = min(to_skip, len(chunk))
                        chunk, to_skip = chunk[cut:], to_skip - cut
                    emitted += len(chunk)
                    yield np.clip(chunk, -1.0, 1.0)
                if frame is None:
                    if decoded.damaged and not self.error:
                        where = ", ".join(f"{a:.2f}-{b:.2f} s" for a, b in decoded.damaged)
                        self.error = (f"the audio track is damaged at {where} ({decoded.packets_lost} packets could "
                                      "not be decoded): silence there, the rest was analysed")
                    return


def load_audio(path: str | os.PathLike, *, sample_rate: int = SAMPLE_RATE) -> Audio | None:
    """Decode the first audio track, downmixed to mono and resampled, into memory.

    Returns None when the file has no audio track. A track that fails midway
    keeps what decoded and says where it stopped in ``Audio.error``. For long
    files prefer :class:`AudioStream`, which holds one chunk at a time.

    >>> audio = load_audio("family.mp4")     # doctest: +SKIP
    >>> audio.sample_rate, audio.samples.dtype
    (16000, dtype('float32'))
    """
    with open_container(path) as container:
        if not container.streams.audio:
            return None
    stream = AudioStream(path, sample_rate=sample_rate)
    chunks = list(stream)
    samples = np.concatenate(chunks).astype(np.float32, copy=False) if chunks else np.zeros(0, np.float32)
    return Audio(samples, sample_rate, stream.error)


def read_span(path: str | os.PathLike, start: float, end: float, *,
              sample_rate: int = SAMPLE_RATE) -> np.ndarray | None:
    """Mono samples from ``start`` to ``end`` seconds (zero-padded if the track ends sooner), read chunk by
    chunk so a short span of a long file costs little memory; None when the file has no audio."""
    i0, i1 = int(round(start * sample_rate)), int(round(end * sample_rate))
    out, pos = [], 0
    for chunk in AudioStream(path, sample_rate=sample_rate):
        a, b = max(i0 - pos, 0), min(i1 - pos, len(chunk))
        if b > a:
            out.append(chunk[a:b])
        pos += len(chunk)
        if pos >= i1:
            break
    if not out:
        return None
    samples = np.concatenate(out)
    return np.pad(samples, (0, max(0, (i1 - i0) - len(samples))))
