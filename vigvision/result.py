"""The analysis result: ``analysis.json`` plus two columnar files beside it.

``OUTDIR/analysis.json``   everything episodic (persons, speech, gaze, moments, metrics)
``OUTDIR/frames.parquet``  one row per analysed frame (which frames were looked at, and when)
``OUTDIR/signals.parquet`` one row per person per analysed frame where the person was seen

The format is documented in ``docs/output-format.md`` and by the JSON Schema
``vigvision/schema/analysis.schema.json``; ``schema_version`` follows semantic
versioning (a reader accepts any minor version of its major version).
"""
from __future__ import annotations

import contextlib
import json
import os
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from .errors import InputError, ResultError
from .io.files import atomic_path, dump_json, sha256_file

SCHEMA_VERSION = "1.5.0"
ANALYSIS_FILE = "analysis.json"
FRAMES_FILE = "frames.parquet"
SIGNALS_FILE = "signals.parquet"

#: Per-person, per-frame signal columns (name, arrow type, unit and meaning).
SIGNAL_COLUMNS: list[tuple[str, pa.DataType, str]] = [
    ("time_s", pa.float64(), "s; presentation time of the frame"),
    ("frame", pa.int32(), "index into frames.parquet"),
    ("person", pa.string(), "person id, e.g. P1"),
    ("face_x", pa.float32(), "px; left of the face box in the upright frame"),
    ("face_y", pa.float32(), "px; top of the face box"),
    ("face_w", pa.float32(), "px; width of the face box"),
    ("face_h", pa.float32(), "px; height of the face box"),
    ("face_score", pa.float32(), "0..1; detector confidence"),
    ("yaw_deg", pa.float32(), "deg; head yaw, + = turned to the image's right"),
    ("pitch_deg", pa.float32(), "deg; head pitch, + = looking up"),
    ("roll_deg", pa.float32(), "deg; head roll, + = tilted clockwise in the image"),
    ("pose_score", pa.float32(), "0..1; confidence of the head pose"),
    ("gaze_yaw_deg", pa.float32(), "deg; gaze direction (head + eyes), same axes as yaw"),
    ("gaze_pitch_deg", pa.float32(), "deg; gaze direction (head + eyes), same axes as pitch"),
    ("gaze_target", pa.string(), "P<n>, camera, away or unknown"),
    ("mouth_open", pa.float32(), "lip aperture / face height"),
    ("smile", pa.float32(), "0..1; smile intensity"),
    ("seen_by", pa.string(), "what measured the head: mesh (face mesh), detector (a profile) or pose (body pose)"),
]
SIGNALS_SCHEMA = pa.schema([(name, typ) for name, typ, _ in SIGNAL_COLUMNS])
FRAMES_SCHEMA = pa.schema([("frame", pa.int32()), ("source_frame", pa.int32()), ("time_s", pa.float64())])


def schema() -> dict:
    """The JSON Schema of analysis.json."""
    text = resources.files("vigvision.schema").joinpath("analysis.schema.json").read_text(encoding="utf-8")
    return json.loads(text)


def validate(data: dict, *, source: str = ANALYSIS_FILE) -> None:
    """Raise :class:`ResultError` naming the first place ``data`` breaks the schema."""
    import jsonschema

    validator = jsonschema.Draft202012Validator(schema())
    error = next(iter(sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))), None)
    if error is not None:
        where = "/".join(str(p) for p in error.absolute_path) or "(top level)"
        raise ResultError(f"{source}: invalid at {where}: {error.message}")


def write_result(outdir: Path, data: dict, *, frames: pa.Table, signals: pa.Table) -> None:
    """Write the three files of a result as one unit.

    All three are written to temporary names first (a full disk or an error leaves none of them), with
    analysis.json naming the SHA-256 of its columnar files (``frames.sha256``); then they are renamed,
    analysis.json last, so its presence marks a complete result. A run killed between those renames
    leaves files that do not belong together, and :func:`load` refuses them rather than mixing runs.
    """
    outdir.mkdir(parents=True, exist_ok=True)
    with atomic_path(outdir / ANALYSIS_FILE) as json_tmp:
        with contextlib.ExitStack() as columnar:   # renamed when it closes, before analysis.json
            hashes = {}
            for name, table in ((FRAMES_FILE, frames), (SIGNALS_FILE, signals)):
                tmp = columnar.enter_context(atomic_path(outdir / name))
                pq.write_table(table, tmp)
                hashes[name] = sha256_file(tmp)
                if (outdir / name).is_file() and sha256_file(outdir / name) == hashes[name]:
                    tmp.unlink()   # the same table (a re-rank): the file stays untouched
            data["frames"]["sha256"] = hashes
            with open(json_tmp, "w", encoding="utf-8") as f:
                dump_json(data, f)
                f.flush()
                os.fsync(f.fileno())


def frames_table(times_s: np.ndarray, source_index: np.ndarray) -> pa.Table:
    n = len(times_s)
    return pa.table({"frame": pa.array(np.arange(n, dtype=np.int32)),
                     "source_frame": pa.array(source_index.astype(np.int32)),
                     "time_s": pa.array(times_s.astype(np.float64))}, schema=FRAMES_SCHEMA)


def _key(name: str, doc: str) -> property:
    return property(lambda self: self.data[name], doc=doc)


class Analysis:
    """A loaded analysis folder.

    >>> result = vigvision.load("family.vigvision")     # doctest: +SKIP
    >>> result.video["duration_s"], len(result.moments)
    (612.4, 10)
    >>> result.signals().groupby("person").yaw_deg.median()   # doctest: +SKIP
    """

    def __init__(self, folder: Path, data: dict):
        self.folder = folder
        self.data = data

    def __repr__(self) -> str:
        return f"Analysis({str(self.folder)!r}, video={self.video.get('path')!r})"

    def __getitem__(self, key: str) -> Any:
        return self.data[key]

    video = _key("video", "video metadata (dict)")
    persons = _key("persons", "persons seen, with roles (list of dicts)")
    speech = _key("speech", "vocal activity segments (list of dicts)")
    turns = _key("turns", "turns and back-channels (list of dicts)")
    gaze = _key("gaze", "gaze episodes per person (list of dicts)")
    mutual_gaze = _key("mutual_gaze", "mutual gaze episodes (list of dicts)")
    moments = _key("moments", "ranked candidate moments (list of dicts)")
    metrics = _key("metrics", "researcher metrics (dict)")
    config = _key("config", "the effective configuration (dict)")

    def source_video(self, override: str | Path | None = None) -> Path:
        """The analysed video (or ``override``, when it has moved), checked to be there."""
        video = Path(override or self.video["path"])
        if not video.is_file():
            raise InputError(f"{video}: the analysed video is not there any more; give its new place with --video")
        return video

    def display_scale(self) -> float:
        """Signals' pixel coordinates -> the video's display pixels (analysis may run on downscaled frames)."""
        max_side = int(self.config["ingest"].get("max_side") or 0)
        longest = max(self.video["width"], self.video["height"])
        return longest / max_side if max_side and longest > max_side else 1.0

    @property
    def warnings(self) -> list[str]:
        return self.data.get("warnings", [])

    def frames(self):
        """The frame table as a pandas DataFrame (frame, source_frame, time_s)."""
        return _read_table(self.folder / FRAMES_FILE).to_pandas()

    def signals(self):
        """The per-person, per-frame signals as a pandas DataFrame (see SIGNAL_COLUMNS)."""
        return _read_table(self.folder / SIGNALS_FILE).to_pandas()


def _read_table(path: Path) -> pa.Table:
    if not path.is_file():
        raise ResultError(f"{path}: missing from the analysis folder; re-run vigvision analyze")
    try:
        return pq.read_table(path)
    except (pa.ArrowException, OSError) as exc:
        raise ResultError(f"{path}: unreadable ({exc}); re-run vigvision analyze") from None


def load(folder: str | Path, *, check_schema: bool = True) -> Analysis:
    """Read an analysis folder written by ``vigvision analyze``.

    ``folder`` may also be the analysis.json file itself.
    """
    p = Path(folder)
    if p.is_file() and p.name == ANALYSIS_FILE:
        p = p.parent
    if not p.exists():
        raise ResultError(f"{p}: no such analysis folder")
    f = p / ANALYSIS_FILE
    if not f.is_file():
        raise ResultError(f"{p}: not an analysis folder (no {ANALYSIS_FILE}); run vigvision analyze first")
    try:
        data = json.loads(f.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ResultError(f"{f}: not valid JSON ({exc}); re-run vigvision analyze") from None
    version = str(data.get("schema_version", "")) if isinstance(data, dict) else ""
    if version.split(".")[0] != SCHEMA_VERSION.split(".")[0]:
        raise ResultError(f"{f}: schema_version {version or '(none)'} is not readable by this vigvision "
                          f"(reads {SCHEMA_VERSION.split('.')[0]}.x)")
    if check_schema:
        validate(data, source=str(f))
    _check_belong(p, data)
    return Analysis(p, data)


def _check_belong(folder: Path, data: dict) -> None:
    """Refuse columnar files that are not the ones analysis.json was written with (a run cut while
    writing its result, or files copied in from another folder)."""
    hashes = data.get("frames", {}).get("sha256") or {}
    for name in (FRAMES_FILE, SIGNALS_FILE):
        if name not in hashes:
            continue   # a result from before 1.2 names none
        path = folder / name
        if not path.is_file():
            raise ResultError(f"{path}: missing from the analysis folder; re-run vigvision analyze")
        if sha256_file(path) != hashes[name]:
            raise ResultError(f"{path}: not the file {ANALYSIS_FILE} was written with (a run was cut while "
                              "writing its result, or the file was replaced); re-run vigvision analyze")
