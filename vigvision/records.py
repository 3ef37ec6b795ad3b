"""The typed records that flow between the stages; ``analysis.json`` is their serialisation.

    Person      one person seen over the video: id, role (suggested or set), measurements
    Segments    labelled intervals as parallel columns (speech, turns, gaze, mutual gaze):
                ``start``, ``end`` and one column per label, filtered with :meth:`Segments.where`
    Evidence    one cue measured inside a moment, with its values and its sentence
    Moment      a ranked candidate: a stable id (from where it starts, so a re-rank that keeps a
                moment keeps its id), its span, pair, evidence, principles and explanation

Each has ``to_dict`` (the JSON form documented in docs/output-format.md) and ``from_dict``.
"""
from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any, Callable, Iterator

import numpy as np

from .time import Intervals


@dataclass
class Person:
    """One person over the video. ``role``: adult, child or unknown; ``role_source``: suggested or user."""

    id: str
    role: str = "unknown"
    role_confidence: float = 0.5
    role_source: str = "suggested"
    seen_s: float = 0.0
    proportions: dict[str, float | None] = field(default_factory=dict)
    median_x_px: float | None = None
    median_face_width_px: float | None = None
    median_face_height_px: float | None = None
    voice_f0_median_hz: float | None = None
    name: str | None = None              # what the guider calls them ("Mum", "Amy")
    in_cast: bool | None = None          # one of the cast given ([persons] cast); None: no cast given
    identity_sureness: float = 1.0       # how alike the least alike of the stretches joined into this person were

    def to_dict(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @property
    def words(self) -> str:
        """How an explanation names them: "Mum", or "the child (P2)" (or "P3" with no role)."""
        if self.name:
            return self.name
        return f"the {self.role} ({self.id})" if self.role in ("adult", "child") else self.id

    @classmethod
    def from_dict(cls, data: dict) -> "Person":
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


class Segments:
    """Labelled intervals in parallel columns, in the order given (a table, as supervision's
    ``Detections`` holds boxes): analysis.json's speech, turns, gaze and mutual_gaze are each one.

    >>> gaze = Segments.from_dict([{"start": 0, "end": 1, "person": "P1", "target": "P2"},
    ...                            {"start": 2, "end": 3, "person": "P2", "target": "away"}])
    >>> len(gaze), gaze.where(person="P1").intervals().to_list()
    (2, [(0.0, 1.0)])
    >>> gaze.where(target={"P1", "P2"}).to_dict()
    [{'start': 0.0, 'end': 1.0, 'person': 'P1', 'target': 'P2'}]
    """

    __slots__ = ("start", "end", "labels")

    def __init__(self, start=(), end=(), labels: dict[str, Any] | None = None):
        self.start = np.asarray(start, np.float64).ravel()
        self.end = np.asarray(end, np.float64).ravel()
        self.labels = {k: _objects(v) for k, v in (labels or {}).items()}
        if len(self.start) != len(self.end) or any(len(v) != len(self.start) for v in self.labels.values()):
            raise ValueError("Segments: start, end and every label column must have one value per segment")

    @classmethod
    def from_dict(cls, rows: list[dict]) -> "Segments":
        """From JSON rows (``start``, ``end`` and labels; a label a row lacks is None there)."""
        names = list(dict.fromkeys(k for r in rows for k in r if k not in ("start", "end")))
        return cls([r["start"] for r in rows], [r["end"] for r in rows],
                   {k: [r.get(k) for r in rows] for k in names})

    def to_dict(self) -> list[dict]:
        return [dict(row) for row in self]

    def __len__(self) -> int:
        return len(self.start)

    def __iter__(self) -> Iterator[dict]:
        for i in range(len(self)):
            yield {"start": float(self.start[i]), "end": float(self.end[i]),
                   **{k: v[i] for k, v in self.labels.items()}}

    def __repr__(self) -> str:
        return f"Segments({len(self)} segments, labels {list(self.labels)})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Segments) and self.to_dict() == other.to_dict()

    def column(self, name: str) -> np.ndarray:
        """A label's values (None for every segment where the column is absent)."""
        return self.labels.get(name, _objects([None] * len(self)))

    def where(self, **match: Any) -> "Segments":
        """The segments whose labels match: a value (equal), a set (one of), or a function (true).

        ``gaze.where(person="P1", target={"P2", "P3"})``;
        ``mutual.where(persons=lambda pair: set(pair) == {"P1", "P2"})``.
        """
        keep = np.ones(len(self), bool)
        for name, want in match.items():
            values = self.column(name)
            keep &= np.fromiter((_matches(v, want) for v in values), bool, len(values))
        return self.take(keep)

    def take(self, keep: np.ndarray) -> "Segments":
        return Segments(self.start[keep], self.end[keep], {k: v[keep] for k, v in self.labels.items()})

    def sorted(self) -> "Segments":
        """In order of start (stable)."""
        return self.take(np.argsort(self.start, kind="stable"))

    def intervals(self) -> Intervals:
        """Their union as a set of disjoint intervals."""
        return Intervals.from_arrays(self.start, self.end)

    @property
    def durations(self) -> np.ndarray:
        return self.end - self.start


def _objects(values) -> np.ndarray:
    out = np.empty(len(values), object)
    out[:] = list(values)
    return out


def _matches(value: Any, want: Any) -> bool:
    if callable(want):
        return bool(want(value))
    if isinstance(want, (set, frozenset)):
        return value in want
    return value == want


@dataclass
class Evidence:
    """One cue inside a moment: ``values`` measured there (seconds, counts, latencies) and a sentence."""

    cue: str
    text: str
    values: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {"cue": self.cue, **self.values, "text": self.text}

    @classmethod
    def from_dict(cls, data: dict) -> "Evidence":
        values = {k: v for k, v in data.items() if k not in ("cue", "text")}
        return cls(data["cue"], data.get("text", ""), values)


def moment_id(start: float) -> str:
    """A moment's id, from where it starts (at most one chosen moment starts at any instant, since
    chosen moments do not overlap): ``M042.5`` starts at 42.5 s. A re-rank that keeps a moment keeps
    its id, so decisions, clip names and notes that cite it stay right.

    >>> moment_id(42.5), moment_id(1203.04)
    ('M042.5', 'M1203.0')
    """
    return f"M{start:05.1f}"


@dataclass
class Moment:
    """A ranked candidate moment: what the moment finder proposes for the guider to decide on."""

    id: str
    rank: int
    start: float
    end: float
    score: float
    persons: list[str]
    cues: list[Evidence] = field(default_factory=list)
    principles: list[str] = field(default_factory=list)
    explanation: str = ""
    keyframe_s: float | None = None
    thumbnail: str | None = None

    @property
    def duration(self) -> float:
        return self.end - self.start

    def to_dict(self) -> dict:
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        out["cues"] = [e.to_dict() for e in self.cues]
        return out

    @classmethod
    def from_dict(cls, data: dict) -> "Moment":
        known = {f.name for f in fields(cls)}
        values: dict[str, Any] = {k: v for k, v in data.items() if k in known}
        values["cues"] = [Evidence.from_dict(e) for e in data.get("cues", [])]
        return cls(**values)


def to_dicts(records) -> list[dict]:
    """``[r.to_dict() for r in records]``: the JSON form of a list of records."""
    return [r.to_dict() for r in records]


def from_dicts(cls: Callable[[dict], Any] | type, rows: list[dict]) -> list:
    """The records of JSON rows: ``from_dicts(Person, data["persons"])``."""
    make = cls.from_dict if isinstance(cls, type) else cls
    return [make(r) for r in rows]
