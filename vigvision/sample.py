"""The embedded sample: a ~30 s two-person clip with a dialogue and known truth.

Everything it is made of ships inside installed wheels or this package: the
faces are ``matplotlib``'s ``grace_hopper.jpg`` (the adult, left) and
``skimage.data.astronaut()`` (standing in for the child, right, smaller and
lower); the voices are spoken by espeak-ng when it is installed, otherwise
read from ``vigvision/data/sample_dialogue.flac``, which this module wrote
with espeak-ng (``python -m vigvision.sample --write-fallback``).

Beside the video, ``<name>.truth.json`` records what was put in: who speaks
when (measured on the generated audio), each person's face box, and the
layout, so tests and benchmarks can score the analysis against it.
"""
from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
import wave
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

from .errors import InputError
from .io.files import atomic_path, write_json

RATE = 16000
WIDTH, HEIGHT, FPS = 960, 540, 25

# (speaker, text, gap before this line in seconds; negative = overlap with the previous line)
SCRIPT: list[tuple[str, str, float]] = [
    ("adult", "Hello sweetheart. What have you got there?", 0.8),
    ("child", "A red car!", 0.7),
    ("adult", "A red car. Wow, it is very shiny.", 0.5),
    ("child", "It goes really fast. Look!", 0.9),
    ("adult", "Yes!", -0.25),
    ("child", "Brrrm brrrm.", 1.2),
    ("adult", "Where is it going?", 0.6),
    ("child", "To the shop, to get some ice cream.", 0.8),
    ("adult", "Mm.", 0.3),
    ("adult", "Ice cream. What flavour would you like?", 1.0),
    ("child", "Chocolate. And strawberry.", 0.7),
    ("adult", "Both of them? That sounds lovely.", 0.5),
    ("child", "You can have one too.", 2.5),
    ("adult", "Thank you. That is very kind of you.", 0.6),
]

VOICES = {
    "adult": ["-v", "en-us+f2", "-p", "35", "-s", "150"],
    "child": ["-v", "en-us+f4", "-p", "95", "-s", "165"],
}

# Where each face goes: source crop (y0, y1, x0, x1), scale, top-left in the scene,
# and the mouth centre inside the source image (x, y).
LAYOUT = {
    "adult": {"id": "P1", "crop": (20, 400, 120, 400), "scale": 0.75, "at": (150, 110), "mouth": (262, 286),
              "face": (160, 120, 360, 345)},
    "child": {"id": "P2", "crop": (0, 260, 110, 340), "scale": 0.9, "at": (590, 210), "mouth": (222, 146),
              "face": (170, 60, 280, 190)},
}


@dataclass(frozen=True)
class Utterance:
    speaker: str
    text: str
    start: float
    end: float


def espeak_available() -> bool:
    return shutil.which("espeak-ng") is not None


def _speak(text: str, voice: list[str]) -> np.ndarray:
    """One utterance from espeak-ng, trimmed to its voiced extent, at 16 kHz."""
    from scipy.signal import resample_poly

    proc = subprocess.run(["espeak-ng", *voice, "--stdout", text], capture_output=True, check=True)
    with wave.open(io.BytesIO(proc.stdout)) as w:
        rate = w.getframerate()
        x = np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16).astype(np.float32) / 32768.0
    x = resample_poly(x, RATE, rate).astype(np.float32)
    loud = np.flatnonzero(np.abs(x) > 0.02)
    return x[loud[0]:loud[-1] + 1] if loud.size else x


def synthesise_dialogue() -> tuple[np.ndarray, list[Utterance]]:
    """Speak SCRIPT with espeak-ng; returns 16 kHz mono audio and the truth."""
    pieces, truth = [], []
    t = 0.0
    for speaker, text, gap in SCRIPT:
        clip = _speak(text, VOICES[speaker])
        start = max(0.0, t + gap)
        truth.append(Utterance(speaker, text, round(start, 4), round(start + len(clip) / RATE, 4)))
        pieces.append((start, clip))
        t = max(t, start + len(clip) / RATE)
    total = t + 1.0
    audio = np.zeros(int(total * RATE), np.float32)
    for start, clip in pieces:
        i = int(round(start * RATE))
        audio[i:i + len(clip)] += clip
    return np.clip(audio * 0.8, -1, 1), truth


def _fallback_paths():
    base = resources.files("vigvision.data")
    return base.joinpath("sample_dialogue.flac"), base.joinpath("sample_dialogue.json")


def load_dialogue() -> tuple[np.ndarray, list[Utterance], str]:
    """The dialogue from espeak-ng if installed, else the committed recording of it."""
    if espeak_available():
        audio, truth = synthesise_dialogue()
        return audio, truth, "espeak-ng"
    from .io.audio import load_audio

    flac, meta = _fallback_paths()
    with resources.as_file(flac) as path:
        audio = load_audio(path, sample_rate=RATE)
    truth = [Utterance(**u) for u in json.loads(meta.read_text())["utterances"]]
    return audio.samples, truth, "committed recording (espeak-ng not installed)"


def _faces():
    from .testing.faces import portrait

    return {"adult": portrait("grace_hopper"), "child": portrait("astronaut")}


def _envelope(audio: np.ndarray, utterances: list[Utterance], speaker: str, times: np.ndarray) -> np.ndarray:
    """Per-frame mouth opening 0..1 for one speaker: their own speech's loudness."""
    own = np.zeros_like(audio)
    for u in utterances:
        if u.speaker == speaker:
            i0, i1 = int(u.start * RATE), int(u.end * RATE)
            own[i0:i1] = audio[i0:i1]
    win = int(0.04 * RATE)
    out = np.zeros(len(times))
    for k, t in enumerate(times):
        i = int(t * RATE)
        seg = own[max(0, i - win // 2): i + win // 2]
        out[k] = np.sqrt(np.mean(seg ** 2)) if seg.size else 0.0
    peak = np.percentile(out[out > 0], 95) if (out > 0).any() else 1.0
    return np.clip(out / peak, 0, 1)


def render_frames(audio: np.ndarray, utterances: list[Utterance], n_frames: int):
    """Yield (time, (HEIGHT, WIDTH, 3) uint8 RGB frame) for the scene."""
    import cv2

    faces = _faces()
    times = np.arange(n_frames) / FPS
    mouth = {s: _envelope(audio, utterances, s, times) for s in LAYOUT}
    yy, xx = np.mgrid[0:HEIGHT, 0:WIDTH]
    background = np.stack([200 - yy * 0.08, 190 - yy * 0.1 + xx * 0.01, 170 - yy * 0.12], -1).clip(0, 255)
    background = background.astype(np.uint8)
    cutouts = {}
    for s, lay in LAYOUT.items():
        y0, y1, x0, x1 = lay["crop"]
        crop = faces[s][y0:y1, x0:x1]
        cutouts[s] = cv2.resize(crop, None, fx=lay["scale"], fy=lay["scale"], interpolation=cv2.INTER_AREA)
    for k, t in enumerate(times):
        frame = background.copy()
        for j, (s, lay) in enumerate(LAYOUT.items()):
            img = cutouts[s].copy()
            y0, _, x0, _ = lay["crop"]
            sc = lay["scale"]
            mx, my = (lay["mouth"][0] - x0) * sc, (lay["mouth"][1] - y0) * sc
            fw = (lay["face"][2] - lay["face"][0]) * sc
            open_ = mouth[s][k]
            if open_ > 0.05:
                cv2.ellipse(img, (int(mx), int(my)), (int(fw * 0.13), max(1, int(fw * 0.09 * open_))), 0, 0, 360,
                            (70, 20, 25), -1, lineType=cv2.LINE_AA)
            dx = int(round(6 * np.sin(2 * np.pi * (0.13 + 0.05 * j) * t + j)))
            dy = int(round(4 * np.sin(2 * np.pi * (0.21 + 0.04 * j) * t)))
            ax, ay = lay["at"][0] + dx, lay["at"][1] + dy
            h, w = img.shape[:2]
            frame[ay:ay + h, ax:ax + w] = img
        yield float(t), frame


def face_boxes() -> dict[str, list[float]]:
    """Each person's face box (x, y, w, h) in the scene at rest (heads bob by up to 6 px)."""
    out = {}
    for s, lay in LAYOUT.items():
        y0, _, x0, _ = lay["crop"]
        sc = lay["scale"]
        fx0, fy0, fx1, fy1 = lay["face"]
        out[lay["id"]] = [lay["at"][0] + (fx0 - x0) * sc, lay["at"][1] + (fy0 - y0) * sc,
                          (fx1 - fx0) * sc, (fy1 - fy0) * sc]
    return out


def write_scene_video(out: Path, audio: np.ndarray, utterances: list[Utterance]) -> Path:
    """The two-face scene with ``audio`` (16 kHz mono) as its sound track, written atomically."""
    from .io.encode import VideoWriter

    n_frames = int(len(audio) / RATE * FPS)
    with atomic_path(out) as tmp:
        with VideoWriter(tmp, WIDTH, HEIGHT, fps=FPS, audio_rate=RATE, gop=2 * FPS) as w:
            per_frame = RATE // FPS
            for k, (t, frame) in enumerate(render_frames(audio, utterances, n_frames)):
                w.write_frame(frame, t)
                w.write_audio(audio[k * per_frame:(k + 1) * per_frame])
    return out


def make_sample(output: str | Path = "sample.mp4") -> Path:
    """Write the sample video and its ``.truth.json``; returns the video path."""
    out = Path(output)
    if out.suffix.lower() not in (".mp4", ".mov", ".mkv"):
        raise InputError(f"{out}: the sample is written as .mp4, .mov or .mkv")
    audio, utterances, source = load_dialogue()
    write_scene_video(out, audio, utterances)
    n_frames = int(len(audio) / RATE * FPS)
    ids = {s: lay["id"] for s, lay in LAYOUT.items()}
    boxes = face_boxes()
    write_json(out.with_name(out.stem + ".truth.json"), {
        "video": out.name,
        "audio_source": source,
        "duration_s": round(n_frames / FPS, 4),
        "persons": [{"id": ids[s], "role": s, "side": "left" if s == "adult" else "right",
                     "face_box_xywh": [round(v, 1) for v in boxes[ids[s]]]} for s in LAYOUT],
        "speech": [{"start": u.start, "end": u.end, "person": ids[u.speaker], "role": u.speaker, "text": u.text}
                   for u in utterances],
    })
    return out


def write_fallback() -> None:  # pragma: no cover - developer tool, needs espeak-ng
    """Regenerate the committed dialogue recording with espeak-ng."""
    import av

    audio, truth = synthesise_dialogue()
    flac, meta = _fallback_paths()
    with resources.as_file(flac) as path:
        with av.open(str(path), "w") as c:
            s = c.add_stream("flac", rate=RATE)
            s.layout = "mono"
            pcm = (np.clip(audio, -1, 1) * 32767).astype(np.int16).reshape(1, -1)
            frame = av.AudioFrame.from_ndarray(pcm, format="s16", layout="mono")
            frame.sample_rate = RATE
            for p in s.encode(frame):
                c.mux(p)
            for p in s.encode(None):
                c.mux(p)
    with resources.as_file(meta) as path:
        path.write_text(json.dumps({"made_by": "python -m vigvision.sample --write-fallback (espeak-ng)",
                                    "utterances": [u.__dict__ for u in truth]}, indent=1) + "\n")


if __name__ == "__main__":  # pragma: no cover
    if "--write-fallback" in sys.argv:
        write_fallback()
    else:
        print(make_sample(sys.argv[1] if len(sys.argv) > 1 else "sample.mp4"))
