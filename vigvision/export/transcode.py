"""The one loop every footage export runs: frames of a span decoded, changed, encoded at their times.

Clips, trainer renders and anonymised copies differ only in what they do to each frame (``draw``),
what sound goes with them (``sound``) and how slow they play (``slow``); the file is written under a
temporary name and renamed when complete, so an interrupted export never leaves half a video.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from ..errors import InputError
from ..io.encode import VideoWriter
from ..io.files import atomic_path
from ..io.video import Frame, VideoInfo, VideoReader

AUDIO_RATE = 48000   # AAC at 48 kHz, what players expect


@dataclass(frozen=True)
class Transcoded:
    """What was written: ``frames`` from source time ``first_s`` to ``last_s``, with sound or not."""

    path: Path
    frames: int
    first_s: float
    last_s: float
    audio: bool


def transcode(video: Path, out: str | Path, info: VideoInfo, *, start: float, end: float, slow: float = 1.0,
              draw: Callable[[Frame], np.ndarray] | None = None,
              sound: Callable[[float], np.ndarray | None] | None = None,
              max_side: int | None = None) -> Transcoded:
    """Write the frames shown in [start, end) of ``video`` to ``out`` (H.264 + AAC in MP4).

    ``draw(frame)``: the picture to write for a frame (default: the frame); its size at the first
    frame, cropped to even sides (H.264 4:2:0), is the clip's. ``sound(t0)``: the samples at
    :data:`AUDIO_RATE` from the first frame's time ``t0`` (None: silent). ``slow`` > 1 holds each frame
    ``slow`` times as long. The clip's own clock starts at 0 on the first frame.
    """
    n, t0, last, writer, has_audio = 0, 0.0, 0.0, None, False
    with atomic_path(out) as tmp:
        try:
            with VideoReader(video, start_s=start, end_s=end, max_side=max_side, info=info) as reader:
                for frame in reader:
                    image = draw(frame) if draw is not None else frame.image
                    if writer is None:
                        t0 = frame.time_s
                        h, w = image.shape[:2]
                        size = (w - w % 2, h - h % 2)
                        audio = sound(t0) if sound is not None else None
                        has_audio = audio is not None
                        writer = VideoWriter(tmp, *size, fps=(info.fps or 25.0) / slow,
                                             audio_rate=AUDIO_RATE if has_audio else None)
                        if has_audio:
                            writer.write_audio(audio)
                    writer.write_frame(np.ascontiguousarray(image[:size[1], :size[0]]), (frame.time_s - t0) * slow)
                    n, last = n + 1, frame.time_s
        finally:
            if writer is not None:
                writer.close()
        if writer is None:
            raise InputError(f"{video}: no frame between {start:.2f} and {end:.2f} s")
    return Transcoded(Path(out), n, t0, last, has_audio)
