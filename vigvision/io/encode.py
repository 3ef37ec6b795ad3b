"""Video out: encode frames (and audio) with explicit timestamps.

Used for the embedded sample, generated test footage, and exported clips.
Each frame gets its own ``pts`` in the codec's time base, so variable frame
rates are written exactly (a time base left on the stream, or pts None, makes
PyAV write every packet at pts 0).
"""
from __future__ import annotations

import os
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from ..errors import InputError

# container suffix -> (video codec, audio codec, pixel format)
DEFAULT_CODECS = {
    ".mp4": ("libx264", "aac", "yuv420p"),
    ".mov": ("libx264", "aac", "yuv420p"),
    ".mkv": ("libx264", "aac", "yuv420p"),
    ".avi": ("mpeg4", "pcm_s16le", "yuv420p"),  # lossy audio in AVI shifts the muxed video clock
    ".webm": ("libvpx-vp9", "libopus", "yuv420p"),
}


class VideoWriter:
    """Write RGB frames at given times, and optionally mono float audio.

    >>> with VideoWriter("out.mp4", 640, 360, audio_rate=16000) as w:   # doctest: +SKIP
    ...     w.write_audio(samples)            # (n,) float32 at 16 kHz, from time 0
    ...     for t, image in frames:
    ...         w.write_frame(image, t)
    """

    def __init__(self, path: str | os.PathLike, width: int, height: int, *, fps: float = 25.0,
                 codec: str | None = None, audio_codec: str | None = None, audio_rate: int | None = None,
                 time_base: Fraction = Fraction(1, 90000), rotation: int = 0, crf: int = 23,
                 preset: str = "veryfast", faststart: bool = True, gop: int | None = None):
        self.path = Path(path)
        suffix = self.path.suffix.lower()
        if suffix not in DEFAULT_CODECS:
            raise InputError(f"{self.path}: cannot write '{suffix}' files (use one of {', '.join(DEFAULT_CODECS)})")
        vcodec, acodec, pix_fmt = DEFAULT_CODECS[suffix]
        codec = codec or vcodec
        options = {"movflags": "+faststart"} if faststart and suffix in (".mp4", ".mov") else {}
        self.container = av.open(str(self.path), mode="w", options=options)
        rate = Fraction(fps).limit_denominator(1001)
        self.stream = self.container.add_stream(codec, rate=rate)
        self.stream.width, self.stream.height = width, height
        self.stream.pix_fmt = pix_fmt
        if suffix == ".avi":  # AVI stores a constant rate: one tick per frame
            time_base = 1 / rate
        elif codec == "mpeg4":  # MPEG-4 Part 2 allows time base denominators up to 65535
            time_base = Fraction(1, 1000)
        self.stream.codec_context.time_base = time_base
        if gop:
            self.stream.codec_context.gop_size = gop
        opts = {}
        if codec in ("libx264", "libx265"):
            opts = {"crf": str(crf), "preset": preset}
            if codec == "libx265":
                opts["x265-params"] = "log-level=error"
        elif codec == "libvpx-vp9":
            opts = {"crf": str(crf + 10), "b:v": "0", "deadline": "realtime", "cpu-used": "8"}
        self.stream.codec_context.options = opts
        if codec == "mpeg4":
            self.stream.bit_rate = 2_000_000
        if rotation:
            if not hasattr(self.stream, "set_display_rotation"):
                raise InputError(f"{self.path}: writing rotation metadata needs PyAV 18 or newer (have {av.__version__})")
            self.stream.set_display_rotation(rotation)
        self.time_base = self.stream.codec_context.time_base
        self.audio_stream = None
        self._audio_pts = 0
        if audio_rate:
            acodec = audio_codec or acodec
            out_rate = 48000 if acodec == "libopus" else audio_rate
            self.audio_stream = self.container.add_stream(acodec, rate=out_rate)
            self.audio_stream.layout = "mono"
            self.audio_stream.codec_context.time_base = Fraction(1, out_rate)
            self._in_rate = audio_rate
            self._resampler = None
        self._last_pts = -1

    def __enter__(self) -> "VideoWriter":
        return self

    def __exit__(self, exc_type, *exc) -> None:
        self.close()

    def write_frame(self, image: np.ndarray, time_s: float) -> None:
        """Encode one (height, width, 3) uint8 RGB frame shown at ``time_s``."""
        frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(image), format="rgb24")
        pts = int(round(time_s / self.time_base))
        if pts <= self._last_pts:
            raise InputError(f"{self.path}: frame times must increase (got {time_s:.6f} s after pts {self._last_pts})")
        self._last_pts = pts
        frame.pts = pts
        frame.time_base = self.time_base
        for packet in self.stream.encode(frame):
            self.container.mux(packet)

    def write_audio(self, samples: np.ndarray) -> None:
        """Encode mono float samples in [-1, 1] that follow the previous ones."""
        if self.audio_stream is None:
            raise InputError(f"{self.path}: writer was opened without audio")
        cc = self.audio_stream.codec_context
        if self._resampler is None:
            self._resampler = av.AudioResampler(format=cc.format.name, layout="mono", rate=cc.sample_rate,
                                                frame_size=cc.frame_size or None)
        data = np.clip(np.asarray(samples, dtype=np.float32), -1, 1).reshape(1, -1)
        frame = av.AudioFrame.from_ndarray(data, format="flt", layout="mono")
        frame.sample_rate = self._in_rate
        frame.pts = None
        self._encode_audio(self._resampler.resample(frame))

    def _encode_audio(self, frames) -> None:
        for out in frames:
            out.pts = self._audio_pts
            out.time_base = Fraction(1, out.sample_rate)
            self._audio_pts += out.samples
            for packet in self.audio_stream.encode(out):
                self.container.mux(packet)

    def close(self) -> None:
        if self.container is None:
            return
        try:
            for packet in self.stream.encode(None):
                self.container.mux(packet)
            if self.audio_stream is not None:
                if self._resampler is not None:
                    self._encode_audio(self._resampler.resample(None))
                for packet in self.audio_stream.encode(None):
                    self.container.mux(packet)
        finally:
            self.container.close()
            self.container = None


def jpeg_bytes(image: np.ndarray, *, quality: int = 88) -> bytes:
    """An RGB frame as JPEG bytes (thumbnails, stills, the review sheet's pictures)."""
    import cv2

    ok, data = cv2.imencode(".jpg", cv2.cvtColor(image, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise InputError("could not encode a still as JPEG")
    return data.tobytes()
