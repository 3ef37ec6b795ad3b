"""Ranked candidate moments of attuned interaction, with evidence (the guider decides).

    Interaction (persons, episodes, speech, turns, per-frame signals)
        --registry.pair_cues, per (adult, child) pair--> cue interval sets
        --rank.score_windows / rank.choose--> non-overlapping windows, best first
        --registry.evidence, explain--> each moment's cues with their measured values, the Principles
                     of Attuned Interaction they may illustrate, a plain-language explanation

Each cue (its detector, sentence, principles and weight) is one entry of ``registry.CUES``.
"""
from __future__ import annotations

from ..config import MomentsConfig
from ..records import Evidence, Moment, moment_id, to_dicts
from ..time import Span
from . import explain
from .interaction import Interaction, from_analysis, main_pair
from .rank import choose, score_windows
from .registry import WEIGHT_WORDS, evidence, pair_cues, principles

PRINCIPLE_NAMES = explain.PRINCIPLE_NAMES  # the Principles of Attuned Interaction, in their usual order

__all__ = ["Interaction", "PRINCIPLE_NAMES", "WEIGHT_WORDS", "describe", "describe_span", "find_moments"]


def find_moments(ix: Interaction, cfg: MomentsConfig) -> list[Moment]:
    """The ranked candidate moments (see module doc)."""
    cues = {pair: pair_cues(ix, pair[0], pair[1], cfg) for pair in ix.pairs()}
    windows = [w for pair, c in cues.items() for w in score_windows(c, ix.duration_s, cfg, pair)]
    out = []
    for rank, w in enumerate(choose(windows, cfg), start=1):
        span = Span(w.start, w.end)
        items, illustrated, text = _described(ix, cues[w.pair], span, w.pair)
        out.append(Moment(moment_id(w.start), rank, w.start, w.end, round(w.score, 3), list(w.pair), items,
                          illustrated, text, round(keyframe(cues[w.pair], span), 3)))
    return out


def _described(ix: Interaction, cues: dict, span: Span,
               pair: tuple[str, str]) -> tuple[list[Evidence], list[str], str]:
    """A span's evidence, the principles it may illustrate, and its explanation."""
    items = evidence(ix, cues, span, *pair)
    illustrated = principles(items)
    return items, illustrated, explain.explanation(span, items, illustrated)


def describe(ix: Interaction, cfg: MomentsConfig, start: float, end: float,
             persons: tuple[str, str] | list[str] | None = None) -> dict:
    """The evidence of any span, worded as a candidate's: ``{persons, cues, principles, explanation,
    keyframe_s}``. For a moment whose times the guider moved, or one of their own: what was measured
    in *their* span, from the stored episodes and signals (no decoding). ``persons``: the (adult, child)
    pair, default the video's main pair (:func:`interaction.main_pair`)."""
    pair = tuple(persons) if persons else main_pair(ix.persons, ix.proximity)
    span = Span(float(start), float(end))
    if pair is None:  # nobody seen: nothing measured about a pair
        return {"persons": [], "cues": [], "principles": [], "explanation": explain.explanation(span, [], []),
                "keyframe_s": round(span.middle, 3)}
    cues = pair_cues(ix, pair[0], pair[1], cfg)
    items, illustrated, text = _described(ix, cues, span, pair)
    return {"persons": list(pair), "cues": to_dicts(items), "principles": illustrated, "explanation": text,
            "keyframe_s": round(keyframe(cues, span), 3)}


def describe_span(analysis, start: float, end: float, persons=None) -> dict:
    """:func:`describe` for a loaded analysis (vigvision.load), with the settings it was made with."""
    ix, cfg = from_analysis(analysis)
    return describe(ix, cfg, start, end, persons)


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
