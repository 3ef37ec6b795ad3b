"""Which person each voice belongs to, from all the evidence: mouth, voice type against role, and each other.

On real footage mouths are often not seen, or barely move in profile, so the mouth cannot decide alone. Each
voice gets one answer: a person, or *off-screen* (nobody seen: the filming practitioner, a sibling out of the
picture), chosen jointly for all voices so the answers fit together. The score of a joint answer adds:

- **mouth**: for voice v and person p, ``MOUTH_WEIGHT * (z - max(z_p, z_v) / 2)``, where z is how much more
  p's mouth moves while v is heard than in silence (in p's own spreads; :func:`speakers.mouth_scores`), z_p
  the most p's mouth moves with any voice and z_v the most any mouth moves with v: a mouth that clearly moves
  with one voice and not with another is evidence against the second, and a voice one mouth clearly moves
  with is evidence against the still mouths. A mouth not seen while v was heard adds nothing. Movement under
  ``min_mouth_score`` counts as none.
- **voice type against role**: ``ln(P(voice | role) / 0.5)`` with P(child-like | f0) from the voice's median
  pitch (:func:`child_likeness`): below 165 Hz a man's voice, never a child's; above it only weak evidence,
  because a mother's infant-directed speech reaches 300-750 Hz, where infants squeal and babble (on the
  labelled lookit-laughter clips nearly every voice above 400 Hz is the parent's). A person of unknown role
  adds nothing.
- **the pair**: where one voice goes to an adult and another to a child, the child's voice being the higher
  adds up to ``ORDER_WEIGHT`` (less for the reverse): a tie-breaker where nothing else tells.
- **the adult speaks**: ``SPEAKS_BONUS`` for each adult (or person of unknown role) given at least one
  voice: the adult of a VIG film talks, a young child may not (one person's voice is often found as two, so a
  person may take several). A child is given a voice on evidence: a mouth, a pitch, or the pair.
- **off-screen**: ``-OFF_SCREEN_COST`` for a voice given to nobody seen.

Each voice's confidence is the logistic of how much worse the best joint answer with a different answer for
that voice scores. With few voices and persons every joint answer is tried ((P + 1) ** V, at most a few
thousand); beyond ``MAX_JOINT`` the voices are answered one by one.
"""
from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np

MOUTH_WEIGHT = 2.0
ORDER_WEIGHT = 0.3
ORDER_OCTAVES = 0.3      # a pitch difference this large (in octaves) gives the whole ORDER_WEIGHT
SPEAKS_BONUS = 0.5
OFF_SCREEN_COST = 1.0
MAX_JOINT = 20000
MAN_HZ, SQUEAL_HZ = 165.0, 450.0
OFF_SCREEN = "off-screen"


@dataclass(frozen=True)
class VoiceAnswer:
    """Who a voice belongs to: ``person`` (an id) or None; ``off_screen`` when it is nobody seen;
    ``voice_type`` adult (below MAN_HZ) / child (SQUEAL_HZ and above) / None (between, or no pitch: the
    pitch does not tell); ``confidence`` 0.5-1."""

    person: str | None
    off_screen: bool
    voice_type: str | None
    confidence: float


def child_likeness(f0_hz: float | None) -> float | None:
    """P(the voice is a child's | its median pitch): 0.02 below MAN_HZ, 0.45-0.6 rising with log pitch up to
    SQUEAL_HZ, 0.65 above it; None without a pitch."""
    if f0_hz is None or not math.isfinite(f0_hz) or f0_hz <= 0:
        return None
    if f0_hz < MAN_HZ:
        return 0.02
    if f0_hz >= SQUEAL_HZ:
        return 0.65
    return 0.45 + 0.15 * math.log2(f0_hz / MAN_HZ) / math.log2(SQUEAL_HZ / MAN_HZ)


def attribute_voices(f0_hz: list[float | None], mouth: np.ndarray, roles: list[str], persons: list[str],
                     min_mouth_score: float = 0.05) -> list[VoiceAnswer]:
    """One answer per voice (see module doc). ``mouth``: (voices, persons) mouth scores, NaN where the
    person's mouth was not seen while the voice was heard; ``roles``: each person's role (adult, child or
    unknown), in the order of ``persons``."""
    V, P = len(f0_hz), len(persons)
    if V == 0:
        return []
    likeness = [child_likeness(f) for f in f0_hz]
    types = [None if f is None or not math.isfinite(f) else "adult" if f < MAN_HZ else "child" if f >= SQUEAL_HZ
             else None for f in f0_hz]
    pair = _pair_scores(mouth, likeness, roles, min_mouth_score) if P else np.zeros((V, 0))
    # answer index: 0..P-1 a person, P off-screen
    single = np.concatenate([pair, np.full((V, 1), -OFF_SCREEN_COST)], axis=1)
    if (P + 1) ** V <= MAX_JOINT:
        scored = [(_joint_score(a, single, f0_hz, roles, P), a) for a in itertools.product(range(P + 1), repeat=V)]
    else:   # too many to try: each voice its own best answer, each sure by its own margin
        best = tuple(int(np.argmax(row)) for row in single)
        scored = [(_joint_score(best, single, f0_hz, roles, P), best)]
    top_score, top = max(scored, key=lambda sa: sa[0])
    out = []
    for v in range(V):
        others = [s for s, a in scored if a[v] != top[v]]
        margin = (top_score - max(others) if others else
                  float(single[v, top[v]] - np.max(np.delete(single[v], top[v]))) if single.shape[1] > 1 else 4.0)
        conf = round(1.0 / (1.0 + math.exp(-margin)), 3)
        k = top[v]
        out.append(VoiceAnswer(persons[k] if k < P else None, k == P, types[v], conf))
    return out


def _pair_scores(mouth: np.ndarray, likeness: list[float | None], roles: list[str],
                 min_mouth_score: float) -> np.ndarray:
    z = np.where(np.abs(mouth) >= min_mouth_score, mouth, np.where(np.isfinite(mouth), 0.0, np.nan))
    moving = np.where(np.isfinite(z), np.maximum(z, 0.0), 0.0)
    # a mouth that moves clearly with some voice, or a voice some mouth moves clearly with, sets what
    # "moving with it" means: half of that is the line between evidence for and against
    ref = np.maximum(moving.max(axis=0)[None, :], moving.max(axis=1)[:, None]) / 2
    m = np.where(np.isfinite(z), MOUTH_WEIGHT * (z - ref), 0.0)
    t = np.zeros_like(m)
    for v, c in enumerate(likeness):
        if c is None:
            continue
        for p, role in enumerate(roles):
            if role in ("adult", "child"):
                t[v, p] = math.log((c if role == "child" else 1.0 - c) / 0.5)
    return m + t


def _joint_score(answer: tuple[int, ...], single: np.ndarray, f0_hz: list[float | None], roles: list[str],
                 P: int) -> float:
    score = float(sum(single[v, k] for v, k in enumerate(answer)))
    score += SPEAKS_BONUS * len({k for k in answer if k < P and roles[k] != "child"})
    for a, b in itertools.permutations(range(len(answer)), 2):
        ka, kb = answer[a], answer[b]
        if ka < P and kb < P and roles[ka] == "adult" and roles[kb] == "child":
            fa, fb = f0_hz[a], f0_hz[b]
            if fa and fb and math.isfinite(fa) and math.isfinite(fb):
                octaves = math.log2(fb / fa)      # the child's voice higher: positive
                score += ORDER_WEIGHT * max(-1.0, min(1.0, octaves / ORDER_OCTAVES))
    return score
