"""Candidate windows scored from cue coverage and co-occurrence, then chosen apart and ranked.

Every window of min_s..max_s seconds (lengths in 1 s steps, starts every 0.5 s) is scored:

    score = sum over cues c of  w_c * ((density_c + amount_c) / 2 - cuts_c / 2)
          + w_cooccurrence * (number of kinds of cue present - 1)

with density_c the share of the window the cue covers, amount_c the time it covers over
max_s (so a longer window must earn its length), and cuts_c the number of the window's two
ends that fall inside one of the cue's intervals (a clip should not start or stop in the
middle of a look or a turn). A cue is present when it covers at least 0.3 s, or, for
initiatives received, when one begins inside. Windows are taken best first
(ties: the shorter, then the earlier), each at least min_gap_s away from those taken, until
``count`` are chosen. All of it reads cue intervals only: re-ranking with new weights takes
milliseconds.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..config import MomentsConfig
from .cues import Cue
from .registry import BY_NAME

STEP_S = 0.1            # the scoring grid
START_EVERY_S = 0.5
_PRESENT_S = 0.3


@dataclass(frozen=True)
class Window:
    start: float
    end: float
    score: float
    pair: tuple[str, str]


def _cover(cue: Cue, n: int) -> np.ndarray:
    """Cumulative covered grid cells of a cue (index i: cells before i)."""
    t = (np.arange(n) + 0.5) * STEP_S
    return np.concatenate([[0], np.cumsum(cue.intervals.to_mask(t))])


def score_windows(cues: dict[str, Cue], duration_s: float, cfg: MomentsConfig,
                  pair: tuple[str, str]) -> list[Window]:
    """Every candidate window with a positive score, for one pair's cues."""
    n = int(np.ceil(duration_s / STEP_S))
    if n == 0:
        return []
    starts = np.arange(0, max(duration_s - cfg.min_s, 0) + 1e-9, START_EVERY_S)
    lengths = np.unique(np.append(np.arange(cfg.min_s, cfg.max_s + 1e-9, 1.0), cfg.max_s))
    s = np.repeat(starts, len(lengths))
    length = np.minimum(np.tile(lengths, len(starts)), duration_s - s)
    keep = length >= cfg.min_s - 1e-9
    s, length = s[keep], length[keep]
    i0 = np.round(s / STEP_S).astype(int)
    i1 = np.minimum(n, np.round((s + length) / STEP_S).astype(int))
    score = np.zeros(len(s))
    kinds = np.zeros(len(s))
    for name, cue in cues.items():
        w = getattr(cfg, BY_NAME[name].weight)
        cum = _cover(cue, n)
        covered = (cum[i1] - cum[i0]) * STEP_S
        on = np.diff(cum).astype(bool)                                      # cell covered
        inside = np.zeros(n + 1, bool)
        inside[1:-1] = on[:-1] & on[1:]                                     # boundary i splits covered cells
        score += w * ((covered / length + covered / cfg.max_s) / 2 - (inside[i0] + inside[i1]) / 2)
        if cue.events and name == "initiative_received":
            at = np.array([e["at"] for e in cue.events])
            present = ((at[None, :] >= s[:, None]) & (at[None, :] < (s + length)[:, None])).any(axis=1)
        else:
            present = covered >= _PRESENT_S
        kinds += present
    score += cfg.w_cooccurrence * np.maximum(kinds - 1, 0)
    ok = score > 0
    return [Window(round(float(a), 3), round(float(a + b), 3), float(c), pair)
            for a, b, c in zip(s[ok], length[ok], score[ok])]


def choose(windows: list[Window], cfg: MomentsConfig) -> list[Window]:
    """Best first, at least min_gap_s apart from every window already chosen, at most ``count``."""
    ordered = sorted(windows, key=lambda w: (-round(w.score, 9), w.end - w.start, w.start))
    chosen: list[Window] = []
    for w in ordered:
        if all(w.end + cfg.min_gap_s <= c.start or c.end + cfg.min_gap_s <= w.start for c in chosen):
            chosen.append(w)
            if len(chosen) == cfg.count:
                break
    return chosen
