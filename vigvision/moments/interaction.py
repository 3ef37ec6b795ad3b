"""What the moment finder reads: one analysis's persons, episodes, speech and per-frame signals.

Built from the outputs of the earlier stages (analysis.json plus signals.parquet), so that
moments can be re-ranked with new settings without decoding anything.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..records import Person, Segments
from ..time import Intervals, sample_step

if TYPE_CHECKING:
    from ..config import MomentsConfig


@dataclass
class Interaction:
    """Typed: persons are :class:`Person`, episodes :class:`Segments` (JSON rows given are converted)."""

    duration_s: float
    persons: list[Person]
    gaze: Segments = field(default_factory=Segments)          # episodes: start, end, person, target
    mutual_gaze: Segments = field(default_factory=Segments)   # episodes: start, end, persons
    speech: Segments = field(default_factory=Segments)        # segments: start, end, person, voice
    turns: Segments = field(default_factory=Segments)         # start, end, speaker, kind, person
    signals: pd.DataFrame = field(default_factory=pd.DataFrame)
    analysis_fps: float = 10.0
    proximity: dict = field(default_factory=dict)           # metrics.proximity: pairs, time seen together
    # frame-level cues are smoothed as gaze episodes are: gaps up to bridge_gap_s bridged, then stretches
    # shorter than min_episode_s dropped (the analysis's [gaze] settings)
    bridge_gap_s: float = 0.3
    min_episode_s: float = 0.3

    def __post_init__(self) -> None:
        self.persons = [p if isinstance(p, Person) else Person.from_dict(p) for p in self.persons]
        for name in ("gaze", "mutual_gaze", "speech", "turns"):
            value = getattr(self, name)
            if not isinstance(value, Segments):
                setattr(self, name, Segments.from_dict(value))

    @classmethod
    def from_result(cls, data: dict, signals: pd.DataFrame) -> "Interaction":
        """From an analysis.json dict and its signals table."""
        return cls(duration_s=float(data["video"]["duration_s"]), persons=data["persons"], gaze=data["gaze"],
                   mutual_gaze=data["mutual_gaze"], speech=data["speech"], turns=data["turns"], signals=signals,
                   analysis_fps=float(data["config"]["ingest"]["analysis_fps"]),
                   proximity=data.get("metrics", {}).get("proximity") or {},
                   bridge_gap_s=float(data["config"].get("gaze", {}).get("bridge_gap_s", 0.3)),
                   min_episode_s=float(data["config"].get("gaze", {}).get("min_episode_s", 0.3)))

    def person(self, pid: str) -> Person | None:
        return next((p for p in self.persons if p.id == pid), None)

    def role(self, pid: str) -> str:
        person = self.person(pid)
        return person.role if person is not None else "unknown"

    @property
    def ids(self) -> set[str]:
        return {p.id for p in self.persons}

    def pairs(self) -> list[tuple[str, str]]:
        """Who to look at together, as (adult, child): see :func:`pairs`."""
        return pairs(self.persons)

    def rows(self, pid: str) -> pd.DataFrame:
        if not len(self.signals):
            return self.signals
        return self.signals[self.signals.person == pid].sort_values("time_s")

    def seen(self, pid: str) -> Intervals:
        """The time ``pid`` was seen: the cells of the analysed frames with a row for them. The
        denominator of every "share of the time seen" metric, so a share can never exceed 1."""
        rows = self.rows(pid)
        if not len(rows):
            return Intervals()
        times = rows.time_s.to_numpy()
        return self.frame_cells(times, np.ones(len(times), bool))

    def frame_cells(self, times: np.ndarray, mask: np.ndarray) -> Intervals:
        """The time cells of the frames where ``mask`` holds. A frame stands for the time until the next
        analysed frame (a 25 fps source sampled at 10 fps: 0.08 or 0.12 s, so cells tile without overlap
        or gap, as ``persons[].seen_s`` counts them); where no frame follows within 1.5 sampling steps
        (the last frame, or the next frame showed nobody), one step."""
        times = np.asarray(times, float)[mask]
        grid = np.unique(self.signals.time_s.to_numpy(float)) if len(self.signals) else times
        step = sample_step(grid, 1.0 / self.analysis_fps)
        k = np.searchsorted(grid, times, side="right")
        following = np.where(k < len(grid), grid[np.minimum(k, len(grid) - 1)], np.inf)
        gap = following - times
        return Intervals.from_arrays(times, times + np.where(gap <= 1.5 * step, gap, step))


def from_analysis(analysis) -> tuple[Interaction, "MomentsConfig"]:
    """What the moment finder reads from a loaded analysis (vigvision.load), and the [moments] settings it
    was made with: the one way the timeline, renders and span descriptions rebuild it (no decoding)."""
    from ..config import Config

    config = Config.from_dict(analysis.config, source=f"{analysis.folder}: config")
    return Interaction.from_result(analysis.data, analysis.signals()), config.moments


def pairs(persons: list[Person] | list[dict]) -> list[tuple[str, str]]:
    """Who to look at together, as (adult, child): every adult with every child where roles are
    known (a classroom: the teacher with each pupil), else the two persons seen longest."""
    persons = [p if isinstance(p, Person) else Person.from_dict(p) for p in persons]
    adults = [p.id for p in persons if p.role == "adult"]
    children = [p.id for p in persons if p.role == "child"]
    if adults and children:
        return [(a, c) for a in adults for c in children]
    main = sorted(persons, key=lambda p: -p.seen_s)[:2]
    return [(main[0].id, main[1].id)] if len(main) == 2 else []


def main_pair(persons: list[Person] | list[dict], proximity: dict | None) -> tuple[str, str] | None:
    """The pair a guider cares about: of :func:`pairs`, the one seen together longest (``both_seen_s``
    of ``metrics.proximity``); ties and pairs never seen together keep the order of :func:`pairs`."""
    together = {frozenset(p["persons"]): p.get("both_seen_s") or 0.0 for p in (proximity or {}).get("pairs", [])}
    options = pairs(persons)
    return max(options, key=lambda ac: together.get(frozenset(ac), 0.0)) if options else None
