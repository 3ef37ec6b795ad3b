"""Footage with known truth, for tests and benchmarks.

Each generated frame carries its own index as a 12-bit barcode, so a test can
read back exactly which source frame it decoded, and an orientation marker
(red block top-left, blue block bottom-right in the upright picture) so a test
can tell whether rotation was applied. Audio carries tone bursts at known
times.

>>> truth = make_video("clip.mkv", duration_s=2.0, fps=25)   # doctest: +SKIP
>>> truth.times_s[:3]
array([0.  , 0.04, 0.08])
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..io.encode import VideoWriter

BITS = 12
RED = (230, 30, 30)
BLUE = (30, 30, 230)


@dataclass(frozen=True)
class SynthTruth:
    """What was written: each frame's time and index, the tone bursts, the file's settings."""

    path: Path
    times_s: np.ndarray
    width: int
    height: int
    rotation: int
    audio_rate: int | None
    bursts_s: list[tuple[float, float]] = field(default_factory=list)

    @property
    def duration_s(self) -> float:
        return float(self.times_s[-1] + (self.times_s[-1] - self.times_s[-2] if len(self.times_s) > 1 else 0.04))


def pattern_frame(index: int, width: int, height: int) -> np.ndarray:
    """An upright RGB frame showing ``index`` as a barcode and two orientation markers."""
    img = np.full((height, width, 3), 128, np.uint8)
    img[..., 1] = np.linspace(60, 200, width, dtype=np.uint8)[None, :]
    m = max(8, min(width, height) // 6)
    img[:m, :m] = RED
    img[-m:, -m:] = BLUE
    y0, y1 = int(height * 0.4), int(height * 0.6)
    x0, x1 = int(width * 0.1), int(width * 0.9)
    edges = np.linspace(x0, x1, BITS + 1).astype(int)
    for b in range(BITS):
        on = (index >> (BITS - 1 - b)) & 1
        img[y0:y1, edges[b]:edges[b + 1]] = 255 if on else 0
    return img


def read_index(img: np.ndarray) -> int:
    """Read back the barcode written by :func:`pattern_frame` from an upright frame."""
    height, width = img.shape[:2]
    y0, y1 = int(height * 0.4), int(height * 0.6)
    x0, x1 = int(width * 0.1), int(width * 0.9)
    edges = np.linspace(x0, x1, BITS + 1).astype(int)
    value = 0
    for b in range(BITS):
        pad = max(1, (edges[b + 1] - edges[b]) // 4)
        cell = img[y0 + 4:y1 - 4, edges[b] + pad:edges[b + 1] - pad].mean()
        value = (value << 1) | int(cell > 128)
    return value


def is_upright(img: np.ndarray) -> bool:
    """Red marker top-left and blue marker bottom-right, as written."""
    h, w = img.shape[:2]
    m = max(4, min(w, h) // 12)
    tl = img[:m, :m].reshape(-1, 3).mean(0)
    br = img[-m:, -m:].reshape(-1, 3).mean(0)
    return bool(tl[0] > 150 and tl[2] < 100 and br[2] > 150 and br[0] < 100)


def tone(duration_s: float, rate: int, bursts: list[tuple[float, float]], freq: float = 440.0,
         amplitude: float = 0.5) -> np.ndarray:
    """Silence with sine bursts at the given (start, end) times."""
    n = int(round(duration_s * rate))
    t = np.arange(n) / rate
    out = np.zeros(n, np.float32)
    for start, end in bursts:
        sel = (t >= start) & (t < end)
        out[sel] = amplitude * np.sin(2 * np.pi * freq * t[sel])
    return out


def make_video(path: str | os.PathLike, *, duration_s: float = 2.0, fps: float = 25.0, width: int = 320,
               height: int = 240, times_s: np.ndarray | None = None, audio_rate: int | None = 16000,
               bursts_s: list[tuple[float, float]] | None = None, rotation: int = 0, codec: str | None = None,
               audio_codec: str | None = None, faststart: bool = True) -> SynthTruth:
    """Write a pattern video and return its truth.

    ``times_s`` gives explicit (e.g. variable-rate) frame times; otherwise
    frames are at ``i / fps``. ``rotation`` (degrees counter-clockwise) is
    stored as display metadata: the frames are written rotated by
    ``-rotation`` so that a player that honours the metadata shows them upright.
    """
    path = Path(path)
    times = np.arange(int(round(duration_s * fps))) / fps if times_s is None else np.asarray(times_s, float)
    bursts = [(0.5, 0.7), (1.2, 1.5)] if bursts_s is None else bursts_s
    k = {0: 0, 90: 1, 180: 2, 270: 3}[rotation % 360]
    coded_w, coded_h = (height, width) if k % 2 else (width, height)
    with VideoWriter(path, coded_w, coded_h, fps=fps, codec=codec, audio_codec=audio_codec,
                     audio_rate=audio_rate, rotation=rotation, faststart=faststart, gop=int(fps)) as w:
        sound = tone(float(times[-1]) + 1.0 / fps, audio_rate, bursts) if audio_rate else None
        for i, t in enumerate(times):
            img = pattern_frame(i, width, height)
            # Stored picture = upright picture turned clockwise by `rotation`.
            w.write_frame(np.ascontiguousarray(np.rot90(img, k=-k)) if k else img, float(t))
            if sound is not None:  # interleave: the frame, then the audio up to the next frame
                end = len(sound) if i == len(times) - 1 else int(round(times[i + 1] * audio_rate))
                w.write_audio(sound[int(round(t * audio_rate)):end])
    return SynthTruth(path, times, width, height, rotation % 360, audio_rate, bursts if audio_rate else [])


def truncate(src: str | os.PathLike, dst: str | os.PathLike, fraction: float) -> Path:
    """Copy the first ``fraction`` of a file's bytes, like an interrupted recording."""
    data = Path(src).read_bytes()
    Path(dst).write_bytes(data[: int(len(data) * fraction)])
    return Path(dst)
