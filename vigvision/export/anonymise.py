"""Anonymised copies for sharing outside the family (supervision, training).

Chosen persons' faces are pixelated (or blurred) in every frame. Where each face is comes from two
sources, so that a miss of one is covered by the other: the person's tracked face box from the
analysis (interpolated between the ~10 measurements per second, held up to half a second across
gaps, enlarged to cover hair and motion; across longer gaps, where the tracker lost the face, a
region spanning where it was before and after, widened with the gap), and the face detector run
on the frame itself, whose faces are given to the nearest tracked person (with ``persons=None``
every face found is hidden; a face near no track is hidden while a chosen person is untracked).
The frames where a chosen person was not tracked are counted in the result: look at them.
Optionally the voices are shifted in pitch (the whole sound track, as voices overlap). Nothing of
the source's metadata is copied (title, location, creation time, device): the file is written anew.
"""
from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from ..errors import InputError
from ..io.audio import read_span
from ..io.video import probe
from .transcode import AUDIO_RATE, transcode

HOLD_S = 0.5           # a track's box is kept this long past its last measurement
GAP_S = 1.0            # measurements at most this far apart are interpolated
GROW = 1.7             # the hidden region: the face box enlarged this much (hair, ears, motion)
EDGE_S = 2.0           # before a person's first / after their last measurement, cover this long


class Tracks:
    """Each person's face box (display pixels, xyxy) at any time, from the analysis's signals."""

    def __init__(self, analysis):
        sig = analysis.signals().dropna(subset=["face_x"]).sort_values("time_s")
        s = analysis.display_scale()
        self.by_person = {pid: (g.time_s.to_numpy(), np.stack([g.face_x * s, g.face_y * s, (g.face_x + g.face_w) * s,
                                                              (g.face_y + g.face_h) * s], 1))
                          for pid, g in sig.groupby("person")}

    def box(self, pid: str, t: float) -> tuple[np.ndarray | None, bool]:
        """(box, sure): interpolated between measurements up to GAP_S apart, or held HOLD_S past one (sure);
        inside a longer gap, both neighbouring boxes' hull widened with the gap's length, and for up to
        EDGE_S before the first or after the last measurement the nearest box widened likewise (not sure:
        the face is somewhere thereabouts); else None (the person is out of the picture)."""
        if pid not in self.by_person:
            return None, True
        times, boxes = self.by_person[pid]
        k = int(np.searchsorted(times, t))
        before, after = (k - 1 if k > 0 else None), (k if k < len(times) else None)
        if before is not None and after is not None and times[after] - times[before] <= GAP_S:
            w = (t - times[before]) / max(times[after] - times[before], 1e-9)
            return boxes[before] * (1 - w) + boxes[after] * w, True
        near = [i for i in (before, after) if i is not None and abs(times[i] - t) <= HOLD_S]
        if near:
            return boxes[min(near, key=lambda i: abs(times[i] - t))], True
        if before is not None and after is not None:
            hull = np.concatenate([np.minimum(boxes[before][:2], boxes[after][:2]),
                                   np.maximum(boxes[before][2:], boxes[after][2:])])
            return _widen(hull, 1 + 0.5 * min(times[after] - times[before], 4.0)), False
        i = before if before is not None else after
        dt = abs(times[i] - t)
        return (_widen(boxes[i], 1 + 2 * dt), False) if dt <= EDGE_S else (None, True)


def _widen(box: np.ndarray, factor: float) -> np.ndarray:
    c, half = (box[:2] + box[2:]) / 2, (box[2:] - box[:2]) * factor / 2
    return np.concatenate([c - half, c + half])


def grow(box: np.ndarray, factor: float, width: int, height: int) -> tuple[int, int, int, int]:
    cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2 - 0.08 * (box[3] - box[1])   # a little up: hair
    half = max(box[2] - box[0], box[3] - box[1]) * factor / 2
    return (int(max(0, cx - half)), int(max(0, cy - half)), int(min(width, cx + half)), int(min(height, cy + half)))


def hide(image: np.ndarray, region: tuple[int, int, int, int], method: str) -> None:
    x1, y1, x2, y2 = region
    if x2 - x1 < 2 or y2 - y1 < 2:
        return
    roi = image[y1:y2, x1:x2]
    if method == "blur":
        k = max(3, (max(x2 - x1, y2 - y1) // 3) | 1)
        image[y1:y2, x1:x2] = cv2.GaussianBlur(cv2.GaussianBlur(roi, (k, k), 0), (k, k), 0)
    else:  # pixelate: about 7 blocks across the region, each filled with its mean colour
        small = cv2.resize(roi, (7, 7), interpolation=cv2.INTER_AREA)
        image[y1:y2, x1:x2] = cv2.resize(small, (x2 - x1, y2 - y1), interpolation=cv2.INTER_NEAREST)


def _shifted_audio(video: Path, start: float, end: float, semitones: float) -> np.ndarray | None:
    """The span's sound at 48 kHz, its pitch moved ``semitones`` (voices harder to recognise)."""
    audio = read_span(video, start, end, sample_rate=AUDIO_RATE)
    if audio is not None and semitones:
        import librosa

        audio = librosa.effects.pitch_shift(audio, sr=AUDIO_RATE, n_steps=semitones).astype(np.float32)
    return audio


def anonymise(analysis, out: str | Path, *, persons: list[str] | None = None, start: float = 0.0,
              end: float | None = None, method: str = "pixelate", pitch_semitones: float = 0.0,
              video: str | Path | None = None, detect: bool = True) -> dict:
    """Write an anonymised copy of [start, end) of the analysed video to ``out`` (MP4).

    ``persons``: ids whose faces are hidden (None: everyone's, and every face the detector finds).
    Returns {'path', 'frames', 'hidden_regions', 'detector_faces_hidden'}."""
    if method not in ("pixelate", "blur"):
        raise InputError(f"anonymise: method is 'pixelate' or 'blur', not {method!r}")
    video = analysis.source_video(video)
    known = [p["id"] for p in analysis.persons]
    for pid in persons or []:
        if pid not in known:
            raise InputError(f"anonymise: no person {pid!r} in this analysis (there are: {', '.join(known) or 'none'})")
    info = probe(video)
    end = info.duration_s if end is None else min(end, info.duration_s)
    if not end > start:
        raise InputError(f"anonymise: nothing between {start:.2f} and {end:.2f} s")
    tracks = Tracks(analysis)
    chosen = set(known if persons is None else persons)
    detector = None
    if detect:
        from ..vision.detect import FaceDetector

        detector = FaceDetector(min_score=0.3)   # lower than analysis: better to hide a doubtful face
    sound = (lambda t0: _shifted_audio(video, t0, end, pitch_semitones)) if info.has_audio else None
    w, h = info.width - info.width % 2, info.height - info.height % 2
    counts = {"regions": 0, "from_detector": 0, "unsure": 0}

    def draw(frame) -> np.ndarray:
        img = np.ascontiguousarray(frame.image[:h, :w])
        hidden, unsure_here, by_detector = _regions(img, frame.time_s, tracks, known, chosen, detector,
                                                    hide_all=persons is None)
        for region in hidden:
            hide(img, region, method)
        counts["regions"] += len(hidden)
        counts["from_detector"] += by_detector
        counts["unsure"] += unsure_here
        return img

    try:
        n = transcode(video, out, info, start=start, end=end, draw=draw, sound=sound).frames
    finally:
        if detector is not None:
            detector.close()
    return {"path": str(out), "frames": n, "hidden_regions": counts["regions"],
            "detector_faces_hidden": counts["from_detector"], "frames_not_tracked": counts["unsure"]}


def _regions(img, t, tracks: Tracks, known, chosen, detector, *, hide_all: bool):
    """The regions to hide in one frame, whether a chosen face was untracked, and how many came from
    the detector."""
    h, w = img.shape[:2]
    found = {pid: tracks.box(pid, t) for pid in known}
    boxes = {pid: b for pid, (b, sure) in found.items() if sure and b is not None}
    hidden = [grow(b, GROW, w, h) for pid, (b, _) in found.items() if pid in chosen and b is not None]
    unsure = any(not sure for pid, (_, sure) in found.items() if pid in chosen)
    n_det = 0
    if detector is not None:
        # a face near no track may be a chosen person whose track is lost here: hide it
        unaccounted = any(pid not in boxes for pid in chosen)
        for d in detector(img).xyxy:
            owner = _owner(d, boxes)
            if hide_all or owner in chosen or (owner is None and unaccounted):
                hidden.append(grow(d, GROW, w, h))
                n_det += 1
    return hidden, unsure, n_det


def _owner(det: np.ndarray, boxes: dict[str, np.ndarray]) -> str | None:
    """The tracked person a detected face belongs to: the nearest box centre within 1.5 face widths,
    else None."""
    c = (det[:2] + det[2:]) / 2
    width = max(det[2] - det[0], 1.0)
    best, best_d = None, 1.5 * width
    for pid, b in boxes.items():
        d = float(np.linalg.norm(c - (b[:2] + b[2:]) / 2))
        if d < best_d:
            best, best_d = pid, d
    return best
