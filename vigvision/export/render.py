"""Trainer views: the footage with what vigvision measured drawn on it, and captioned stills.

Each output frame is a source frame (at the source's own rate and timestamps) with, per person,
the face box labelled with id and role, an arrow for the head's direction and one for the gaze,
a "speaking" tag while they vocalise and a highlight of both faces during mutual gaze; under it a
timeline strip of the rendered span (each person's voice and looks at the partner, mutual gaze,
the candidate moments) with a cursor at the frame's time. The measurements come from the analysis
(about 10 per second); a frame shows the nearest measurement of each person not more than one
analysis step away, so the overlay is never more than half a step off the picture it describes.
Sound is kept: copied for normal speed, stretched without changing pitch for slow motion.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from ..errors import InputError
from ..io.audio import read_span
from ..io.encode import jpeg_bytes
from ..io.files import atomic_path
from ..io.video import VideoReader, probe
from .transcode import AUDIO_RATE, transcode
from ..time import clock, sample_step, sampled_runs

STRIP_LANE_PX = 16
COLOURS = {"P1": (66, 135, 245), "P2": (245, 130, 48), "P3": (60, 180, 75), "P4": (145, 30, 180)}
GAZE, HEAD, MUTUAL, VOICE, MOMENT = (255, 235, 59), (230, 230, 230), (0, 230, 118), (244, 67, 54), (255, 167, 38)


def _colour(pid: str) -> tuple[int, int, int]:
    return COLOURS.get(pid, (200, 200, 200))


@dataclass
class Overlay:
    """What is drawn, from an analysis (vigvision.load)."""

    persons: list[dict]
    rows: dict[str, dict[str, np.ndarray]]     # person -> column -> values, sorted by time
    speech: list[dict]
    mutual: list[tuple[float, float]]
    moments: list[dict]
    step_s: float
    scale: float                               # analysed pixels -> display pixels

    @classmethod
    def from_analysis(cls, analysis) -> "Overlay":
        sig = analysis.signals()
        scale = analysis.display_scale()
        rows = {}
        for pid, g in sig.sort_values("time_s").groupby("person"):
            rows[pid] = {c: g[c].to_numpy() for c in ("time_s", "face_x", "face_y", "face_w", "face_h", "yaw_deg",
                                                      "pitch_deg", "gaze_yaw_deg", "gaze_pitch_deg", "gaze_target")}
        return cls(analysis.persons, rows, analysis.speech, [(m["start"], m["end"]) for m in analysis.mutual_gaze],
                   analysis.moments, 1.0 / float(analysis.config["ingest"]["analysis_fps"]), scale)

    def at(self, pid: str, t: float) -> dict | None:
        r = self.rows.get(pid)
        if r is None or not len(r["time_s"]):
            return None
        k = int(np.clip(np.searchsorted(r["time_s"], t), 1, len(r["time_s"]) - 1)) if len(r["time_s"]) > 1 else 0
        k = k if len(r["time_s"]) == 1 or abs(r["time_s"][k] - t) < abs(r["time_s"][k - 1] - t) else k - 1
        if abs(r["time_s"][k] - t) > self.step_s * 1.01:
            return None
        return {c: r[c][k] for c in r}

    def speaking(self, pid: str, t: float) -> bool:
        return any(s.get("person") == pid and s["start"] <= t < s["end"] for s in self.speech)

    def mutual_at(self, t: float) -> bool:
        return any(a <= t < b for a, b in self.mutual)


def _arrow(img, centre, yaw, pitch, length, colour, thickness):
    if not (np.isfinite(yaw) and np.isfinite(pitch)):
        return
    dx = np.sin(np.radians(yaw)) * np.cos(np.radians(pitch))
    dy = -np.sin(np.radians(pitch))
    end = (int(centre[0] + dx * length), int(centre[1] + dy * length))
    cv2.arrowedLine(img, (int(centre[0]), int(centre[1])), end, colour, thickness, cv2.LINE_AA, tipLength=0.25)


def draw_frame(image: np.ndarray, ov: Overlay, t: float) -> np.ndarray:
    """The overlay for time ``t`` drawn on a copy of an RGB frame."""
    img = image.copy()
    h = img.shape[0]
    th = max(1, round(h / 360))
    mutual = ov.mutual_at(t)
    for p in ov.persons:
        pid = p["id"]
        row = ov.at(pid, t)
        if row is None or not np.isfinite(row["face_x"]):
            continue
        s = ov.scale
        x, y, w, hh = row["face_x"] * s, row["face_y"] * s, row["face_w"] * s, row["face_h"] * s
        colour = MUTUAL if mutual else _colour(pid)
        cv2.rectangle(img, (int(x), int(y)), (int(x + w), int(y + hh)), colour, th * (3 if mutual else 2), cv2.LINE_AA)
        centre = (x + w / 2, y + hh * 0.45)
        _arrow(img, centre, row["yaw_deg"], row["pitch_deg"], w * 0.9, HEAD, th)
        _arrow(img, centre, row["gaze_yaw_deg"], row["gaze_pitch_deg"], w * 1.6, GAZE, th * 2)
        label = f"{pid} {p['role']}" + (f" > {row['gaze_target']}" if row.get("gaze_target") else "")
        _text(img, label, (int(x), int(max(12 * th, y - 6 * th))), colour, th)
        if ov.speaking(pid, t):
            _text(img, "speaking", (int(x), int(y + hh + 16 * th)), VOICE, th)
    if mutual:
        _text(img, "mutual gaze", (10 * th, 24 * th), MUTUAL, th, scale=0.8)
    _text(img, clock(t), (img.shape[1] - 90 * th, 24 * th), (255, 255, 255), th)
    return img


def _text(img, text, org, colour, th, scale=0.55):
    cv2.putText(img, text, org, cv2.FONT_HERSHEY_SIMPLEX, scale * th, (0, 0, 0), 3 * th, cv2.LINE_AA)
    cv2.putText(img, text, org, cv2.FONT_HERSHEY_SIMPLEX, scale * th, colour, th, cv2.LINE_AA)


def strip_lanes(ov: Overlay) -> list[tuple[str, list[tuple[float, float]], tuple[int, int, int]]]:
    """The strip's lanes: (name, spans, colour), per person their voice and their looks at a partner
    (only where measured), then mutual gaze and the candidate moments."""
    lanes = []
    for p in ov.persons:
        pid = p["id"]
        lanes.append((f"{pid} voice", [(s["start"], s["end"]) for s in ov.speech if s.get("person") == pid], VOICE))
        r = ov.rows.get(pid)
        looks = []
        if r is not None:  # only what was measured: a stretch where the face was not seen stays blank
            at_partner = np.isin(r["gaze_target"].astype(str), [q["id"] for q in ov.persons if q["id"] != pid])
            looks = sampled_runs(r["time_s"], at_partner, sample_step(r["time_s"], ov.step_s)).to_list()
        lanes.append((f"{pid} looks", looks, GAZE))
    lanes.append(("mutual", ov.mutual, MUTUAL))
    lanes.append(("moments", [(m["start"], m["end"]) for m in ov.moments], MOMENT))
    return lanes


def strip(ov: Overlay, width: int, start: float, end: float) -> tuple[np.ndarray, callable]:
    """The timeline strip of [start, end) and a function drawing the cursor at t on a copy of it."""
    lanes = strip_lanes(ov)
    label_w = 90
    img = np.full((STRIP_LANE_PX * len(lanes) + 4, width, 3), 28, np.uint8)
    span = max(end - start, 1e-6)
    to_x = lambda t: int(label_w + (min(max(t, start), end) - start) / span * (width - label_w - 4))  # noqa: E731
    for i, (name, spans, colour) in enumerate(lanes):
        y0 = 2 + i * STRIP_LANE_PX
        cv2.putText(img, name, (4, y0 + 12), cv2.FONT_HERSHEY_SIMPLEX, 0.4, (220, 220, 220), 1, cv2.LINE_AA)
        for a, b in spans:
            if b > start and a < end:
                cv2.rectangle(img, (to_x(a), y0 + 2), (max(to_x(b), to_x(a) + 1), y0 + STRIP_LANE_PX - 3), colour, -1)

    def at(t: float) -> np.ndarray:
        out = img.copy()
        cv2.line(out, (to_x(t), 0), (to_x(t), out.shape[0]), (255, 255, 255), 2)
        return out
    return img, at


def render(analysis, out: str | Path, *, start: float, end: float, slow: float = 1.0,
           video: str | Path | None = None) -> dict:
    """Write the overlay video of [start, end) to ``out`` (MP4); returns {'path', 'frames', 'duration_s'}."""
    video = analysis.source_video(video)
    info = probe(video)
    end = min(end, info.duration_s)
    if not end > start:
        raise InputError(f"render: nothing between {start:.2f} and {end:.2f} s")
    if slow < 1:
        raise InputError(f"render: slow-motion factor must be 1 or more (got {slow})")
    ov = Overlay.from_analysis(analysis)
    w, h = info.width - info.width % 2, info.height - info.height % 2
    strip_img, cursor = strip(ov, w, start, end)
    out_h = h + strip_img.shape[0] + strip_img.shape[0] % 2

    def sound(t0: float) -> np.ndarray | None:
        audio = read_span(video, t0, end, sample_rate=AUDIO_RATE) if info.has_audio else None
        if audio is not None and slow != 1.0 and len(audio) > 2048:   # slowed, at its own pitch
            import librosa

            audio = librosa.effects.time_stretch(audio, rate=1.0 / slow).astype(np.float32)
        return audio

    def draw(frame) -> np.ndarray:
        canvas = np.zeros((out_h, w, 3), np.uint8)
        canvas[:h] = draw_frame(frame.image[:h, :w], ov, frame.time_s)
        canvas[h:h + strip_img.shape[0]] = cursor(frame.time_s)
        return canvas

    done = transcode(video, out, info, start=start, end=end, slow=slow, draw=draw, sound=sound)
    return {"path": str(out), "frames": done.frames, "duration_s": round((end - done.first_s) * slow, 3)}


def key_instants(analysis, moment: dict) -> list[tuple[float, str]]:
    """The instants of a moment a trainer would pause on, with a caption each: the child's initiative,
    the adult's response, and the eye contact (the middle of the longest mutual gaze) or the keyframe."""
    from ..moments.registry import pair_cues
    from ..moments.interaction import from_analysis

    ix, cfg = from_analysis(analysis)
    adult, child = moment["persons"]
    cues = pair_cues(ix, adult, child, cfg)
    out = []
    for e in cues["initiative_received"].events:
        if moment["start"] <= e["at"] < moment["end"]:
            out.append((e["at"], f"{child} {e.get('initiative', 'initiative')}"))
            answer = f"{adult} {e.get('response', 'responds')} after {e['latency_s']:.1f} s"
            out.append((e["at"] + e["latency_s"], answer))
            break
    gaze = [(a, b) for a, b in ((m["start"], m["end"]) for m in analysis.mutual_gaze)
            if b > moment["start"] and a < moment["end"]]
    if gaze:
        a, b = max(gaze, key=lambda ab: min(ab[1], moment["end"]) - max(ab[0], moment["start"]))
        out.append(((max(a, moment["start"]) + min(b, moment["end"])) / 2, "eye contact"))
    if not out:
        out.append((moment.get("keyframe_s", (moment["start"] + moment["end"]) / 2), "key frame"))
    return sorted(out)


def write_stills(analysis, moment: dict, folder: str | Path, *, video: str | Path | None = None) -> list[Path]:
    """Captioned overlay stills of a moment's key instants, as JPEGs in ``folder``."""
    video = analysis.source_video(video)
    ov = Overlay.from_analysis(analysis)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for t, caption in key_instants(analysis, moment):
        with VideoReader(video, start_s=max(0.0, t), end_s=t + 1.0) as reader:
            frame = next(iter(reader), None)
        if frame is None:
            continue
        img = draw_frame(frame.image, ov, frame.time_s)
        th = max(1, round(img.shape[0] / 360))
        bar = np.zeros((28 * th, img.shape[1], 3), np.uint8)
        _text(bar, f"{clock(frame.time_s)}  {caption}", (8 * th, 20 * th), (255, 255, 255), th, scale=0.6)
        target = folder / f"{moment['id']}_{frame.time_s:07.2f}s.jpg"
        with atomic_path(target) as tmp:
            tmp.write_bytes(jpeg_bytes(np.vstack([img, bar]), quality=95))
        written.append(target)
    return written
