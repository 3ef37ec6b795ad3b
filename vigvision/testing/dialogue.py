"""Generated dialogues with exactly known truth, for tests and the voice benchmark.

Two espeak-ng voices take turns with varied gaps (0.1-3 s), overlaps, short
back-channels spoken during the other's turn ("mm", "yeah") and long silences;
room noise is added at a chosen SNR. The truth is measured on the generated
audio (each utterance's extent after trimming), not taken from the script.

    >>> d = make_dialogue("man-child", seed=1)               # doctest: +SKIP
    >>> noisy = d.noisy(snr_db=10)                            # doctest: +SKIP
    >>> write_dialogue_video(d, "dialogue.mp4", snr_db=10)    # doctest: +SKIP

Speaker 0 is the left face of the video (the adult's), speaker 1 the right one.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..sample import RATE, Utterance, _speak, espeak_available, write_scene_video
from ..time import Intervals

# espeak-ng voices and their measured median F0 (YIN, on a test sentence)
VOICES: dict[str, list[str]] = {
    "man": ["-v", "en-us+m3", "-p", "35", "-s", "150"],         # ~90 Hz
    "woman": ["-v", "en-us+f2", "-p", "35", "-s", "150"],       # ~160 Hz
    "woman_high": ["-v", "en-us+f2", "-p", "60", "-s", "155"],  # ~205 Hz
    "girl": ["-v", "en-us+f5", "-p", "70", "-s", "160"],        # ~245 Hz
    "child": ["-v", "en-us+f4", "-p", "95", "-s", "165"],       # ~285 Hz
    "infant": [],  # not espeak: generated babble, squeals and laughs (see infant_vocalisation), 350-1000 Hz
}
# (speaker 0 = adult, speaker 1 = child): well separated, and a pair close in pitch
PAIRS: dict[str, tuple[str, str]] = {
    "man-child": ("man", "child"),
    "woman-child": ("woman", "child"),
    "close": ("woman_high", "girl"),
    "woman-infant": ("woman", "infant"),
}

_ADULT_LINES = [
    "What have you got there", "Shall we build a tower", "Oh that is a big one", "Where did the ball go",
    "Can you show me the red one", "Look at the little duck", "Well done, you did it", "Is it time for a song",
    "What does the cow say", "You are such a good helper", "Shall we count them together", "I can see you",
    "That was so funny", "Do you want another one", "Gently now, gently", "Where is teddy hiding",
]
_CHILD_LINES = [
    "A red car", "Me do it", "Look at me", "Again again", "The duck is swimming", "Moo", "Up high",
    "I want the blue one", "Teddy is sleeping", "One two three", "Ball gone", "My turn now", "Peekaboo",
    "It goes really fast", "Yummy", "Big tower",
]
_BACKCHANNELS = ["Mm", "Yeah", "Uh huh", "Oh"]
_INFANT_SOUNDS = ["babble", "squeal", "laugh", "coo"]


def _harmonic(f0: np.ndarray, formants: tuple[float, ...], rng, breath: float = 0.05) -> np.ndarray:
    """A voiced sound with the pitch contour ``f0`` (Hz per sample): harmonics up to 5 kHz shaped by
    formant resonances, plus a little breath noise."""
    phase = 2 * np.pi * np.cumsum(f0) / RATE
    out = np.zeros(len(f0))
    top = int(5000 / max(f0.min(), 50))
    for k in range(1, top + 1):
        fk = k * f0
        gain = sum(1.0 / (1.0 + ((fk - fm) / (0.12 * fm)) ** 2) for fm in formants) / k ** 0.5
        out += np.where(fk < 5000, gain, 0.0) * np.sin(k * phase)
    out += breath * rng.standard_normal(len(f0)) * np.abs(out).max()
    return out


def infant_vocalisation(kind: str, rng) -> np.ndarray:
    """A synthetic infant sound: babble ("ba-ba-ba"), a rising squeal, a laugh ("ha-ha-ha") or a coo.

    Pitch 350-1000 Hz, as infants' vocalisations are; silero VAD, trained on speech, is weak on these.
    """
    def syllables(n, dur, gap, f_lo, f_hi, formants):
        parts = []
        for _ in range(n):
            m = int(dur * RATE)
            f0 = np.linspace(rng.uniform(f_lo, f_hi), rng.uniform(f_lo, f_hi), m)
            env = np.sin(np.linspace(0, np.pi, m)) ** 0.6
            parts += [_harmonic(f0, formants, rng) * env, np.zeros(int(gap * RATE))]
        return np.concatenate(parts[:-1])

    if kind == "babble":
        x = syllables(int(rng.integers(3, 6)), 0.18, 0.07, 330, 450, (900, 2600))
    elif kind == "squeal":
        m = int(rng.uniform(0.4, 0.8) * RATE)
        f0 = np.linspace(rng.uniform(550, 700), rng.uniform(850, 1000), m)
        x = _harmonic(f0, (1200, 3000), rng) * np.sin(np.linspace(0, np.pi, m)) ** 0.4
    elif kind == "laugh":
        x = syllables(int(rng.integers(3, 6)), 0.12, 0.09, 420, 560, (1000, 2800))
    else:  # coo: a soft, long vowel
        m = int(rng.uniform(0.5, 0.9) * RATE)
        f0 = 380 + 40 * np.sin(np.linspace(0, np.pi, m))
        x = _harmonic(f0, (700, 1800), rng) * np.sin(np.linspace(0, np.pi, m)) ** 0.5
    return (0.3 * x / (np.abs(x).max() + 1e-9)).astype(np.float32)


@dataclass(frozen=True)
class Segment:
    speaker: int        # 0 or 1
    start: float
    end: float
    text: str
    kind: str = "turn"  # "turn" or "backchannel"


@dataclass
class Dialogue:
    """Clean audio (16 kHz mono) and its truth."""

    audio: np.ndarray
    segments: list[Segment]
    voices: tuple[str, ...]     # speaker 0, 1 (the two faces) and, if any, 2 (off-screen: no face)
    seed: int
    sample_rate: int = RATE
    _noise: dict = field(default_factory=dict, repr=False)

    @property
    def duration_s(self) -> float:
        return len(self.audio) / self.sample_rate

    def vocal(self, speaker: int | None = None) -> Intervals:
        """Where someone (or one speaker) is vocalising."""
        return Intervals([(s.start, s.end) for s in self.segments if speaker is None or s.speaker == speaker])

    def noisy(self, snr_db: float | None) -> np.ndarray:
        """The audio with room noise at ``snr_db`` below the speech power (None: clean)."""
        if snr_db is None:
            return self.audio
        mask = self.vocal().to_mask(np.arange(len(self.audio)) / self.sample_rate)
        speech_power = float(np.mean(self.audio[mask] ** 2)) if mask.any() else 1e-4
        noise = room_noise(len(self.audio), self.sample_rate, seed=self.seed + 1000)
        noise *= np.sqrt(speech_power / 10 ** (snr_db / 10) / np.mean(noise ** 2))
        return np.clip(self.audio + noise, -1, 1).astype(np.float32)


def room_noise(n: int, sample_rate: int, *, seed: int) -> np.ndarray:
    """Pink-ish noise (1/f spectrum) plus a faint mains hum: a quiet room."""
    rng = np.random.default_rng(seed)
    spec = np.fft.rfft(rng.standard_normal(n))
    f = np.fft.rfftfreq(n, 1 / sample_rate)
    spec /= np.sqrt(np.maximum(f, 20.0))
    pink = np.fft.irfft(spec, n)
    pink /= pink.std() + 1e-12
    t = np.arange(n) / sample_rate
    hum = 0.1 * np.sin(2 * np.pi * 50 * t) + 0.05 * np.sin(2 * np.pi * 150 * t)
    return (pink + hum).astype(np.float32)


def make_dialogue(pair: str = "man-child", *, seed: int = 0, turns: int = 16, level: float = 0.5,
                  off_screen: str | None = None) -> Dialogue:
    """Speak a random dialogue of ``turns`` turns with the voices of ``pair`` (see PAIRS). ``off_screen``: a
    third voice (a name of VOICES) that says a line after every fourth turn: speaker 2, who has no face in
    :func:`write_dialogue_video`."""
    if not espeak_available():
        raise RuntimeError("espeak-ng is needed to generate dialogues (Debian package espeak-ng)")
    voices = PAIRS[pair] + ((off_screen,) if off_screen else ())
    rng = np.random.default_rng(seed)
    pieces: list[tuple[float, np.ndarray, Segment]] = []
    t = 0.8
    speaker = int(rng.integers(2))
    prev: Segment | None = None
    for k in range(turns):
        lines = _ADULT_LINES if speaker == 0 else _CHILD_LINES
        if voices[speaker] == "infant":
            text = _INFANT_SOUNDS[int(rng.integers(len(_INFANT_SOUNDS)))]
            clip = infant_vocalisation(text, rng)
        else:
            text = lines[int(rng.integers(len(lines)))]
            clip = _speak(text, VOICES[voices[speaker]])
        r = rng.random()
        if prev is not None and r < 0.12:
            gap = -float(rng.uniform(0.3, 0.7))              # starts before the other finishes
        elif r < 0.22:
            gap = float(rng.uniform(3.5, 5.0))                # a long silence: the next is an initiative
        else:
            gap = float(rng.choice([0.1, 0.2, 0.35, 0.5, 0.8, 1.2, 1.8, 2.5, 3.0]))
        start = max(0.0, t + gap)
        seg = Segment(speaker, round(start, 4), round(start + len(clip) / RATE, 4), text)
        pieces.append((start, clip, seg))
        # a back-channel from the listener in the middle of a long turn
        if seg.end - seg.start > 1.2 and rng.random() < 0.35 and voices[1 - speaker] != "infant":
            bc = _speak(_BACKCHANNELS[int(rng.integers(len(_BACKCHANNELS)))], VOICES[voices[1 - speaker]])
            b0 = start + 0.45 * (seg.end - seg.start)
            pieces.append((b0, bc, Segment(1 - speaker, round(b0, 4), round(b0 + len(bc) / RATE, 4),
                                           "backchannel", "backchannel")))
        t = max(t, seg.end)
        prev = seg
        if off_screen and k % 4 == 3:
            text = _ADULT_LINES[int(rng.integers(len(_ADULT_LINES)))]
            clip = _speak(text, VOICES[off_screen])
            start = t + float(rng.uniform(0.6, 1.2))
            extra = Segment(2, round(start, 4), round(start + len(clip) / RATE, 4), text)
            pieces.append((start, clip, extra))
            t = extra.end
        speaker = 1 - speaker
    total = t + 1.0
    audio = np.zeros(int(np.ceil(total * RATE)), np.float32)
    for start, clip, _ in pieces:
        i = int(round(start * RATE))
        audio[i:i + len(clip)] += clip
    peak = float(np.max(np.abs(audio))) or 1.0
    segments = sorted((s for _, _, s in pieces), key=lambda s: s.start)
    return Dialogue((audio * (level / peak)).astype(np.float32), segments, voices, seed)


def write_dialogue_video(dialogue: Dialogue, path: str | Path, *, snr_db: float | None = None,
                         still: bool = False) -> Path:
    """The dialogue muxed into the two-face scene of the sample (left face = speaker 0), each face's mouth
    opening with its own speaker's voice; ``still``: mouths that never move (a still picture with a
    dialogue track: only the voices can tell who speaks). An off-screen speaker (2) moves no mouth."""
    utterances = [] if still else [Utterance("adult" if s.speaker == 0 else "child", s.text, s.start, s.end)
                                   for s in dialogue.segments if s.speaker in (0, 1)]
    return write_scene_video(Path(path), dialogue.noisy(snr_db), utterances)
