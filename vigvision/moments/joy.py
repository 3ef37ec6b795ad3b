"""Laughter and shared joy: a visual and a vocal cue per person, and a per-video score.

Laughter is seen and heard at once: an open-mouth smile (smiling, with the mouth more open
than the person's own median) while there is sound. Rhythmic voiced bursts ("ha-ha-ha": at
least ``_BURST_MIN`` short sound segments, each at most ``_BURST_MAX_S`` long, with gaps of at
most ``_BURST_GAP_S``) are counted beside it, for the sound track as a whole. Sound is not required to be attributed to the person: on real footage
most child vocalisations stay unattributed (voice attribution covers about a quarter of the
time), and a laugh while the child's mouth is open and smiling is the child's evidence either way.

The per-video score is the share of the time the child was seen that it laughed (both cues
at once, by the visual cue's cells), so a child seen briefly is not penalised for it.

Known weakness (benchmarks/results/laughter.md): the smile and mouth signals come from the face
mesh, which reads little from a small child's face in profile; on the lookit-laughter family
whose child laughs in every clip (filmed side-on in a high chair) the smile signal stays near 0,
so the score ranks those clips below the other family's. Not a cue to rank moments by yet.
"""
from __future__ import annotations

import numpy as np

from ..config import MomentsConfig
from ..time import Intervals
from .cues import smiling
from .interaction import Interaction

_BURST_MIN = 3
_BURST_MAX_S = 0.8
_BURST_GAP_S = 0.6
_SOUND_PAD_S = 0.3      # a laugh's smile outlasts its sound a little


def sound(ix: Interaction) -> Intervals:
    """Every speech segment, whoever it was attributed to (or none)."""
    return ix.speech.intervals()


def bursts(ix: Interaction) -> Intervals:
    """Runs of >= _BURST_MIN short sound segments close together: the rhythm of laughter."""
    segs = sorted(zip(ix.speech.start.tolist(), ix.speech.end.tolist()))
    out, run = [], []
    for seg in segs + [(np.inf, np.inf)]:
        short = seg[1] - seg[0] <= _BURST_MAX_S
        if run and short and seg[0] - run[-1][1] <= _BURST_GAP_S:
            run.append(seg)
            continue
        if len(run) >= _BURST_MIN:
            out.append((run[0][0], run[-1][1]))
        run = [seg] if short else []
    return Intervals(out)


def open_smile(ix: Interaction, who: str, cfg: MomentsConfig) -> Intervals:
    """Frames where ``who`` smiles (>= smile_threshold) with the mouth opener than their median."""
    rows = ix.rows(who)
    if not len(rows):
        return Intervals()
    mouth = rows.mouth_open.to_numpy(float)
    median = np.nanmedian(mouth) if np.isfinite(mouth).any() else np.nan
    on = (rows.smile.to_numpy(float) >= cfg.smile_threshold) & (mouth > median)   # NaN compares False
    return ix.frame_cells(rows.time_s.to_numpy(), on)


def heard(ix: Interaction) -> Intervals:
    """The sound, padded: a laugh's smile outlasts it a little."""
    return Intervals([(s - _SOUND_PAD_S, e + _SOUND_PAD_S) for s, e in sound(ix).to_list()])


def laughter(ix: Interaction, who: str, cfg: MomentsConfig) -> Intervals:
    """``who``'s open-mouth smile while there is sound."""
    return open_smile(ix, who, cfg) & heard(ix)


def shared_joy(ix: Interaction, cfg: MomentsConfig) -> dict:
    """Per child (or the two most-seen persons where roles are unknown): seconds and share of
    seen time laughing, seconds of open smile, and of laughing while the adult smiles too; and
    the count of burst runs in the sound track (whoever made them).
    ``score`` is the highest child's laughing share: the per-video "child laughed" score."""
    per, score, sounded = {}, None, heard(ix)
    for adult, child in ix.pairs():
        seen = ix.seen(child).total     # the same cells the laughter is measured on: a share <= 1
        opened = open_smile(ix, child, cfg)
        laugh = opened & sounded
        share = round(laugh.total / seen, 4) if seen > 0 else None
        per[child] = {"laughing_s": round(laugh.total, 3), "laughing_fraction": share,
                      "open_smile_s": round(opened.total, 3),
                      "shared_s": round((laugh & smiling(ix, adult, cfg)).total, 3)}
        if share is not None:
            score = share if score is None else max(score, share)
    return {"score": score, "bursts": len(bursts(ix)), "per_child": per}
