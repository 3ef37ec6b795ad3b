"""The analysis pipeline: footage -> the stages (vigvision/stages.py) -> analysis.json.

The pipeline runs the stages in order, reuses any whose output is already cached for this
(video, stage, settings it reads, upstream), reports progress through one hook, times every
stage, and writes the result atomically. Interrupting it loses at most the stage that was running.

    probe -> hash -> vision (the one decode pass) -------------------> persons --> roles --> moments
                  -> audio (streamed to disk) -> voice (one pass) --> speakers -/  turns -/
          -> analysis.json, frames.parquet, signals.parquet, moments/*.jpg

:func:`rerank` brings an analysed folder to new settings by the same path: every stage whose key
is unchanged is loaded from the cache, so only the stages that read a changed setting (and those
that read their output) run again.
"""
from __future__ import annotations

import datetime as _dt
import functools
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .version import __version__
from .config import Config
from .errors import AnalysisInterrupted, InputError, caused_by_interrupt
from .hooks import Progress, ProgressHook, no_progress
from .io.audio import Audio
from .io.cache import StageCache, stage_key
from .io.files import no_more_open_than, sha256_file
from .io.frames import FrameTable
from .io.video import VideoInfo, probe
from .records import to_dicts
from .export.thumbnails import write_thumbnails
from .result import ANALYSIS_FILE, SCHEMA_VERSION, Analysis, frames_table, load, write_result
from .stages import DECODE_PASS_SETTINGS, STAGES, Stage, StageContext, VisionPass
from .vision.analyser import RawVision

__all__ = ["DECODE_PASS_SETTINGS", "STAGES", "Rerun", "Stage", "StageContext", "VisionPass", "analyze",
           "default_outdir", "rerank"]


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
    ran: list[str] = field(default_factory=list)
    reused: list[str] = field(default_factory=list)

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


@dataclass
class _Source:
    """The video an analysis reads: what probing it said, its content's hash, and where it is. For a
    re-run, ``info`` comes from analysis.json and ``path`` may be None (the footage moved): then only
    stages that do not decode can run, and a stage that decodes asks for the video."""

    info: VideoInfo
    sha256: str
    path: Path | None
    probed: bool = True

    def for_decoding(self) -> VideoInfo:
        """The video's info, probed now and checked to be the analysed video, for a stage that decodes."""
        if self.path is None or not self.path.is_file():
            raise InputError(f"{self.info.path}: the analysed video is not there any more, and the changed "
                             "settings need it decoded again; give its new place with --video")
        if not self.probed:
            info = probe(self.path)
            if sha256_file(self.path) != self.sha256:
                raise InputError(f"{self.path}: not the video this analysis was made from (its content "
                                 "differs); analyse it anew with vigvision analyze")
            self.info, self.probed = info, True
        return self.info


def analyze(video: str | Path, outdir: str | Path | None = None, *, config: Config | None = None,
            roles: dict[str, str] | None = None, hook: ProgressHook = no_progress,
            corrections: list[dict] | None = None) -> Analysis:
    """Analyse one video and write ``OUTDIR/analysis.json`` (plus the per-frame files).

    Stages whose output is cached in ``OUTDIR/cache`` for the same video and
    settings are reused, so a re-run after a crash or a settings change only
    redoes what changed. ``roles`` overrides the suggested roles, e.g.
    ``{"P1": "adult", "P2": "child"}``; the override is recorded in the result. The guider's corrections
    of persons (``vigvision persons``) made on an earlier analysis of the same video in ``outdir`` are
    kept, unless ``corrections`` (their JSON form; [] for none) is given.

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
        source = _Source(info, sha256_file(video), video)
        timings["hash"] = time.perf_counter() - t
        if corrections is None:
            corrections = _earlier_corrections(out, source.sha256)
        return _analyse(out, source, config, roles, _Run(hook=hook, stages=STAGES), timings, corrections)


def _earlier_corrections(out: Path, video_sha: str) -> list[dict]:
    """The corrections of persons kept in ``out``'s analysis of the same video (none if it is another's)."""
    try:
        data = json.loads((out / ANALYSIS_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    same = isinstance(data, dict) and data.get("video", {}).get("sha256") == video_sha
    return list(data.get("overrides", {}).get("corrections") or []) if same else []


def _analyse(out: Path, source: _Source, config: Config, roles: dict | None, run: _Run,
             timings: dict[str, float], corrections: list[dict] | None = None) -> Analysis:
    """Every stage, run or loaded from the cache, then the result written (see module doc)."""
    for leftover in out.glob(".*.part*"):  # temporary files of a killed run
        leftover.unlink(missing_ok=True)
    cache = StageCache(out / "cache")
    cache.clean_partial()
    options = {"roles": dict(roles or {}), "corrections": list(corrections or [])}
    keys = _keys(source.sha256, config, options)
    try:
        outputs = _run_stages(run, cache, source, config, options, keys, timings)
        run.current = "the result files"
        return _finish(out, source, config, options, outputs, timings)
    except BaseException as exc:
        if not caused_by_interrupt(exc) or isinstance(exc, AnalysisInterrupted):
            raise
        cached = [s.name for s in STAGES if cache.get(s.name, keys[s.name]) is not None]
        raise AnalysisInterrupted(str(cache.root), cached, run.current, run.fraction) from exc


def _keys(video_sha: str, config: Config, options: dict[str, Any]) -> dict[str, str]:
    """Each stage's cache key: the video, the stage's code version, the settings and options it
    declares, and the keys of the stages it reads (a change upstream reaches everything downstream)."""
    keys: dict[str, str] = {}
    for stage in STAGES:
        settings = config.settings_hash(stage.settings)
        if stage.options:
            settings += json.dumps({o: options[o] for o in stage.options}, sort_keys=True)
        keys[stage.name] = stage_key(video_sha256=video_sha, stage=stage.name, version=stage.version,
                                     config_hash=settings, upstream={d: keys[d] for d in stage.depends})
    return keys


def _run_stages(run: _Run, cache: StageCache, source: _Source, config: Config, options: dict[str, Any],
                keys: dict[str, str], timings: dict[str, float]) -> dict[str, Any]:
    """Run every stage in order, or find it in the cache; returns their outputs by name (a cached one is
    read only when a later stage or the result needs it: a re-rank never reads the voice features)."""
    outputs = _Outputs()
    for stage in STAGES:
        key = keys[stage.name]
        cached = cache.get(stage.name, key)
        if cached is not None:
            outputs.later[stage.name] = functools.partial(stage.load, cached)
            timings[stage.name] = 0.0
            run.done_weight += stage.weight
            run.reused.append(stage.name)
            run.emit(stage, "cached", 1.0, 1.0)
            continue
        info = source.for_decoding() if stage.decodes else source.info
        run.ran.append(stage.name)
        run.emit(stage, "start", 0.0, info.duration_s)
        t = time.perf_counter()
        with cache.writing(stage.name, key) as folder:
            stage.run(StageContext(info=info, config=config, inputs={d: outputs[d] for d in stage.depends},
                                   options={o: options[o] for o in stage.options},
                                   report=lambda done, s=stage: run.emit(s, "update", done, info.duration_s),
                                   folder=folder))
        outputs[stage.name] = stage.load(cache.folder(stage.name, key))
        timings[stage.name] = time.perf_counter() - t
        run.done_weight += stage.weight
        run.emit(stage, "end", 1.0, 1.0, stage_s=timings[stage.name])
    return outputs


class _Outputs(dict):
    """Stage outputs by name; those in ``later`` are loaded from the cache when first read."""

    def __init__(self) -> None:
        super().__init__()
        self.later: dict[str, Any] = {}

    def __missing__(self, name: str) -> Any:
        value = self[name] = self.later.pop(name)()
        return value


def _finish(out: Path, source: _Source, config: Config, options: dict, outputs: dict[str, Any],
            timings: dict[str, float]) -> Analysis:
    """From the stage outputs to the written result: analysis.json, its columnar files, thumbnails."""
    vision: VisionPass = outputs["vision"]
    people = outputs["roles"]
    data = _assemble(source, config, timings, outputs, options,
                     _warnings(source.info, vision.frames, outputs["audio"], people, vision.raw,
                               config.vision.max_persons))
    if source.path is not None and source.path.is_file():   # moved footage: moments without a thumbnail
        t = time.perf_counter()
        write_thumbnails(source.path, data["moments"], out)
        data["timings_s"]["thumbnails"] = round(time.perf_counter() - t, 4)
    write_result(out, data, frames=frames_table(vision.frames.times_s, vision.frames.source_index),
                 signals=people.signals)
    return load(out, check_schema=False)


@dataclass
class Rerun:
    """What :func:`rerank` did: the settings sections that changed, the cached stages it reused, the
    stages it ran, and how long it took."""

    analysis: Analysis
    changed: list[str]
    reused: list[str]
    ran: list[str]
    seconds: float

    def words(self) -> str:
        if not self.changed:
            return "no setting changed: nothing re-ran"
        reused = f"; reused from the cache: {', '.join(self.reused)}" if self.reused else ""
        what = ", ".join("the corrections of persons" if c == "corrections" else f"[{c}]" for c in self.changed)
        return f"changed: {what}; re-ran: {', '.join(self.ran) or 'nothing'} in {self.seconds:.1f} s" + reused


def rerank(folder: str | Path | Analysis, config: Config, *, video: str | Path | None = None,
           hook: ProgressHook = no_progress, corrections: list[dict] | None = None) -> Rerun:
    """Bring an existing analysis to ``config``, re-running only the stages that read a changed setting
    (and those that read their output); every other stage is loaded from the folder's cache.

    A change to [moments] re-ranks in about a second; [turns], [voice] or [gaze] decode nothing. A
    stage that must decode again (a changed [vision] decode setting, or a cleared cache) needs the
    video: where it was, beside the folder, or ``video``. The roles set by hand are kept, and so are the
    guider's corrections of persons unless ``corrections`` (their JSON form) replaces them.
    ``folder``: an analysis folder, or an analysis already loaded from one.
    """
    t = time.perf_counter()
    result = folder if isinstance(folder, Analysis) else load(folder)
    stored = Config.from_dict(result.config, source=f"{result.folder / ANALYSIS_FILE} config")
    new, old = config.to_dict(), stored.to_dict()
    overrides = result.data.get("overrides", {})
    fixes = (overrides.get("corrections") or []) if corrections is None else corrections
    changed = [name for name in new if new[name] != old.get(name)]
    changed += ["corrections"] if fixes != (overrides.get("corrections") or []) else []
    if not changed:
        return Rerun(result, [], [], [], 0.0)
    path = Path(video) if video is not None else _beside(result)
    if video is not None and not path.is_file():
        raise InputError(f"{path}: no such video")
    sha = result.video.get("sha256") or (sha256_file(path) if path.is_file() else "")
    source = _Source(VideoInfo.from_dict(result.video), sha, path if path.is_file() else None, probed=False)
    run = _Run(hook=hook, stages=STAGES)
    with no_more_open_than(result.folder / ANALYSIS_FILE, folder=result.folder):
        again = _analyse(result.folder, source, config, overrides.get("roles") or None, run, {}, fixes)
    return Rerun(again, changed, run.reused, run.ran, time.perf_counter() - t)


def _beside(result: Analysis) -> Path:
    """The analysed video where it was, or beside the folder (a relative path stored from elsewhere)."""
    video = Path(result.video.get("path", ""))
    return video if video.is_file() else result.folder.parent / video.name


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
    out += [f"a correction of persons was left out: {note}" for note in vision.notes]
    return out


def _check_writable(out: Path) -> None:
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"{out}: cannot create the output folder ({exc.strerror})") from None
    if not out.is_dir():
        raise InputError(f"{out}: exists and is not a folder")


def _assemble(source: _Source, config: Config, timings: dict[str, float], outputs: dict[str, Any],
              options: dict, warnings: list[str]) -> dict:
    """analysis.json, from the stages' records (each serialised by its ``to_dict``)."""
    frames: FrameTable = outputs["vision"].frames
    people, speakers, turns, ranked = outputs["roles"], outputs["speakers"], outputs["turns"], outputs["moments"]
    video = source.info.to_dict()
    video["sha256"] = source.sha256
    # The header's rate can be wrong (variable-rate phones, 600/1 streams); the
    # decode pass saw every frame's timestamp, so report the rate it measured.
    if frames.measured_fps and not frames.stopped_early:
        video["fps"] = round(frames.measured_fps, 4)
    metrics: dict[str, Any] = {}
    if turns is not None:
        metrics["turn_taking"] = turns.turn_taking
    if people.proximity:
        metrics["proximity"] = people.proximity
    if ranked.eye_contact is not None:
        metrics["eye_contact"] = ranked.eye_contact
        metrics["shared_joy"] = ranked.shared_joy
    return {
        "schema_version": SCHEMA_VERSION,
        "software": {"name": "vigvision", "version": __version__},
        "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "video": video,
        "config": config.to_dict(),
        "config_hash": config.hash(),
        "timings_s": {k: round(v, 4) for k, v in timings.items()},
        "availability": _availability(outputs["audio"], people, speakers),
        "frames": {
            "file": "frames.parquet",
            "signals_file": "signals.parquet",
            "analysed": len(frames),
            "decoded": frames.frames_decoded,
            "analysis_fps": config.ingest.analysis_fps,
            "first_s": float(frames.times_s[0]) if len(frames) else None,
            "last_s": float(frames.times_s[-1]) if len(frames) else None,
            "pose": outputs["vision"].raw.pose or None,     # the body pose's looks for lost faces, and their cost
        },
        "overrides": {"roles": options["roles"], "corrections": options["corrections"]},
        "persons": to_dicts(people.persons),
        "speech": speakers.speech.to_dict() if speakers else [],
        "turns": turns.turns.to_dict() if turns else [],
        "gaze": people.gaze.to_dict(),
        "mutual_gaze": people.mutual_gaze.to_dict(),
        "moments": to_dicts(ranked.moments),
        "metrics": metrics,
        "warnings": warnings,
    }


def _availability(audio: Audio | None, people, speakers) -> dict:
    """Which streams could be measured, and why not where one could not."""
    no_audio = None if audio is not None else "the video has no audio track"
    return {
        "video": {"available": True, "reason": None},
        "audio": {"available": audio is not None, "reason": no_audio},
        "vision": {"available": bool(people.persons),
                   "reason": None if people.persons else "no face was found in the analysed frames"},
        "voice": {"available": speakers is not None,
                  "reason": None if speakers is not None else no_audio or "the audio track is empty"},
    }
