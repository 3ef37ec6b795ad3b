"""Sequence smoothing shared by the vision and voice steps."""
from __future__ import annotations

import numpy as np


def viterbi(cost: np.ndarray, seen: np.ndarray, switch: float) -> np.ndarray:
    """Cheapest state sequence within each run of ``seen`` frames; -1 where unseen.

    ``cost``: (F, K) cost of each state per frame; every change of state costs
    ``switch`` on top, so a state only changes when the evidence for the new one
    outweighs it (hysteresis without a fixed window).
    """
    F, K = cost.shape
    out = np.full(F, -1, np.int64)
    edges = np.diff(np.concatenate(([0], seen.astype(np.int8), [0])))
    for start, stop in zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)):
        c = cost[start:stop]
        acc = c[0].copy()
        back = np.zeros((stop - start, K), np.int64)
        for i in range(1, stop - start):
            best_prev = int(np.argmin(acc))
            move = acc[best_prev] + switch
            back[i] = np.where(acc <= move, np.arange(K), best_prev)
            acc = np.minimum(acc, move) + c[i]
        path = np.empty(stop - start, np.int64)
        path[-1] = int(np.argmin(acc))
        for i in range(stop - start - 1, 0, -1):
            path[i - 1] = back[i, path[i]]
        out[start:stop] = path
    return out


def runs(labels: np.ndarray) -> list[tuple[int, int, int]]:
    """(start, stop, label) for each run of equal labels."""
    if not len(labels):
        return []
    change = np.flatnonzero(np.diff(labels)) + 1
    starts = np.concatenate(([0], change))
    stops = np.concatenate((change, [len(labels)]))
    return [(int(a), int(b), int(labels[a])) for a, b in zip(starts, stops)]
