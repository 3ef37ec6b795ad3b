"""Ranked candidate moments of attuned interaction, with evidence (the guider decides).

    Interaction (persons, episodes, speech, turns, per-frame signals)
        --cues.pair_cues, per (adult, child) pair--> cue interval sets
        --rank.score_windows / rank.choose--> non-overlapping windows, best first
        --explain--> each moment's cues with their measured values, the Principles of
                     Attuned Interaction they may illustrate, a plain-language explanation
"""
from __future__ import annotations

from ..config import MomentsConfig
from ..time import Span
from . import explain
from .cues import pair_cues
from .interaction import Interaction
from .rank import choose, score_windows

PRINCIPLE_NAMES = explain.PRINCIPLE_NAMES  # the Principles of Attuned Interaction, in their usual order

__all__ = ["Interaction", "PRINCIPLE_NAMES", "find_moments"]


def find_moments(ix: Interaction, cfg: MomentsConfig) -> list[dict]:
    """The ranked candidate moments for analysis.json (see module doc)."""
    cues = {pair: pair_cues(ix, pair[0], pair[1], cfg) for pair in ix.pairs()}
    windows = [w for pair, c in cues.items() for w in score_windows(c, ix.duration_s, cfg, pair)]
    out = []
    for rank, w in enumerate(choose(windows, cfg), start=1):
        span = Span(w.start, w.end)
        items = explain.evidence(ix, cues[w.pair], span, *w.pair)
        illustrated = explain.principles(items)
        out.append({"id": f"M{rank}", "rank": rank, "start": w.start, "end": w.end, "score": round(w.score, 3),
                    "persons": list(w.pair), "cues": items, "principles": illustrated,
                    "explanation": explain.explanation(span, items, illustrated),
                    "keyframe_s": round(keyframe(cues[w.pair], span), 3), "thumbnail": None})
    return out


def keyframe(cues: dict, span: Span) -> float:
    """The instant that shows a moment best: the middle of its longest mutual gaze, else the
    adult's answer to an initiative, else the middle of its longest shared smile, else its middle."""
    gaze = list(cues["mutual_gaze"].intervals.crop(span))
    if gaze:
        return max(gaze, key=lambda s: s.duration).middle
    answers = [e["at"] + e["latency_s"] for e in cues["initiative_received"].events
               if span.start <= e["at"] + e["latency_s"] < span.end]
    if answers:
        return answers[0]
    smiles = list(cues["shared_smile"].intervals.crop(span))
    if smiles:
        return max(smiles, key=lambda s: s.duration).middle
    return span.middle
