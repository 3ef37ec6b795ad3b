"""The analysis pipeline: footage -> per-frame signals -> ... -> analysis.json.

A :class:`Stage` is a small unit with a config section, the stages it reads
from, and one ``run(ctx)`` call. The pipeline runs the stages in order, reuses
any whose output is already cached for this (video, stage, config), reports
progress through one hook, times every stage, and writes the result
atomically. Interrupting it loses at most the stage that was running.

    probe -> hash -> vision (the one decode pass: faces per frame) -------------\\
                  -> audio (16 kHz mono, streamed to disk) -> voice (features,  |
                                                              silero VAD)     |
                                                                              v
          persons, roles, gaze targets, episodes, proximity (from cached rows, cheap)
          -> speech segments attributed to persons (mouths), turns, turn-taking metrics
          -> analysis.json, frames.parquet, signals.parquet
"""
from __future__ import annotations

import datetime as _dt
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np

from . import __version__
from .config import Config
from .errors import AnalysisInterrupted, InputError, MediaError, caused_by_interrupt
from .hooks import Progress, ProgressHook, no_progress
from .io.audio import Audio, AudioStream
from .io.cache import StageCache, stage_key
from .io.files import no_more_open_than, sha256_file, write_json
from .io.frames import FrameTable, scan_frames
from .vision.analyser import FaceAnalyser, RawVision
from .vision import persons as vision_persons
from .voice import build as voice_build
from .io.video import VideoInfo, probe
from .moments import Interaction, find_moments
from .moments.joy import shared_joy
from .moments.metrics import eye_contact
from .export.thumbnails import write_thumbnails
from .result import SCHEMA_VERSION, Analysis, frames_table, load, write_result


@dataclass
class StageContext:
    """What a stage sees: the video, the config, its inputs, a progress callback,
    and the (temporary) cache folder it writes its output into.

    Stages do not collect warnings themselves: warnings are derived from their
    (cached) outputs, so a re-run that reuses the cache reports them too.
    """

    info: VideoInfo
    config: Config
    inputs: dict[str, Any]
    report: Callable[[float], None]  # progress in the stage's unit (seconds of video)
    folder: Path


@dataclass(frozen=True)
class Stage:
    """One step of the analysis: ``run(ctx)`` writes its output into ``ctx.folder``
    (streaming, so long videos need no more memory), ``load(folder)`` reads it back.

    ``settings``: the config values ("section.key") that change the output;
    only these go into the cache key, so other settings can change freely.
    ``weight``: expected cost relative to the others, for the overall progress.
    ``version``: bump when the stage's code changes its output (invalidates caches).
    """

    name: str
    version: int
    settings: tuple[str, ...]
    depends: tuple[str, ...]
    run: Callable[[StageContext], None]
    load: Callable[[Path], Any]
    weight: float = 1.0
    unit: str = "s"


# -- stages -------------------------------------------------------------------

#: The [vision] settings the decode pass reads (the others, e.g. min_person_s or the face widths, are read
#: after it, from its cached output: changing them decodes nothing).
DECODE_PASS_SETTINGS = ("detect_every", "scan_every_s", "tile_px", "min_detection_score", "min_face_px",
                        "max_persons", "max_gap_s", "crop_size", "hfov_deg")

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


STAGES: tuple[Stage, ...] = (
    Stage("vision", 6, ("ingest.analysis_fps", "ingest.max_side",
                        *(f"vision.{name}" for name in DECODE_PASS_SETTINGS)),
          (), _run_vision, VisionPass.load, weight=1.0),
    Stage("audio", 3, ("ingest.sample_rate",), (), _run_audio, _load_audio, weight=0.05),
    Stage("voice", 3, ("ingest.sample_rate",), ("audio",), _run_voice, voice_build.VoicePass.load, weight=0.08),
)


# -- running ------------------------------------------------------------------

def default_outdir(video: str | Path) -> Path:
    """``<video stem>.vigvision/`` beside the video."""
    v = Path(video)
    return v.with_name(v.stem + ".vigvision")


@dataclass
class _Run:
    hook: ProgressHook
    stages: tuple[Stage, ...]
    t_start: float = field(default_factory=time.monotonic)
    done_weight: float = 0.0
    current: str | None = None        # the stage running now, and how far it has got (for an interrupt)
    fraction: float | None = None

    @property
    def total_weight(self) -> float:
        return sum(s.weight for s in self.stages) or 1.0

    def emit(self, stage: Stage, event: str, done: float = 0.0, total: float | None = None, **kw) -> None:
        # On "end"/"cached" the stage's weight is already in done_weight.
        frac_stage = min(done / total, 1.0) if total and event in ("start", "update") else 0.0
        overall = (self.done_weight + stage.weight * frac_stage) / self.total_weight
        running = event in ("start", "update")
        self.current, self.fraction = (stage.name, frac_stage) if running else (None, None)
        elapsed = time.monotonic() - self.t_start
        eta = elapsed * (1 - overall) / overall if overall > 0.02 else None
        self.hook(Progress(stage=stage.name, event=event, done=done, total=total, unit=stage.unit,
                           overall=overall, elapsed_s=elapsed, eta_s=eta, **kw))


def analyze(video: str | Path, outdir: str | Path | None = None, *, config: Config | None = None,
            roles: dict[str, str] | None = None, hook: ProgressHook = no_progress) -> Analysis:
    """Analyse one video and write ``OUTDIR/analysis.json`` (plus the per-frame files).

    Stages whose output is cached in ``OUTDIR/cache`` for the same video and
    config are reused, so a re-run after a crash or a settings change only
    redoes what changed. ``roles`` overrides the suggested roles, e.g.
    ``{"P1": "adult", "P2": "child"}``; the override is recorded in the result.

    >>> result = vigvision.analyze("family.mp4")     # doctest: +SKIP
    >>> result.folder
    PosixPath('family.vigvision')
    """
    config = config or Config()
    video = Path(video)
    timings: dict[str, float] = {}

    t = time.perf_counter()
    info = probe(video)
    timings["probe"] = time.perf_counter() - t
    out = Path(outdir) if outdir is not None else default_outdir(video)
    _check_writable(out)
    # results say what is in the video: they are made no more readable to others than the video itself
    with no_more_open_than(video, folder=out):
        t = time.perf_counter()
        video_sha = sha256_file(video)
        timings["hash"] = time.perf_counter() - t

        for leftover in out.glob(".*.part*"):  # temporary files of a killed run
            leftover.unlink(missing_ok=True)
        cache = StageCache(out / "cache")
        cache.clean_partial()
        run = _Run(hook=hook, stages=STAGES)
        outputs: dict[str, Any] = {}
        keys: dict[str, str] = {}
        try:
            _run_stages(run, cache, info, video_sha, config, outputs, keys, timings)
            run.current = "persons, voices and moments"   # the steps after the cached stages
            return _finish(video, out, info, video_sha, config, roles, outputs, timings)
        except BaseException as exc:
            if not caused_by_interrupt(exc) or isinstance(exc, AnalysisInterrupted):
                raise
            cached = [s.name for s in STAGES if s.name in keys and cache.get(s.name, keys[s.name]) is not None]
            raise AnalysisInterrupted(str(cache.root), cached, run.current, run.fraction) from exc


def _finish(video: Path, out: Path, info: VideoInfo, video_sha: str, config: Config, roles: dict | None,
            outputs: dict[str, Any], timings: dict[str, float]) -> Analysis:
    """From the stage outputs to the written result: persons, voices, moments, analysis.json."""
    frames: FrameTable = outputs["vision"].frames
    audio: Audio | None = outputs["audio"]
    t = time.perf_counter()
    build_vision = lambda voice_f0=None: vision_persons.build(  # noqa: E731
        outputs["vision"].raw, frames.times_s, vision=config.vision, gaze=config.gaze,
        analysis_fps=config.ingest.analysis_fps, roles=roles, voice_f0=voice_f0)
    vision = build_vision()
    timings["persons"] = time.perf_counter() - t
    voice = None
    if outputs["voice"] is not None:
        t = time.perf_counter()
        voice = voice_build.build(outputs["voice"], vision.persons, vision.signals, info.duration_s, config)
        if voice.f0_by_person():  # voice pitch is one more cue to each person's role
            vision = build_vision(voice.f0_by_person())
        timings["speakers"] = time.perf_counter() - t
    data = _assemble(info, video_sha, config, timings, frames, audio, vision, voice, roles or {},
                     _warnings(info, frames, audio, vision, outputs["vision"].raw, config.vision.max_persons))
    t = time.perf_counter()
    add_moments(data, vision.signals.to_pandas(), config)
    write_thumbnails(video, data["moments"], out)
    data["timings_s"]["moments"] = round(time.perf_counter() - t, 4)
    write_result(out, data, frames=frames_table(frames.times_s, frames.source_index), signals=vision.signals)
    return load(out, check_schema=False)


def _run_stages(run: "_Run", cache: StageCache, info: VideoInfo, video_sha: str, config: Config,
                outputs: dict[str, Any], keys: dict[str, str], timings: dict[str, float]) -> None:
    """Run (or load from the cache) every stage in order, filling ``outputs``, ``keys`` and ``timings``."""
    for stage in STAGES:
        keys[stage.name] = key = stage_key(
            video_sha256=video_sha, stage=stage.name, version=stage.version,
            config_hash=config.settings_hash(stage.settings), upstream={d: keys[d] for d in stage.depends})
        cached = cache.get(stage.name, key)
        if cached is not None:
            outputs[stage.name] = stage.load(cached)
            timings[stage.name] = 0.0
            run.done_weight += stage.weight
            run.emit(stage, "cached", 1.0, 1.0)
            continue
        run.emit(stage, "start", 0.0, info.duration_s)
        t = time.perf_counter()
        with cache.writing(stage.name, key) as folder:
            stage.run(StageContext(info=info, config=config, inputs={d: outputs[d] for d in stage.depends},
                                   report=lambda done, s=stage: run.emit(s, "update", done, info.duration_s),
                                   folder=folder))
        outputs[stage.name] = stage.load(cache.folder(stage.name, key))
        timings[stage.name] = time.perf_counter() - t
        run.done_weight += stage.weight
        run.emit(stage, "end", 1.0, 1.0, stage_s=timings[stage.name])


def add_moments(data: dict, signals, config: Config) -> None:
    """Fill ``moments``, ``metrics.eye_contact`` and ``metrics.shared_joy`` of an analysis dict (from its episodes and
    signals only: no decoding, so re-ranking with new settings is quick)."""
    ix = Interaction.from_result(data, signals)
    data["moments"] = find_moments(ix, config.moments)
    if ix.persons:   # no face seen: eye contact was not measured, so it is absent, not zero
        data["metrics"]["eye_contact"] = eye_contact(ix)
        data["metrics"]["shared_joy"] = shared_joy(ix, config.moments)


@dataclass
class Rerun:
    """What :func:`rerank` did: the settings sections that changed, the cached stages it reused, the
    steps it ran, and how long it took."""

    analysis: Analysis
    changed: list[str]
    reused: list[str]
    ran: list[str]
    seconds: float

    def words(self) -> str:
        if not self.changed:
            return "no setting changed: nothing re-ran"
        reused = f"; reused from the cache: {', '.join(self.reused)}" if self.reused else ""
        return (f"changed: [{'], ['.join(self.changed)}]; re-ran: {', '.join(self.ran)} in {self.seconds:.1f} s"
                + reused)


#: The steps after the cached stages, in order (they run from the cached outputs: no decoding).
AFTER_STAGES = ("persons", "speakers", "moments")


def rerank(folder: str | Path, config: Config, *, video: str | Path | None = None,
           hook: ProgressHook = no_progress) -> Rerun:
    """Bring an existing analysis to ``config``, re-running only what reads a changed setting.

    A change to [moments] alone re-ranks the moments from analysis.json and signals.parquet (about a
    second). A change to any other section runs the analysis again from the stage cache in the folder:
    a cached stage whose settings did not change is reused (so [gaze], [voice] or [turns] decode
    nothing), and the steps after them run again. The roles set by hand are kept.
    """
    t = time.perf_counter()
    result = load(folder)
    stored = Config.from_dict(result.config, source=f"{result.folder / 'analysis.json'} config")
    new, old = config.to_dict(), stored.to_dict()
    changed = [section for section in new if new[section] != old.get(section)]
    if not changed:
        return Rerun(result, [], [], [], 0.0)
    if changed == ["moments"]:
        return Rerun(_rerank_moments(result, config), changed, [s.name for s in STAGES], ["moments"],
                     time.perf_counter() - t)
    reused, ran = [], []

    def tee(p: Progress) -> None:
        if p.event == "cached":
            reused.append(p.stage)
        elif p.event == "start":
            ran.append(p.stage)
        hook(p)

    roles = result.data.get("overrides", {}).get("roles") or None
    again = analyze(result.source_video(video or _beside(result)), result.folder, config=config, roles=roles,
                    hook=tee)
    return Rerun(again, changed, reused, ran + list(AFTER_STAGES), time.perf_counter() - t)


def _beside(result: Analysis) -> Path:
    """The analysed video where it was, or beside the folder (a relative path stored from elsewhere)."""
    video = Path(result.video.get("path", ""))
    return video if video.is_file() else result.folder.parent / video.name


def _rerank_moments(result: Analysis, config: Config) -> Analysis:
    """Re-rank the moments with ``config``'s [moments] settings and write analysis.json again."""
    data = dict(result.data)
    data["config"] = {**data["config"], "moments": config.to_dict()["moments"]}
    stored = Config.from_dict(data["config"], source=f"{result.folder / 'analysis.json'} config")
    data["config_hash"] = stored.hash()
    add_moments(data, result.signals(), stored)
    video = _beside(result)
    with no_more_open_than(result.folder / "analysis.json"):
        if video.is_file():        # the footage may have moved since: then the moments have no thumbnail
            write_thumbnails(video, data["moments"], result.folder)
        write_json(result.folder / "analysis.json", data)
    return load(result.folder, check_schema=False)


def _warnings(info: VideoInfo, frames: FrameTable, audio: Audio | None, vision, raw: RawVision,
              max_persons: int) -> list[str]:
    """What the user should know about the input, derived from the stage outputs."""
    out = []
    if frames.stopped_early:
        why = f" ({frames.error})" if frames.error else ""
        stop = frames.stop_time_s if frames.stop_time_s is not None else 0.0
        out.append(f"video decoding stopped at {stop:.2f} s of {info.duration_s:.2f} s{why}; "
                   f"the file looks truncated or corrupt, only the decodable part was analysed")
    if frames.damaged:
        where = ", ".join(f"{a:.2f}-{b:.2f} s" for a, b in frames.damaged)
        out.append(f"the video is damaged at {where} ({frames.packets_lost} packets could not be decoded): "
                   "those frames were skipped, the rest was analysed")
    for t, w, h in frames.size_changes:
        out.append(f"the picture size changes at {t:.2f} s (to {w}x{h}): those frames were scaled to "
                   f"{info.width}x{info.height}, so positions stay comparable")
    capped = raw.capped_s
    if capped:
        out.append(f"more than {max_persons} faces at once in {len(capped)} analysed frames (from "
                   f"{capped[0]:.2f} s): only {max_persons} were followed there (raise [vision] max_persons, "
                   "up to 12, for a big group)")
    if audio is not None and audio.error:
        out.append(audio.error)
    if audio is None:
        out.append("no audio track: vocal activity and turn-taking are unavailable for this video")
    if not vision.persons:
        out.append("no face was found: gaze, mutual gaze and proximity are unavailable for this video")
    return out


def _check_writable(out: Path) -> None:
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"{out}: cannot create the output folder ({exc.strerror})") from None
    if not out.is_dir():
        raise InputError(f"{out}: exists and is not a folder")


def _assemble(info: VideoInfo, video_sha: str, config: Config, timings: dict[str, float],
              frames: FrameTable, audio: Audio | None, vision, voice, roles: dict, warnings: list[str]) -> dict:
    video = info.to_dict()
    video["sha256"] = video_sha
    # The header's rate can be wrong (variable-rate phones, 600/1 streams); the
    # decode pass saw every frame's timestamp, so report the rate it measured.
    if frames.measured_fps and not frames.stopped_early:
        video["fps"] = round(frames.measured_fps, 4)
    no_audio = None if audio is not None else "the video has no audio track"
    metrics = {}
    if voice is not None:
        metrics["turn_taking"] = voice.turn_taking
    if vision.proximity:
        metrics["proximity"] = vision.proximity
    return {
        "schema_version": SCHEMA_VERSION,
        "software": {"name": "vigvision", "version": __version__},
        "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "video": video,
        "config": config.to_dict(),
        "config_hash": config.hash(),
        "timings_s": {k: round(v, 4) for k, v in timings.items()},
        "availability": {
            "video": {"available": True, "reason": None},
            "audio": {"available": audio is not None, "reason": no_audio},
            "vision": {"available": bool(vision.persons),
                       "reason": None if vision.persons else "no face was found in the analysed frames"},
            "voice": {"available": voice is not None,
                      "reason": None if voice is not None else no_audio or "the audio track is empty"},
        },
        "frames": {
            "file": "frames.parquet",
            "signals_file": "signals.parquet",
            "analysed": len(frames),
            "decoded": frames.frames_decoded,
            "analysis_fps": config.ingest.analysis_fps,
            "first_s": float(frames.times_s[0]) if len(frames) else None,
            "last_s": float(frames.times_s[-1]) if len(frames) else None,
        },
        "overrides": {"roles": roles},
        "persons": vision.persons,
        "speech": voice.speech if voice else [],
        "turns": voice.turns if voice else [],
        "gaze": vision.gaze,
        "mutual_gaze": vision.mutual_gaze,
        "moments": [],
        "metrics": metrics,
        "warnings": warnings,
    }
