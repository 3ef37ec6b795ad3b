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


def frame_f1(reference: Intervals, predicted: Intervals, *, step: float = 0.01, end: float | None = None) -> dict:
    """Precision, recall and F1 of activity on frames of ``step`` seconds (VAD scoring)."""
    stop = end if end is not None else max(reference.extent().end if len(reference) else 0.0,
                                           predicted.extent().end if len(predicted) else 0.0)
    t = np.arange(int(np.ceil(stop / step))) * step + step / 2
    r, p = reference.to_mask(t), predicted.to_mask(t)
    tp = float((r & p).sum())
    prec = tp / p.sum() if p.sum() else 1.0
    rec = tp / r.sum() if r.sum() else 1.0
    return {"precision": round(prec, 4), "recall": round(rec, 4),
            "f1": round(2 * prec * rec / (prec + rec), 4) if prec + rec else 0.0}


def diarization_error(reference: dict[str, Intervals], hypothesis: dict[str, Intervals], *,
                      step: float = 0.01, collar: float = 0.0) -> dict:
    """Diarization error rate with the best one-to-one speaker mapping (NIST definition).

    Per frame of ``step`` seconds: missed = reference speakers beyond the hypothesis
    count, false alarm = the reverse, confusion = matched counts not mapped to each
    other; all over the reference speech time. ``collar`` seconds around every
    reference boundary are not scored (0.25 s is customary).
    """
    from scipy.optimize import linear_sum_assignment

    ends = [iv.extent().end for iv in [*reference.values(), *hypothesis.values()] if len(iv)]
    t = np.arange(int(np.ceil(max(ends, default=0.0) / step))) * step + step / 2
    ref_names, hyp_names = list(reference), list(hypothesis)
    R = np.array([reference[k].to_mask(t) for k in ref_names]).reshape(len(ref_names), len(t))
    H = np.array([hypothesis[k].to_mask(t) for k in hyp_names]).reshape(len(hyp_names), len(t))
    scored = np.ones(len(t), bool)
    if collar > 0:
        for iv in reference.values():
            for s in iv:
                for b in (s.start, s.end):
                    scored &= ~((t > b - collar) & (t < b + collar))
    R, H = R[:, scored], H[:, scored]
    overlap = (R[:, None, :] & H[None, :, :]).sum(-1) if len(ref_names) and len(hyp_names) else np.zeros((0, 0))
    rows, cols = linear_sum_assignment(-overlap) if overlap.size else ([], [])
    mapping = {hyp_names[c]: ref_names[r] for r, c in zip(rows, cols)}
    n_ref, n_hyp = R.sum(0), H.sum(0)
    correct = np.zeros(R.shape[1])
    for h, r in mapping.items():
        correct += R[ref_names.index(r)] & H[hyp_names.index(h)]
    total = float(n_ref.sum())
    miss = float(np.maximum(n_ref - n_hyp, 0).sum())
    fa = float(np.maximum(n_hyp - n_ref, 0).sum())
    conf = float((np.minimum(n_ref, n_hyp) - correct).sum())
    rate = lambda x: round(x / total, 4) if total else 0.0  # noqa: E731
    return {"der": rate(miss + fa + conf), "missed": rate(miss), "false_alarm": rate(fa), "confusion": rate(conf),
            "mapping": mapping, "scored_s": round(float(scored.sum()) * step, 2)}
