"""What the app's timeline draws, from an analysis: lanes of intervals and the pair's distance.

    lanes:    DataFrame(lane, person, what, start, end) - per person their gaze target, vocal
              activity and smiles; one lane for mutual gaze
    distance: DataFrame(time_s, faces_apart, pair, segment) - face centres apart in face widths, per (adult,
              child) pair, where both faces were seen; a segment is one run of consecutive measurements

It reads the same Interaction the moment finder reads (no decoding), so it is cheap to draw.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..config import MomentsConfig
from ..time import sample_step, sampled_runs
from . import interaction
from .cues import face_distance, smiling
from .interaction import Interaction

LANE_COLUMNS = ["lane", "person", "what", "start", "end"]
DISTANCE_COLUMNS = ["time_s", "faces_apart", "pair", "segment"]


@dataclass
class Timeline:
    duration_s: float
    lanes: pd.DataFrame
    distance: pd.DataFrame


def _label(ix: Interaction, pid: str) -> str:
    person, role = ix.person(pid), ix.role(pid)
    name = f"{person.name}, " if person is not None and person.name else ""
    return f"{pid} ({name}{role})" if role != "unknown" or name else pid


def _gaze_words(ix: Interaction, target: str) -> str:
    if target in ix.ids:
        return f"looks at {_label(ix, target)}"
    return {"camera": "looks at the camera", "away": "looks away"}.get(target, f"looks: {target}")


def build(ix: Interaction, cfg: MomentsConfig) -> Timeline:
    rows = []
    for p in ix.persons:
        pid, who = p.id, _label(ix, p.id)
        for g in ix.gaze.where(person=pid):
            rows.append((f"{who}: gaze", pid, _gaze_words(ix, g["target"]), g["start"], g["end"]))
        for s in ix.speech.where(person=pid):
            rows.append((f"{who}: voice", pid, "vocalises", s["start"], s["end"]))
        for span in smiling(ix, pid, cfg).support(0.2):
            rows.append((f"{who}: smile", pid, "smiles", span.start, span.end))
    for s in ix.speech.where(person=lambda who: not who):
        kind = f"{s.get('voice_type')} " if s.get("voice_type") else ""
        if s.get("off_screen"):      # a voice of nobody seen: the filming practitioner, a sibling
            rows.append(("off-screen voice", None, f"an off-screen {kind}voice ({s.get('voice') or '?'})",
                         s["start"], s["end"]))
        else:
            rows.append(("voice not matched to a face", None, f"voice {s.get('voice') or '?'}", s["start"], s["end"]))
    for m in ix.mutual_gaze:
        rows.append(("mutual gaze", None, "look at each other", m["start"], m["end"]))
    dist = [_distance(ix, a, b) for a, b in ix.pairs()]
    return Timeline(ix.duration_s, pd.DataFrame(rows, columns=LANE_COLUMNS),
                    pd.concat(dist, ignore_index=True) if dist else pd.DataFrame(columns=DISTANCE_COLUMNS))


def _distance(ix: Interaction, a: str, b: str) -> pd.DataFrame:
    """The pair's distance where both were measured; ``segment`` numbers the runs of consecutive
    measurements, so a chart draws one line per run and leaves unseen stretches blank."""
    t, d = face_distance(ix, a, b)
    ok = np.isfinite(d)
    t, d = t[ok], d[ok]
    runs = sampled_runs(t, np.ones(len(t), bool), sample_step(t, 1.0 / ix.analysis_fps))
    segment = np.searchsorted(runs.starts, t, side="right") - 1
    return pd.DataFrame({"time_s": t, "faces_apart": d, "pair": f"{a}-{b}",
                         "segment": [f"{a}-{b}:{k}" for k in segment]}, columns=DISTANCE_COLUMNS)


def from_analysis(analysis) -> Timeline:
    """The timeline of a loaded analysis (vigvision.load), with the settings it was made with."""
    return build(*interaction.from_analysis(analysis))
