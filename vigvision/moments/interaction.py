"""What the moment finder reads: one analysis's persons, episodes, speech and per-frame signals.

Built from the outputs of the earlier stages (analysis.json plus signals.parquet), so that
moments can be re-ranked with new settings without decoding anything.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..time import Intervals


@dataclass
class Interaction:
    duration_s: float
    persons: list[dict]
    gaze: list[dict] = field(default_factory=list)          # episodes: start, end, person, target
    mutual_gaze: list[dict] = field(default_factory=list)   # episodes: start, end, persons
    speech: list[dict] = field(default_factory=list)        # segments: start, end, person, voice
    turns: list[dict] = field(default_factory=list)         # start, end, speaker, kind, person
    signals: pd.DataFrame = field(default_factory=pd.DataFrame)
    analysis_fps: float = 10.0

    @classmethod
    def from_result(cls, data: dict, signals: pd.DataFrame) -> "Interaction":
        """From an analysis.json dict and its signals table."""
        return cls(duration_s=float(data["video"]["duration_s"]), persons=data["persons"], gaze=data["gaze"],
                   mutual_gaze=data["mutual_gaze"], speech=data["speech"], turns=data["turns"], signals=signals,
                   analysis_fps=float(data["config"]["ingest"]["analysis_fps"]))

    def role(self, pid: str) -> str:
        return next((p["role"] for p in self.persons if p["id"] == pid), "unknown")

    def pairs(self) -> list[tuple[str, str]]:
        """Who to look at together, as (adult, child): every adult with every child where roles are
        known (a classroom: the teacher with each pupil), else the two persons seen longest."""
        adults = [p["id"] for p in self.persons if p["role"] == "adult"]
        children = [p["id"] for p in self.persons if p["role"] == "child"]
        if adults and children:
            return [(a, c) for a in adults for c in children]
        main = sorted(self.persons, key=lambda p: -p.get("seen_s", 0))[:2]
        return [(main[0]["id"], main[1]["id"])] if len(main) == 2 else []

    def rows(self, pid: str) -> pd.DataFrame:
        if not len(self.signals):
            return self.signals
        return self.signals[self.signals.person == pid].sort_values("time_s")

    def frame_cells(self, times: np.ndarray, mask: np.ndarray) -> Intervals:
        """The time cells of the frames where ``mask`` holds (each frame stands for 1/fps)."""
        times = np.asarray(times, float)[mask]
        return Intervals.from_arrays(times, times + 1.0 / self.analysis_fps)
