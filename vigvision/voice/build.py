"""The voice stage and what follows it.

    audio --(cached stage: one pass)--> frame features + silero probabilities
          --vocal_frames--> vocal activity (10 ms)
          --find_voices--> voices (V1, V2, ...; lowest pitch first)
          --mouth_scores + attribute_voices--> voice -> person, or off-screen (mouth, voice type
            against role, the pair's pitches, together)
          = Speakers (speech segments, voices)
          --take_turns--> turns, metrics.turn_taking

Everything after the cached pass is cheap, so changing a voice or turn setting
re-runs in a moment without decoding or running silero again.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..config import Config
from ..io.audio import Audio
from ..io.files import save_npz
from ..records import Person, Segments
from .features import VoiceFeatures, extract
from .attribution import attribute_voices
from .speakers import Voices, find_voices, mouth_scores
from .turns import turn_taking
from .embedding import embed_windows
from .vad import SILERO_RATE, Silero, level_gain, noise_floor_db, silero_on_grid, vocal_frames


@dataclass
class VoicePass:
    """Cached output of the voice stage."""

    features: VoiceFeatures
    silero: np.ndarray   # speech probability per 32 ms window
    gain: float          # level normalisation applied before silero and the encoder
    embed_starts: np.ndarray   # first 10 ms frame of each 1 s embedding window
    embeddings: np.ndarray     # (windows, 256) speaker embeddings, float16

    def save(self, folder: Path) -> None:
        save_npz(folder / "voice.npz", silero=self.silero, gain=np.float64(self.gain),
                 embed_starts=self.embed_starts, embeddings=self.embeddings, **self.features.to_arrays())

    @classmethod
    def load(cls, folder: Path) -> "VoicePass | None":
        path = folder / "voice.npz"
        if not path.is_file():
            return None
        with np.load(path) as z:
            feats = VoiceFeatures.from_arrays(z)
            return cls(feats, z["silero"], float(z["gain"]), z["embed_starts"], z["embeddings"])


def run_pass(audio: Audio) -> VoicePass:
    features = extract(audio.samples, audio.sample_rate)
    gain = level_gain(features)
    samples = audio.samples
    if audio.sample_rate != SILERO_RATE:  # silero and the voice encoder are for 16 kHz
        from scipy.signal import resample_poly

        samples = resample_poly(np.asarray(samples, np.float32), SILERO_RATE, audio.sample_rate)
    probs = Silero()(samples, gain)
    # embeddings only where there is sound to speak of (any setting of the VAD could call it vocal)
    sound = (features.band_db > noise_floor_db(features) + 3.0) | (silero_on_grid(features, probs) > 0.2)
    starts, emb = embed_windows(samples, gain, sound)
    return VoicePass(features, probs, gain, starts, emb)


@dataclass
class Speakers:
    """Who spoke when: speech segments given to persons (or to a voice no face was matched to), and
    each voice with its pitch and how well each person's mouth followed it."""

    speech: Segments
    voices: list[dict]

    def f0_by_person(self) -> dict[str, float]:
        """Each person's voice pitch: of the voice heard longest where they were given two."""
        out: dict[str, tuple[float, float]] = {}
        for v in self.voices:
            if v["person"] is not None and v["f0_median_hz"] is not None:
                if v["vocal_s"] > out.get(v["person"], (-1.0, 0.0))[0]:
                    out[v["person"]] = (v["vocal_s"], v["f0_median_hz"])
        return {p: f0 for p, (_, f0) in out.items()}

    def to_dict(self) -> dict:
        return {"speech": self.speech.to_dict(), "voices": self.voices}

    @classmethod
    def from_dict(cls, data: dict) -> "Speakers":
        return cls(Segments.from_dict(data["speech"]), data["voices"])


@dataclass
class Turns:
    """Turns and back-channels, and metrics.turn_taking (with the voices under ``voices``)."""

    turns: Segments
    turn_taking: dict

    def to_dict(self) -> dict:
        return {"turns": self.turns.to_dict(), "turn_taking": self.turn_taking}

    @classmethod
    def from_dict(cls, data: dict) -> "Turns":
        return cls(Segments.from_dict(data["turns"]), data["turn_taking"])


def find_speech(voice: VoicePass, n_persons: int, config: Config) -> Voices:
    """Vocal activity split into voices, from the cached pass (no persons needed)."""
    vocal, _, _ = vocal_frames(voice.features, voice.silero, config.voice)
    return find_voices(voice.features, vocal, n_persons, config.voice, voice.embed_starts, voice.embeddings)


def attribute(voice: VoicePass, persons: list[Person], signals, config: Config) -> Speakers:
    """Voices found and each given to a person, or to nobody seen (off-screen), from the mouths, the
    voices' pitch against the persons' roles, and each other (:mod:`attribution`)."""
    ids = [p.id for p in persons]
    voices = find_speech(voice, len(ids), config)
    mouth = {}
    if len(signals):
        sig = signals.to_pandas() if hasattr(signals, "to_pandas") else signals
        for pid in ids:
            rows = sig[(sig.person == pid) & sig.mouth_open.notna()]
            mouth[pid] = (rows.time_s.to_numpy(), rows.mouth_open.to_numpy(dtype=float))
    scores = mouth_scores(voices, {pid: mouth.get(pid, (np.zeros(0), np.zeros(0))) for pid in ids})
    answers = attribute_voices([float(f) for f in voices.f0_median_hz], scores, [p.role for p in persons], ids,
                               config.voice.min_mouth_score)
    label = [f"V{v + 1}" for v in range(voices.count)]
    segs = voices.segments
    speech = Segments([s.start for s in segs], [s.end for s in segs],
                      {"person": [answers[s.voice].person for s in segs],
                       "voice": [label[s.voice] for s in segs],
                       "off_screen": [answers[s.voice].off_screen for s in segs],
                       "voice_type": [answers[s.voice].voice_type for s in segs],
                       "confidence": [answers[s.voice].confidence for s in segs]})
    voice_info = [{"id": label[v], "person": answers[v].person, "off_screen": answers[v].off_screen,
                   "voice_type": answers[v].voice_type, "confidence": answers[v].confidence,
                   "f0_median_hz": round(f, 1) if np.isfinite(f) else None,
                   "vocal_s": round(sum(s.end - s.start for s in segs if s.voice == v), 3),
                   "mouth_scores": {pid: round(float(scores[v, j]), 3) if np.isfinite(scores[v, j]) else None
                                    for j, pid in enumerate(ids)}}
                  for v, f in enumerate(voices.f0_median_hz)]
    return Speakers(speech, voice_info)


def take_turns(speakers: Speakers, roles: dict[str, str], duration_s: float, config: Config) -> Turns:
    """Turns, back-channels and metrics.turn_taking (with ``by_role``: child -> adult and adult -> child):
    a speaker is the person given the voice, or the voice itself where no face was matched to it (so those
    still take turns). ``roles``: person id -> role."""
    ids = set(roles)
    segments = [{"start": s["start"], "end": s["end"], "speaker": s["person"] or s["voice"]} for s in speakers.speech]
    turns, metrics = turn_taking(segments, duration_s, config.turns, roles)
    for t in turns:
        t["person"] = t["speaker"] if t["speaker"] in ids else None
    metrics["voices"] = speakers.voices
    return Turns(Segments.from_dict(turns), metrics)
