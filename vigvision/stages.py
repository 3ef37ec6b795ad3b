"""The stages of an analysis, each declaring the settings it reads and the stages it reads from.

    vision   the one decode pass: faces per analysed frame           [ingest], [vision] decode settings
    audio    16 kHz mono, streamed to disk                            [ingest] sample_rate
    voice    frame features, silero speech probabilities, embeddings  (audio)
    persons  tracklets -> persons, roles from faces, gaze, proximity  (vision)   [vision] rest, [persons], [gaze]
    speakers speech segments, voices given to persons or off-screen   (voice, persons)   [voice]
    roles    the roles again with voice pitch; gaze and distances     (vision, persons, speakers)
    turns    turns, back-channels, metrics.turn_taking                (speakers, roles)     [turns]
    moments  ranked candidate moments, eye contact, shared joy        (roles, speakers, turns)   [moments]

Every stage's output is cached under a key of the video, its code version, the settings it declares
and the keys of the stages it reads, so changing a setting re-runs that stage and those after it
that read it, and nothing else: a [turns] change re-runs turns and moments in a second.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, Callable

import numpy as np

from .config import Config
from .errors import MediaError
from .io.audio import Audio, AudioStream
from .io.files import write_json
from .io.frames import FrameTable, scan_frames
from .io.video import VideoInfo
from .moments import Interaction, find_moments
from .moments.joy import shared_joy
from .moments.metrics import eye_contact
from .records import Moment, from_dicts, to_dicts
from .vision import persons as vision_persons
from .vision.analyser import FaceAnalyser, RawVision
from .vision.corrections import Correction
from .voice import build as voice_build


@dataclass
class StageContext:
    """What a stage sees: the video, the config, its inputs, the options it declared (the roles set by
    hand, the guider's corrections of persons), a progress callback, and the (temporary) cache folder it
    writes its output into.

    Stages do not collect warnings themselves: warnings are derived from their
    (cached) outputs, so a re-run that reuses the cache reports them too.
    """

    info: VideoInfo
    config: Config
    inputs: dict[str, Any]
    options: dict[str, Any]
    report: Callable[[float], None]  # progress in the stage's unit (seconds of video)
    folder: Path


@dataclass(frozen=True)
class Stage:
    """One step of the analysis: ``run(ctx)`` writes its output into ``ctx.folder``
    (streaming, so long videos need no more memory), ``load(folder)`` reads it back.

    ``settings``: the config values ("section.key") that change the output; only these go into
    the cache key, so other settings can change freely. ``depends``: the stages whose outputs it
    reads. ``options``: the run options it reads (``roles``). ``decodes``: it reads the video itself
    (the others run from cached outputs). ``weight``: expected cost relative to the others, for the
    overall progress. ``version``: bump when the stage's code changes its output (invalidates caches).
    """

    name: str
    version: int
    settings: tuple[str, ...]
    depends: tuple[str, ...]
    run: Callable[[StageContext], None]
    load: Callable[[Path], Any]
    weight: float = 1.0
    unit: str = "s"
    options: tuple[str, ...] = ()
    decodes: bool = False


def section(name: str, *, but: tuple[str, ...] = ()) -> tuple[str, ...]:
    """Every setting of a config section, as "section.key" names (less those in ``but``)."""
    return tuple(f"{name}.{f.name}" for f in fields(getattr(Config(), name)) if f.name not in but)


# -- the decode stages --------------------------------------------------------------------------

#: The [vision] settings the decode pass reads (the others, e.g. min_person_s or the face widths, are read
#: after it, from its cached output: changing them decodes nothing).
DECODE_PASS_SETTINGS = ("detect_every", "scan_every_s", "tile_px", "min_detection_score", "min_face_px",
                        "max_persons", "max_gap_s", "crop_size", "hfov_deg", "pose_fps")


@dataclass
class VisionPass:
    """Output of the decode pass: which frames were analysed, and the raw face rows."""

    frames: FrameTable
    raw: RawVision

    @classmethod
    def load(cls, folder: Path) -> "VisionPass":
        return cls(FrameTable.load(folder), RawVision.load(folder))


def _run_vision(ctx: StageContext) -> None:
    """The one decode pass: every analysed frame goes through the face analyser."""
    cfg = ctx.config
    analyser = FaceAnalyser(cfg.vision)
    table = scan_frames(ctx.info, fps=cfg.ingest.analysis_fps, max_side=cfg.ingest.max_side,
                        on_frame=analyser, report=ctx.report)
    raw = analyser.finish()
    if len(table) == 0:
        raise MediaError(ctx.info.path, "no video frame could be decoded")
    table.save(ctx.folder)
    raw.save(ctx.folder)


def _run_audio(ctx: StageContext) -> None:
    """Stream the audio track to ``samples.f32`` one chunk at a time (bounded memory)."""
    if not ctx.info.has_audio:
        return
    stream = AudioStream(ctx.info.path, sample_rate=ctx.config.ingest.sample_rate)
    n = 0
    with open(ctx.folder / "samples.f32", "wb") as f:
        for chunk in stream:
            f.write(chunk.astype("<f4", copy=False).tobytes())
            n += len(chunk)
            ctx.report(n / stream.sample_rate)
    meta = {"sample_rate": stream.sample_rate, "samples": n, "error": stream.error}
    (ctx.folder / "audio.json").write_text(json.dumps(meta))


def _load_audio(folder: Path) -> Audio | None:
    """The cached track, memory-mapped: pages are read only when a stage touches them."""
    if not (folder / "audio.json").is_file():
        return None
    meta = json.loads((folder / "audio.json").read_text())
    samples = (np.memmap(folder / "samples.f32", dtype="<f4", mode="r") if meta["samples"]
               else np.zeros(0, np.float32))
    return Audio(samples, meta["sample_rate"], meta["error"])


def _run_voice(ctx: StageContext) -> None:
    """Frame features and silero's speech probabilities: the costly part of the voice path, once."""
    audio: Audio | None = ctx.inputs["audio"]
    if audio is None or not len(audio.samples):
        return
    voice_build.run_pass(audio).save(ctx.folder)
    ctx.report(audio.duration_s)


# -- the stages after decoding (from cached outputs: seconds) -----------------------------------

#: What persons and roles read: the [vision] settings used after the decode pass, [persons] and [gaze].
PEOPLE_SETTINGS = ("ingest.analysis_fps", "vision.min_person_s", "vision.adult_face_width_m",
                   "vision.child_face_width_m", "vision.hfov_deg", *section("persons"), *section("gaze"))


def _people(ctx: StageContext, voice_f0: dict[str, float] | None) -> vision_persons.VisionResult:
    vision: VisionPass = ctx.inputs["vision"]
    cfg = ctx.config
    return vision_persons.build(vision.raw, vision.frames.times_s, vision=cfg.vision, gaze=cfg.gaze,
                                analysis_fps=cfg.ingest.analysis_fps, roles=ctx.options["roles"] or None,
                                voice_f0=voice_f0, persons_cfg=cfg.persons,
                                fixes=[Correction.from_dict(c) for c in ctx.options["corrections"]])


def _run_persons(ctx: StageContext) -> None:
    _people(ctx, None).save(ctx.folder)


def _run_speakers(ctx: StageContext) -> None:
    voice = ctx.inputs["voice"]
    if voice is None:    # no audio track, or an empty one
        return
    people: vision_persons.VisionResult = ctx.inputs["persons"]
    _save(ctx.folder, voice_build.attribute(voice, people.persons, people.signals, ctx.config))


def _run_roles(ctx: StageContext) -> None:
    """Voice pitch is one more cue to each person's role; the role sets the face size taken for
    distances, so gaze targets and proximity are measured again with it."""
    speakers = ctx.inputs["speakers"]
    f0 = speakers.f0_by_person() if speakers is not None else {}
    (_people(ctx, f0) if f0 else ctx.inputs["persons"]).save(ctx.folder)


def _run_turns(ctx: StageContext) -> None:
    speakers = ctx.inputs["speakers"]
    if speakers is None:
        return
    roles = {p.id: p.role for p in ctx.inputs["roles"].persons}
    _save(ctx.folder, voice_build.take_turns(speakers, roles, ctx.info.duration_s, ctx.config))


@dataclass
class Ranked:
    """The moments stage's output: candidates, and the metrics read from the same episodes."""

    moments: list[Moment]
    eye_contact: dict | None
    shared_joy: dict | None

    def to_dict(self) -> dict:
        return {"moments": to_dicts(self.moments), "eye_contact": self.eye_contact, "shared_joy": self.shared_joy}

    @classmethod
    def from_dict(cls, data: dict) -> "Ranked":
        return cls(from_dicts(Moment, data["moments"]), data["eye_contact"], data["shared_joy"])


def interaction(info: VideoInfo, config: Config, people, speakers, turns) -> Interaction:
    """What the moment finder reads, from the stage outputs."""
    return Interaction(duration_s=float(info.duration_s), persons=people.persons, gaze=people.gaze,
                       mutual_gaze=people.mutual_gaze, speech=speakers.speech if speakers else [],
                       turns=turns.turns if turns else [], signals=people.signals.to_pandas(),
                       analysis_fps=config.ingest.analysis_fps, proximity=people.proximity,
                       bridge_gap_s=config.gaze.bridge_gap_s, min_episode_s=config.gaze.min_episode_s)


def rank(ix: Interaction, config: Config) -> Ranked:
    """Candidates and the metrics; with nobody seen, eye contact was not measured: absent, not zero."""
    moments = find_moments(ix, config.moments)
    if not ix.persons:
        return Ranked(moments, None, None)
    return Ranked(moments, eye_contact(ix), shared_joy(ix, config.moments))


def _run_moments(ctx: StageContext) -> None:
    ix = interaction(ctx.info, ctx.config, ctx.inputs["roles"], ctx.inputs["speakers"], ctx.inputs["turns"])
    _save(ctx.folder, rank(ix, ctx.config))


def _save(folder: Path, record) -> None:
    write_json(folder / "output.json", record.to_dict())


def _loader(cls) -> Callable[[Path], Any]:
    """Load a record saved by :func:`_save` (None where the stage had nothing to write)."""
    def load(folder: Path):
        path = folder / "output.json"
        return cls.from_dict(json.loads(path.read_text())) if path.is_file() else None
    return load


STAGES: tuple[Stage, ...] = (
    Stage("vision", 10, ("ingest.analysis_fps", "ingest.max_side",
                        *(f"vision.{name}" for name in DECODE_PASS_SETTINGS)),
          (), _run_vision, VisionPass.load, weight=1.0, decodes=True),
    Stage("audio", 3, ("ingest.sample_rate",), (), _run_audio, _load_audio, weight=0.05, decodes=True),
    Stage("voice", 3, ("ingest.sample_rate",), ("audio",), _run_voice, voice_build.VoicePass.load, weight=0.08),
    Stage("persons", 10, PEOPLE_SETTINGS, ("vision",), _run_persons, vision_persons.VisionResult.load,
          weight=0.01, options=("roles", "corrections")),
    Stage("speakers", 4, section("voice"), ("voice", "persons"), _run_speakers, _loader(voice_build.Speakers),
          weight=0.01),
    Stage("roles", 7, PEOPLE_SETTINGS, ("vision", "persons", "speakers"), _run_roles,
          vision_persons.VisionResult.load, weight=0.01, options=("roles", "corrections")),
    Stage("turns", 3, section("turns"), ("speakers", "roles"), _run_turns, _loader(voice_build.Turns), weight=0.005),
    Stage("moments", 1, (*section("moments"), "ingest.analysis_fps", "gaze.bridge_gap_s", "gaze.min_episode_s"),
          ("roles", "speakers", "turns"), _run_moments, _loader(Ranked), weight=0.005),
)
BY_NAME = {s.name: s for s in STAGES}
