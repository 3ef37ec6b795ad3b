"""A coding: named streams of labelled intervals, the common ground with human coders' tools.

A :class:`Coding` holds streams such as ``P2.gaze`` (label: the gaze target), ``P1.voice``
(label: "vocalises"), ``mutual_gaze``, ``turns``, ``moments`` and ``accepted`` (the guider's
decisions).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import InputError

NONE = "(none)"   # the label of time no interval covers


@dataclass(frozen=True)
class Segment:
    start: float
    end: float
    label: str


@dataclass
class Coding:
    """Streams of segments by name, with what each stream is about (for ELAN tiers and tables)."""

    streams: dict[str, list[Segment]] = field(default_factory=dict)
    subjects: dict[str, str] = field(default_factory=dict)     # stream -> who (P1 adult), for tables and tiers
    free_text: set[str] = field(default_factory=set)           # streams whose labels are not a closed vocabulary
    vocab: dict[str, list[str]] = field(default_factory=dict)  # a closed stream's possible labels (used or not)
    duration_s: float | None = None
    media: str | None = None
    source: str = ""

    def add(self, name: str, start: float, end: float, label: str) -> None:
        if end > start:
            self.streams.setdefault(name, []).append(Segment(round(float(start), 4), round(float(end), 4), str(label)))

    def stream(self, name: str) -> list[Segment]:
        if name not in self.streams:
            known = ", ".join(sorted(self.streams)) or "none"
            raise InputError(f"{self.source or 'coding'}: no tier or stream named {name!r} (there are: {known})")
        return sorted(self.streams[name], key=lambda s: (s.start, s.end))

    def end_s(self) -> float:
        ends = [s.end for segs in self.streams.values() for s in segs]
        return max([self.duration_s or 0.0, *ends])
