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
class Config:
    """The whole analysis configuration: one field per section."""

    ingest: IngestConfig = field(default_factory=IngestConfig)

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

    def get(self, dotted: str) -> Any:
        """A value by its "section.key" name."""
        section, _, key = dotted.partition(".")
        try:
            return getattr(getattr(self, section), key)
        except AttributeError:
            raise ConfigError(f"config: no setting named {dotted!r}") from None

    def settings_hash(self, names: tuple[str, ...]) -> str:
        """Hash of just the named settings (a stage's cache key uses the ones it reads)."""
        return sha256_json({name: self.get(name) for name in names})

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
        if isinstance(value, list):
            return type(default)(value)
    else:
        return value
    raise ConfigError(f"{where}: expected {type(default).__name__}, got {value!r}")
