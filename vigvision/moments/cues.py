"""Cues of attuned interaction: interval sets computed from the signals, one pair at a time.

Each cue is a documented function of the per-person series, with its thresholds in
``[moments]`` of the config. A pair is (adult, child) where roles are known.

    mutual_gaze        both look at each other's face (the vision stage's mutual-gaze episodes)
    partner_gaze       the adult looks at the child (and, separately, the child at the adult)
    face_to_face       both heads turned towards each other by >= face_to_face_deg
    closeness          face centres within close_faces face widths, or one leaning in
                       (distance falling by 20 % within 2 s)
    vocal_exchange     >= exchange_switches switches of speaker between the two within
                       exchange_window_s (the "yes-cycle")
    initiative_received  the child vocalises or turns to look at the adult, and the adult
                       answers by voice, a look or a smile within response_latency_s; the
                       interval runs from the initiative to 1 s after the answer begins
    shared_smile       both smile (signal >= smile_threshold) at once
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..config import MomentsConfig
from ..records import Segments
from ..time import Intervals
from ..vision.persons import approaches
from .interaction import Interaction

_ANSWER_TAIL_S = 1.0

@dataclass
class Cue:
    name: str
    intervals: Intervals
    events: list[dict] = field(default_factory=list)   # point events behind the intervals, with details


def mutual_gaze(ix: Interaction, a: str, b: str) -> Cue:
    return Cue("mutual_gaze", ix.mutual_gaze.where(persons=lambda pair: set(pair) == {a, b}).intervals())


def looks(ix: Interaction, who: str, at: str) -> Intervals:
    return ix.gaze.where(person=who, target=at).intervals()


def partner_gaze(ix: Interaction, adult: str, child: str) -> Cue:
    """The adult looking at the child (being attentive); the child's look is part of initiatives."""
    return Cue("partner_gaze", looks(ix, adult, child))


def smiling(ix: Interaction, who: str, cfg: MomentsConfig) -> Intervals:
    """The frames where ``who``'s smile signal is at least smile_threshold."""
    rows = ix.rows(who)
    if not len(rows):
        return Intervals()
    return ix.frame_cells(rows.time_s.to_numpy(), (rows.smile >= cfg.smile_threshold).to_numpy())


def _both(ix: Interaction, a: str, b: str) -> pd.DataFrame:
    """The frames where both were seen: one row per frame, columns suffixed _a and _b."""
    ra, rb = ix.rows(a), ix.rows(b)
    if not len(ra) or not len(rb):
        return pd.DataFrame()
    return ra.merge(rb, on="frame", suffixes=("_a", "_b"))


def _smooth(iv: Intervals, ix: Interaction) -> Intervals:
    return iv.support(ix.bridge_gap_s).remove_short(ix.min_episode_s)


def face_to_face(ix: Interaction, a: str, b: str, cfg: MomentsConfig) -> Cue:
    """Both heads turned towards the other. Yaw is + towards the image's right, so the person on
    the left must turn right (+) and the one on the right left (-)."""
    both = _both(ix, a, b)
    if not len(both):
        return Cue("face_to_face", Intervals())
    xa = both.face_x_a + both.face_w_a / 2
    xb = both.face_x_b + both.face_w_b / 2
    side = np.sign(xb - xa)                    # +1: b is to a's right in the image
    turned = (side * both.yaw_deg_a >= cfg.face_to_face_deg) & (-side * both.yaw_deg_b >= cfg.face_to_face_deg)
    return Cue("face_to_face", _smooth(ix.frame_cells(both.time_s_a.to_numpy(), turned.to_numpy()), ix))


def face_distance(ix: Interaction, a: str, b: str) -> tuple[np.ndarray, np.ndarray]:
    """(times, distance between the face centres in face widths) over the frames where both are seen:
    a size-free measure of how close they are in the picture, needing no camera model."""
    both = _both(ix, a, b)
    if not len(both):
        return np.zeros(0), np.zeros(0)
    ca = np.stack([both.face_x_a + both.face_w_a / 2, both.face_y_a + both.face_h_a / 2], 1)
    cb = np.stack([both.face_x_b + both.face_w_b / 2, both.face_y_b + both.face_h_b / 2], 1)
    d = np.linalg.norm(ca - cb, axis=1) / ((both.face_w_a + both.face_w_b).to_numpy() / 2)
    return both.time_s_a.to_numpy(), d


def closeness(ix: Interaction, a: str, b: str, cfg: MomentsConfig) -> Cue:
    """Faces close in the image (in face widths: no camera model needed), or one leaning in."""
    t, d = face_distance(ix, a, b)
    if not len(t):
        return Cue("closeness", Intervals())
    close = ix.frame_cells(t, d <= cfg.close_faces)
    leaning = approaches(d, t, t + 1.0 / ix.analysis_fps)
    events = [{"at": e["start"], "kind": "leaning in", "from_faces": e["from_m"], "to_faces": e["to_m"]}
              for e in leaning]
    return Cue("closeness", _smooth(close | Intervals([(e["start"], e["end"]) for e in leaning]), ix), events)


def pair_turns(ix: Interaction, a: str, b: str) -> Segments:
    """The turns (not back-channels) of a or b."""
    return ix.turns.where(kind="turn", person={a, b})


def switches(ix: Interaction, a: str, b: str) -> list[tuple[float, float, str]]:
    """(time, latency, to whom) of each change of speaker between a and b, from the turns."""
    turns = list(pair_turns(ix, a, b).sorted())
    return [(n["start"], n["start"] - p["end"], n["person"]) for p, n in zip(turns, turns[1:])
            if n["person"] != p["person"]]


def vocal_exchange(ix: Interaction, a: str, b: str, cfg: MomentsConfig) -> Cue:
    """Stretches with at least ``exchange_switches`` switches within ``exchange_window_s``: from
    the turn before the first switch to the end of the turn after the last."""
    sw = switches(ix, a, b)
    turns = list(pair_turns(ix, a, b))
    spans, events = [], []
    n = cfg.exchange_switches
    for i in range(len(sw) - n + 1):
        first, last = sw[i], sw[i + n - 1]
        if last[0] - first[0] <= cfg.exchange_window_s:
            start = max((t["start"] for t in turns if t["end"] <= first[0] + 1e-6), default=first[0])
            end = min((t["end"] for t in turns if t["start"] >= last[0] - 1e-6), default=last[0])
            spans.append((min(start, first[0]), max(end, last[0])))
            events.append({"at": first[0], "switches": n, "latencies": [round(s[1], 3) for s in sw[i:i + n]]})
    return Cue("vocal_exchange", Intervals(spans), events)


def initiatives_received(ix: Interaction, adult: str, child: str, cfg: MomentsConfig) -> Cue:
    """The child's initiatives (starting to vocalise; turning to look at the adult) that the adult
    answers within ``response_latency_s`` by voice, a look at the child, or a smile."""
    child_voice = list(ix.speech.where(person=child).start)
    child_looks = [s.start for s in looks(ix, child, adult)]
    adult_voice = np.sort(ix.speech.where(person=adult).start)
    adult_looks = looks(ix, adult, child)
    adult_smiles = _smooth(smiling(ix, adult, cfg), ix)
    # an initiative is the start of a vocalisation or a look after a pause in it
    initiatives = sorted({(round(t, 3), "vocalised") for t in _onsets(child_voice, 1.0)}
                         | {(round(t, 3), "looked at the adult") for t in _onsets(child_looks, 1.0)})
    spans, events = [], []
    for t0, kind in initiatives:
        answers = []
        later = adult_voice[(adult_voice > t0) & (adult_voice <= t0 + cfg.response_latency_s)]
        if len(later):
            answers.append((float(later[0]), "spoke"))
        answers += [(s.start, "looked at the child") for s in adult_looks if t0 < s.start <= t0 + cfg.response_latency_s]
        answers += [(s.start, "smiled") for s in adult_smiles if t0 < s.start <= t0 + cfg.response_latency_s]
        if not answers:
            continue
        at, how = min(answers)
        spans.append((t0, at + _ANSWER_TAIL_S))
        events.append({"at": t0, "initiative": kind, "response": how, "latency_s": round(at - t0, 3)})
    return Cue("initiative_received", Intervals(spans), events)


def _onsets(starts: list[float], pause_s: float) -> list[float]:
    """Starts that follow at least ``pause_s`` without another start (a new act, not a continuation)."""
    out, last = [], -np.inf
    for t in sorted(starts):
        if t - last >= pause_s:
            out.append(t)
        last = t
    return out


def shared_smile(ix: Interaction, a: str, b: str, cfg: MomentsConfig) -> Cue:
    both = _both(ix, a, b)
    if not len(both):
        return Cue("shared_smile", Intervals())
    on = ((both.smile_a >= cfg.smile_threshold) & (both.smile_b >= cfg.smile_threshold)).to_numpy()
    return Cue("shared_smile", _smooth(ix.frame_cells(both.time_s_a.to_numpy(), on), ix))
