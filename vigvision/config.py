"""Analysis configuration: one dataclass per stage, one TOML file for the user.

``vigvision analyze --config my.toml`` reads a file with one table per
section; anything left out keeps its default, and an unknown key or a value
of the wrong type is an error that names it. The effective config is stored
in analysis.json, and each stage's cache key includes the hash of its section,
so changing one setting re-runs only the stages that depend on it.

Example ``my.toml``::

    [ingest]
    analysis_fps = 15
"""
from __future__ import annotations

import dataclasses
import hashlib
import math
import sys
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from .errors import ConfigError
from .io.files import sha256_json

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib



#: Where the app and the CLI keep a workspace's cases unless told otherwise.
DEFAULT_WORKSPACE = Path.home() / "vigvision-workspace"
#: Voices of an anonymised copy are lowered this far (semitones): enough not to be recognised at once.
ANONYMISED_PITCH = -3.0

@dataclass(frozen=True)
class IngestConfig:
    """How footage is read.

    analysis_fps: frames analysed per second of video (each carries its exact
        timestamp). 10 resolves gaze shifts to 0.1 s at a third of the cost of 30.
    max_side: downscale frames so the longer side is at most this many pixels
        before analysis; 0 keeps full resolution (small faces need pixels).
    sample_rate: audio is decoded to mono at this rate in Hz.
    """

    analysis_fps: float = 10.0
    max_side: int = 0
    sample_rate: int = 16000

    def validate(self) -> None:
        _check(0 < self.analysis_fps <= 120, "ingest.analysis_fps", self.analysis_fps, "a number in (0, 120]")
        _check(self.max_side == 0 or self.max_side >= 64, "ingest.max_side", self.max_side, "0 or at least 64")
        _check(self.sample_rate in (8000, 16000), "ingest.sample_rate", self.sample_rate, "8000 or 16000")


@dataclass(frozen=True)
class VisionConfig:
    """How persons are found, followed and measured.

    detect_every: run the full-range face detector every N analysed frames (and at
        once when a person is lost); between detections FaceMesh follows each face.
    scan_every_s: every this many seconds the detector also searches overlapping
        tiles of ``tile_px``, which finds faces down to ~6% of a tile's width (40 px
        in a 640 px tile); on the whole 1280 px frame it needs ~80 px.
    min_detection_score: detector confidence needed to start a person.
    min_face_px: ignore faces narrower than this (px in the analysed frame).
    max_persons: at most this many persons at once (classrooms: up to 6).
    max_gap_s: a person lost for longer is looked for again as a new tracklet
        (the offline merge still gives them their old id if they look alike).
    crop_size: each face is landmarked on a square crop resized to this many px.
    min_person_s: a person seen for less than this in all is dropped as a false detection.
    hfov_deg: camera's horizontal field of view (a typical phone or webcam: 60-70).
    pose_fps: where a person's face is lost (a profile, a head turned away), the body pose near where it
        was finds their head this many times a second (each look costs ~25-35 ms; 0: off). The head it
        finds keeps the person followed, within 1.5 face widths of where their face was last seen.
    adult_face_width_m / child_face_width_m: face widths (cheek to cheek) used to
        turn face size into distance from the camera (pinhole model).
    """

    detect_every: int = 3
    scan_every_s: float = 1.0
    tile_px: int = 640
    min_detection_score: float = 0.5
    min_face_px: float = 16.0
    max_persons: int = 6
    max_gap_s: float = 3.0
    crop_size: int = 256
    min_person_s: float = 1.0
    hfov_deg: float = 60.0
    pose_fps: float = 5.0
    adult_face_width_m: float = 0.14
    child_face_width_m: float = 0.11

    def validate(self) -> None:
        _check(self.detect_every >= 1, "vision.detect_every", self.detect_every, "at least 1")
        _check(self.scan_every_s > 0, "vision.scan_every_s", self.scan_every_s, "positive")
        _check(self.tile_px >= 192, "vision.tile_px", self.tile_px, "at least 192")
        _check(0 < self.min_detection_score < 1, "vision.min_detection_score", self.min_detection_score, "in (0, 1)")
        _check(1 <= self.max_persons <= 12, "vision.max_persons", self.max_persons, "between 1 and 12")
        _check(64 <= self.crop_size <= 512, "vision.crop_size", self.crop_size, "between 64 and 512")
        _check(20 <= self.hfov_deg <= 150, "vision.hfov_deg", self.hfov_deg, "between 20 and 150 degrees")
        _check(0 <= self.pose_fps <= 30, "vision.pose_fps", self.pose_fps, "between 0 and 30")
        _check(self.max_gap_s > 0 and self.min_person_s >= 0, "vision.max_gap_s", self.max_gap_s, "positive")


@dataclass(frozen=True)
class PersonsConfig:
    """Who is filmed, and how tracklets (the stretches one face was followed) become persons.

    cast: the people filmed, by role: ["adult", "child"] is the usual VIG shot; ["adult", "child", "child"] a
        parent with two children; a classroom lists its teacher and pupils. With a cast the analysis reports
        that many persons (the tracklets joined into that many identities, whatever their look), plus anyone
        else seen at the same time as all of them for at least extra_min_s, marked as not in the cast. Empty:
        the cast is not known; the number of people seen at once in most frames stands for it (joining only
        tracklets at least 0.4 alike), each person with how sure the joining was.
    extra_min_s: a person outside the cast (or past that number) must show their face this long to be
        reported (else: a false detection; time followed only by the body pose does not count).
    """

    cast: tuple[str, ...] = ()
    extra_min_s: float = 5.0

    def validate(self) -> None:
        _check(all(r in ("adult", "child") for r in self.cast), "persons.cast", list(self.cast),
               'a list of "adult" and "child", e.g. ["adult", "child"]')
        _check(len(self.cast) <= 12, "persons.cast", list(self.cast), "at most 12 people")
        _check(self.extra_min_s >= 0, "persons.extra_min_s", self.extra_min_s, "0 or more")


#: The gaze-target model vigvision ships (gaze.target_model = "learned"; card: models/gaze_target.md).
SHIPPED_GAZE_MODEL = Path(__file__).resolve().parent / "models" / "gaze_target.onnx"


@dataclass(frozen=True)
class GazeConfig:
    """How gaze directions become targets and episodes.

    target_model: "learned" (the model trained on labelled home footage, ``models/gaze_target.md``, reading
        head and gaze direction against where the partner is), "angles" (the hand-set angle rules below), or
        the path of an ONNX model of the same inputs and outputs (one you trained: ``models/train_gaze_target.py``).
    person_deg: gaze within this angle of the direction to another person's face
        counts as looking at that person.
    camera_deg: gaze within this angle of the direction to the camera counts as
        looking at the camera. (person_deg and camera_deg: the angle rules only.)
    switch_cost: hysteresis: how much evidence a change of target needs, so one noisy frame
        does not flip it (units: -2 ln p of the learned model; squared angle / tolerance for the
        angle rules, on the same scale).
    min_episode_s: gaze and mutual-gaze episodes shorter than this are dropped.
    bridge_gap_s: gaps up to this long inside an episode (blinks, lost frames) are bridged.
    close_m: faces nearer than this (estimated metres) count as close.
    """

    target_model: str = "learned"
    person_deg: float = 18.0
    camera_deg: float = 12.0
    switch_cost: float = 3.0
    min_episode_s: float = 0.3
    bridge_gap_s: float = 0.3
    close_m: float = 0.6

    def model_path(self) -> Path | None:
        """The ONNX model gaze targets are read with; None: the angle rules."""
        if self.target_model == "angles":
            return None
        return SHIPPED_GAZE_MODEL if self.target_model == "learned" else Path(self.target_model)

    def validate(self) -> None:
        _check(self.target_model in ("learned", "angles") or
               (self.target_model.endswith(".onnx") and Path(self.target_model).is_file()),
               "gaze.target_model", self.target_model, '"learned", "angles" or an existing .onnx file')
        defaults = GazeConfig()
        _check(self.target_model == "angles" or (self.person_deg, self.camera_deg) ==
               (defaults.person_deg, defaults.camera_deg), "gaze.target_model", self.target_model,
               '"angles" when gaze.person_deg or gaze.camera_deg is set (the learned model has no angle cones)')
        _check(0 < self.person_deg < 90, "gaze.person_deg", self.person_deg, "in (0, 90)")
        _check(0 < self.camera_deg < 90, "gaze.camera_deg", self.camera_deg, "in (0, 90)")
        _check(self.switch_cost >= 0, "gaze.switch_cost", self.switch_cost, "0 or more")
        _check(self.min_episode_s >= 0 and self.bridge_gap_s >= 0, "gaze.min_episode_s", self.min_episode_s,
               "0 or more")


@dataclass(frozen=True)
class VoiceConfig:
    """How vocal activity is found and given to persons.

    vad_threshold / vad_release: silero VAD speech probability that starts / ends a
        vocal stretch (hysteresis).
    voiced_aperiodicity: a frame at most this aperiodic (YIN, 0 = pure tone) with an
        F0 in 70-1000 Hz counts as voiced sound (squeals, laughs, babble silero misses) ...
    voiced_margin_db: ... when it is this far above the room's noise in the voice band.
    min_vocal_s: vocal stretches shorter than this are dropped; min_silence_s: pauses
        shorter than this inside one are bridged.
    max_voices: at most this many distinct voices are looked for.
    voice_switch_cost: evidence (log-likelihood) a change of voice needs inside a vocal
        stretch; higher = fewer, longer segments.
    merge_distance: two voice clusters nearer than this (pitch in 0.15-octave units,
        timbre in standard deviations) are taken as one voice.
    min_mouth_score: mouth movement with a voice (in standard deviations, against silence) below
        this counts as none; who a voice belongs to is then told by its pitch against the
        roles and the other voices (vigvision.voice.attribution).
    split_overlaps: where two voices of different pitch sound at once (a frame that two
        pitch periods explain far better than one), give the frame to both voices.
    """

    vad_threshold: float = 0.5
    vad_release: float = 0.35
    voiced_aperiodicity: float = 0.3
    voiced_margin_db: float = 6.0
    min_vocal_s: float = 0.08
    min_silence_s: float = 0.1
    max_voices: int = 4
    voice_switch_cost: float = 40.0
    merge_distance: float = 2.0
    min_mouth_score: float = 0.05
    split_overlaps: bool = True

    def validate(self) -> None:
        _check(0 < self.vad_release <= self.vad_threshold < 1, "voice.vad_threshold", self.vad_threshold,
               "in (0, 1) and at least voice.vad_release")
        _check(0 < self.voiced_aperiodicity < 1, "voice.voiced_aperiodicity", self.voiced_aperiodicity, "in (0, 1)")
        _check(self.min_vocal_s >= 0 and self.min_silence_s >= 0, "voice.min_vocal_s", self.min_vocal_s, "0 or more")
        _check(1 <= self.max_voices <= 8, "voice.max_voices", self.max_voices, "between 1 and 8")
        _check(self.voice_switch_cost >= 0, "voice.voice_switch_cost", self.voice_switch_cost, "0 or more")


@dataclass(frozen=True)
class TurnsConfig:
    """How vocal segments become turns (the "yes-cycle").

    pause_s: a person's vocal segments with pauses shorter than this are one turn.
    backchannel_max_s: a vocalisation at most this long made while another person
        holds the turn ("mm", "yeah") is a back-channel, not a turn.
    initiative_silence_s: a turn that starts after at least this much silence from
        everyone is an initiative ...
    response_window_s: ... and another person's turn that starts within this many
        seconds of its end is the response to it.
    """

    pause_s: float = 0.7
    backchannel_max_s: float = 1.0
    initiative_silence_s: float = 2.0
    response_window_s: float = 2.0

    def validate(self) -> None:
        _check(self.pause_s >= 0, "turns.pause_s", self.pause_s, "0 or more")
        _check(self.backchannel_max_s >= 0, "turns.backchannel_max_s", self.backchannel_max_s, "0 or more")
        _check(self.initiative_silence_s > 0, "turns.initiative_silence_s", self.initiative_silence_s, "positive")
        _check(self.response_window_s > 0, "turns.response_window_s", self.response_window_s, "positive")


@dataclass(frozen=True)
class MomentsConfig:
    """How candidate moments are found, scored and ranked (vigvision/moments/).

    preset: the footage these weights suit ("infant", "child", "classroom"): what
        ``vigvision config --preset NAME`` started from; informational.
    count, min_s, max_s: at most this many moments, each min_s..max_s seconds long. VIG practice shows
        the parent a few short clips, each a few seconds up to about ten (Kennedy, Landor & Todd 2011,
        *Video Interaction Guidance*; the app's advice: up to three clips of about 10 s). A clip must hold
        a whole "yes-cycle": an initiative, the answer (within response_latency_s, 1.5 s) and how the child
        receives it takes 3-4 s, plus a second of lead-in to see it begin: hence 5 s at the least.
    min_gap_s: chosen moments are at least this far apart (spread over the video).
    face_to_face_deg: both heads turned towards each other by at least this (yaw).
    close_faces: faces whose centres are within this many face widths are close.
    exchange_window_s / exchange_switches: a vocal exchange is at least this many
        switches of speaker within a window this long.
    response_latency_s: an adult's response (voice, look, smile) must begin within this
        many seconds of the child's initiative (vocalising, looking, moving closer).
    smile_threshold: a smile signal at least this high (0..1) counts as smiling.
    w_*: weight of each cue in a moment's score; w_cooccurrence rewards each further
        kind of cue present (an initiative received within an exchange beats either).
    """

    preset: str = "child"
    count: int = 10
    min_s: float = 5.0
    max_s: float = 10.0
    min_gap_s: float = 2.0
    face_to_face_deg: float = 20.0
    close_faces: float = 2.5
    exchange_window_s: float = 6.0
    exchange_switches: int = 2
    response_latency_s: float = 1.5
    smile_threshold: float = 0.4
    w_mutual_gaze: float = 3.0
    w_partner_gaze: float = 1.0
    w_face_to_face: float = 0.5
    w_closeness: float = 0.5
    w_vocal_exchange: float = 2.0
    w_initiative_received: float = 3.0
    w_shared_smile: float = 2.0
    w_cooccurrence: float = 1.0

    def validate(self) -> None:
        _check(self.preset in PRESETS, "moments.preset", self.preset, f"one of {', '.join(PRESETS)}")
        _check(1 <= self.count <= 100, "moments.count", self.count, "between 1 and 100")
        _check(0.5 <= self.min_s <= self.max_s <= 60, "moments.min_s", (self.min_s, self.max_s),
               "0.5 <= min_s <= max_s <= 60 seconds")
        _check(self.min_gap_s >= 0 and self.exchange_window_s > 0 and self.response_latency_s > 0,
               "moments.min_gap_s", self.min_gap_s, "0 or more (and windows positive)")
        _check(self.exchange_switches >= 1, "moments.exchange_switches", self.exchange_switches, "at least 1")
        _check(0 < self.smile_threshold <= 1, "moments.smile_threshold", self.smile_threshold, "in (0, 1]")
        for f in fields(self):
            if f.name.startswith("w_"):
                _check(getattr(self, f.name) >= 0, f"moments.{f.name}", getattr(self, f.name), "0 or more")


# Weights for the footage a practitioner has. Infants are pre-verbal: gaze, smiles and any
# vocalisation weigh more than exchanges of speech. A classroom has one adult and several
# children: who looks at whom weighs more than closeness.
PRESETS: dict[str, dict[str, Any]] = {
    "child": {},
    "infant": {"w_vocal_exchange": 1.0, "w_shared_smile": 3.0, "w_mutual_gaze": 3.5, "w_initiative_received": 3.5,
               "exchange_switches": 2, "response_latency_s": 2.0},
    "classroom": {"w_partner_gaze": 1.5, "w_closeness": 0.2, "w_face_to_face": 0.8, "exchange_switches": 3},
}
#: Each preset in a guider's words (the app's choices).
PRESET_WORDS = {"infant": "Infant (pre-verbal: gaze, smiles, sounds)", "child": "Child (talking)",
                "classroom": "Classroom (one adult, several children)"}


@dataclass(frozen=True)
class Config:
    """The whole analysis configuration: one field per section."""

    ingest: IngestConfig = field(default_factory=IngestConfig)
    vision: VisionConfig = field(default_factory=VisionConfig)
    persons: PersonsConfig = field(default_factory=PersonsConfig)
    gaze: GazeConfig = field(default_factory=GazeConfig)
    voice: VoiceConfig = field(default_factory=VoiceConfig)
    turns: TurnsConfig = field(default_factory=TurnsConfig)
    moments: MomentsConfig = field(default_factory=MomentsConfig)

    @classmethod
    def preset(cls, name: str) -> "Config":
        """The default settings with the moment weights of a preset ("infant", "child", "classroom")."""
        if name not in PRESETS:
            raise ConfigError(f"unknown preset {name!r} (known: {', '.join(PRESETS)})")
        return cls.from_dict({"moments": {"preset": name, **PRESETS[name]}}, source=f"preset {name}")

    def to_dict(self) -> dict[str, dict[str, Any]]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any], *, source: str = "config") -> "Config":
        sections = {f.name: f for f in fields(cls)}
        _check_table(data, sections, source, lambda k: f"unknown section [{k}]")
        values = {}
        for name, f in sections.items():
            section_cls = f.default_factory  # type: ignore[misc]
            values[name] = _section_from_dict(section_cls, data.get(name, {}), f"{source}: [{name}]")
        return cls(**values)

    @classmethod
    def from_toml(cls, path: str | Path) -> "Config":
        p = Path(path)
        if not p.is_file():
            raise ConfigError(f"{p}: config file not found")
        try:
            data = tomllib.loads(p.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{p}: not valid TOML ({exc})") from None
        return cls.from_dict(data, source=str(p))

    def with_settings(self, section: str, values: dict[str, Any], *, source: str = "config") -> "Config":
        """This config with some settings of one section changed, the others as they are (checked
        as any config is: an unknown setting or a bad value is refused naming ``source``)."""
        data = self.to_dict()
        return Config.from_dict({**data, section: {**data.get(section, {}), **values}}, source=source)

    def get(self, dotted: str) -> Any:
        """A value by its "section.key" name."""
        section, _, key = dotted.partition(".")
        try:
            return getattr(getattr(self, section), key)
        except AttributeError:
            raise ConfigError(f"config: no setting named {dotted!r}") from None

    def settings_hash(self, names: tuple[str, ...]) -> str:
        """Hash of just the named settings (a stage's cache key uses the ones it reads); a model file a
        setting names counts by its content, so a retrained model is not served from the cache."""
        values = {name: self.get(name) for name in names}
        model = self.gaze.model_path() if "gaze.target_model" in names else None
        if model is not None:
            values["gaze.target_model.sha256"] = hashlib.sha256(model.read_bytes()).hexdigest()
        return sha256_json(values)

    def hash(self) -> str:
        return sha256_json(self.to_dict())


def _check(ok: bool, key: str, value: Any, expected: str) -> None:
    if not ok:
        raise ConfigError(f"config: {key} must be {expected}, got {value!r}")


def _check_table(data: Any, known, where: str, unknown_msg) -> None:
    """``data`` must be a TOML table whose keys are all in ``known``."""
    if not isinstance(data, dict):
        raise ConfigError(f"{where}: expected a table, got {type(data).__name__}")
    unknown = sorted(set(data) - set(known))
    if unknown:
        raise ConfigError(f"{where}: {unknown_msg(unknown[0])} (known: {', '.join(known)})")


def _section_from_dict(section_cls, data: Any, where: str):
    _check_table(data, [f.name for f in fields(section_cls)], where, lambda k: f"unknown setting '{k}'")
    defaults = section_cls()
    values = {}
    for name, value in data.items():
        default = getattr(defaults, name)
        values[name] = _coerce(value, default, f"{where} {name}")
    section = dataclasses.replace(defaults, **values)
    section.validate()
    return section


def _coerce(value: Any, default: Any, where: str) -> Any:
    """Accept a value of the default's type (an int where a float is expected too)."""
    if isinstance(default, bool):
        if isinstance(value, bool):
            return value
    elif isinstance(default, float):
        if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
            return float(value)
    elif isinstance(default, int):
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    elif isinstance(default, str):
        if isinstance(value, str):
            return value
    elif isinstance(default, (list, tuple)):
        if isinstance(value, (list, tuple)):
            return type(default)(value)
    else:
        return value
    raise ConfigError(f"{where}: expected {type(default).__name__}, got {value!r}")
