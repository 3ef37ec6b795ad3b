"""Clips and stills of a video, cut on the exact frames.

- :func:`export_clip`: the frames from ``start`` up to ``end`` re-encoded (H.264 + AAC in MP4),
  so the cut falls on the exact frame, not on the nearest keyframe; the clip's
  own clock starts at 0. ``slow`` > 1 writes a slow-motion copy (each frame held
  ``slow`` times as long); it is silent, as slowed speech is hard to listen to.
- :func:`export_still` / :func:`read_still` / :func:`still_jpeg`: the frame shown at an instant;
  :func:`portrait_jpeg`: a person's head and shoulders then.

Every file is written under a temporary name and renamed when complete, so an
interrupted export never leaves a half-written clip.
"""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from ..errors import InputError
from ..io.audio import read_span
from ..io.encode import jpeg_bytes
from ..io.files import atomic_path
from ..io.video import VideoReader, probe
from .transcode import AUDIO_RATE, transcode


def export_clip(video: str | Path, start: float, end: float, out: str | Path, *, slow: float = 1.0,
                max_side: int | None = None) -> dict:
    """Write the frames shown in [start, end) of ``video`` to ``out`` (MP4); returns what was written:
    {'path', 'frames', 'duration_s', 'audio'}. Frames stream from decoder to encoder (a whole video
    can be exported, e.g. as a browser-playable preview, without holding it in memory)."""
    if not end > start:
        raise InputError(f"{out}: a clip needs its end after its start (got {start:.2f}-{end:.2f} s)")
    if slow < 1:
        raise InputError(f"{out}: slow-motion factor must be 1 or more (got {slow})")
    info = probe(video)
    end = min(end, info.duration_s)
    step = 1.0 / info.fps if info.fps else 0.04
    # slowed speech is hard to listen to: a slow-motion copy is silent
    sound = (lambda t0: read_span(video, t0, end, sample_rate=AUDIO_RATE)) if slow == 1.0 and info.has_audio else None
    done = transcode(Path(video), out, info, start=start, end=end, slow=slow, sound=sound, max_side=max_side)
    # The last frame is shown until the span's end, or for one frame, whichever is sooner.
    t_end = min(end, done.last_s + step)
    return {"path": str(out), "frames": done.frames, "duration_s": round((t_end - done.first_s) * slow, 4),
            "audio": done.audio}


def browser_playable(video: str | Path) -> bool:
    """Whether browsers play the file as it is (H.264 or VP8/9/AV1 in MP4/MOV/WebM, with AAC/MP3/Opus
    audio or none); if not, the app plays a preview copy made by :func:`export_clip`."""
    info = probe(video)
    container = info.container.split(",")
    video_ok = (info.codec == "h264" and ("mp4" in container or "mov" in container)) or \
        (info.codec in ("vp8", "vp9", "av1") and ("webm" in container or "matroska" in container))
    audio_ok = not info.has_audio or info.audio_codec in ("aac", "mp3", "opus", "vorbis")
    return video_ok and audio_ok and info.rotation == 0


def still_jpeg(video: str | Path, t: float, *, max_side: int | None = None, quality: int = 80) -> bytes | None:
    """The frame shown at ``t`` as JPEG bytes (for a page), or None where no frame can be read."""
    image = read_still(video, t, max_side=max_side)
    return None if image is None else jpeg_bytes(image, quality=quality)


def portrait_jpeg(video: str | Path, t: float, box: tuple[float, float, float, float], *, side: int = 160,
                  quality: int = 85) -> bytes | None:
    """A person's face at ``t`` (``box``: x, y, width, height in the video's pixels), widened to show head
    and shoulders, as a square JPEG of ``side`` px: so the guider sees who an id is. None: no frame."""
    import cv2

    image = read_still(video, t)
    if image is None:
        return None
    x, y, w, h = box
    half = 1.1 * max(w, h)
    cx, cy = x + w / 2, y + h / 2 + 0.25 * h
    x0, y0 = int(max(0, cx - half)), int(max(0, cy - half))
    crop = image[y0:int(min(image.shape[0], cy + half)), x0:int(min(image.shape[1], cx + half))]
    if not crop.size:
        return None
    return jpeg_bytes(cv2.resize(crop, (side, side), interpolation=cv2.INTER_AREA), quality=quality)


def read_still(video: str | Path, t: float, *, max_side: int | None = None) -> np.ndarray | None:
    """The RGB frame shown at time ``t`` (the last frame whose timestamp is at or before it)."""
    info = probe(video)
    t = min(max(0.0, t), max(info.duration_s - 1e-3, 0.0))
    step = 1.0 / info.fps if info.fps else 0.1
    last = None
    with VideoReader(video, start_s=max(0.0, t - 2 * step), end_s=t + 1e-6, max_side=max_side, info=info) as r:
        for frame in r:
            last = frame.image
    if last is None:  # t before the first frame: show the first
        with VideoReader(video, start_s=t, end_s=t + 2.0, max_side=max_side, info=info) as r:
            last = next(iter(r), None)
            last = None if last is None else last.image
    return last


def export_still(video: str | Path, t: float, out: str | Path) -> Path:
    """The frame shown at ``t`` as a JPEG; a time that is not inside the video is refused, not clamped."""
    duration = probe(video).duration_s
    if not (math.isfinite(t) and 0.0 <= t <= duration):
        raise InputError(f"{video}: a still at {t} s is outside the video (0 to {duration:.2f} s)")
    image = read_still(video, t)
    if image is None:
        raise InputError(f"{video}: no frame at {t:.2f} s")
    with atomic_path(out) as tmp:
        tmp.write_bytes(jpeg_bytes(image))
    return Path(out)
