"""Agreement between two codings of the same behaviour (vigvision vs a human, or two humans).

Time-sliced statistics compare labels sampled on one grid; event statistics
compare episodes (intervals) with a tolerance on their onsets and offsets.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .errors import InputError
from .time import Intervals


def cohen_kappa(a: Sequence, b: Sequence) -> float:
    """Cohen's kappa of two equally long label sequences (any hashable labels).

    1 = perfect agreement, 0 = what chance gives, < 0 = worse than chance.
    When both codings use one and the same label throughout, kappa is 1.

    >>> cohen_kappa(["x", "x", "y", "y"], ["x", "x", "y", "x"])
    0.5
    """
    a, b = np.asarray(a, dtype=object), np.asarray(b, dtype=object)
    if a.shape != b.shape:
        raise InputError(f"codings differ in length: {a.shape[0]} vs {b.shape[0]}")
    if a.size == 0:
        raise InputError("cannot compute kappa of empty codings")
    labels = sorted(set(a.tolist()) | set(b.tolist()), key=str)
    idx = {lab: i for i, lab in enumerate(labels)}
    m = np.zeros((len(labels), len(labels)))
    np.add.at(m, ([idx[x] for x in a], [idx[x] for x in b]), 1)
    n = m.sum()
    po = np.trace(m) / n
    pe = float((m.sum(0) * m.sum(1)).sum()) / n**2
    return 1.0 if pe == 1 else float((po - pe) / (1 - pe))


def percent_agreement(a: Sequence, b: Sequence) -> float:
    a, b = np.asarray(a, dtype=object), np.asarray(b, dtype=object)
    if a.shape != b.shape or a.size == 0:
        raise InputError(f"codings must be equally long and not empty: {a.shape} vs {b.shape}")
    return float((a == b).mean())


def event_f1(reference: Intervals, predicted: Intervals, *, tolerance: float = 0.5) -> dict:
    """Episode-level precision, recall and F1: a predicted episode matches a reference
    episode (one to one, greedily by overlap) when both its start and its end lie within
    ``tolerance`` seconds of the reference's.

    Both empty counts as perfect agreement (F1 = 1).
    """
    ref, pred = list(reference), list(predicted)
    used: set[int] = set()
    hits = 0
    for r in ref:
        best, best_overlap = None, -1.0
        for j, p in enumerate(pred):
            if j in used or abs(p.start - r.start) > tolerance or abs(p.end - r.end) > tolerance:
                continue
            overlap = r.overlap(p)
            if overlap > best_overlap:
                best, best_overlap = j, overlap
        if best is not None:
            used.add(best)
            hits += 1
    precision = hits / len(pred) if pred else (1.0 if not ref else 0.0)
    recall = hits / len(ref) if ref else (1.0 if not pred else 0.0)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"reference": len(ref), "predicted": len(pred), "matched": hits,
            "precision": precision, "recall": recall, "f1": f1}
