"""Agreement between two codings of the same behaviour (vigvision vs a human, or two humans).

Time-sliced statistics compare labels sampled on one grid; event statistics
compare episodes (intervals) with a tolerance on their onsets and offsets.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..errors import InputError
from ..time import Intervals
from .model import NONE


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


def event_f1(reference: Intervals, predicted: Intervals, *, tolerance: float = 0.5, ends: bool = True) -> dict:
    """Episode-level precision, recall and F1: a predicted episode matches a reference
    episode (one to one, greedily by overlap) when both its start and its end lie within
    ``tolerance`` seconds of the reference's (``ends=False``: its start within tolerance,
    and the two overlap: an onset match, as coders usually score events).

    Both empty counts as perfect agreement (F1 = 1).
    """
    ref, pred = list(reference), list(predicted)
    used: set[int] = set()
    hits = 0
    for r in ref:
        best, best_overlap = None, -1.0
        for j, p in enumerate(pred):
            if j in used or abs(p.start - r.start) > tolerance:
                continue
            if (abs(p.end - r.end) > tolerance) if ends else (r.overlap(p) <= 0 and p.start != r.start):
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



def relabelled(labels: np.ndarray, mapping: dict[str, str] | None) -> np.ndarray:
    """Labels renamed by ``mapping``. ``'*'`` maps every label the mapping does not name, on either side:
    with ``{"P3": "parent", "*": "away"}`` a coder's own ``parent`` stays ``parent`` (it is a label the
    mapping names) and everything else becomes ``away``. The empty label '(none)' stays unless named.

    >>> relabelled(np.array(["P3", "parent", "P1", "(none)"], dtype=object), {"P3": "parent", "*": "away"}).tolist()
    ['parent', 'parent', 'away', '(none)']
    """
    if not mapping:
        return labels
    rest = mapping.get("*")
    named = (set(mapping) | set(mapping.values())) - {"*"}
    return np.array([mapping[x] if x in mapping else x if rest is None or x in named or x == NONE else rest
                     for x in labels], dtype=object)


def sample(segments, grid: np.ndarray) -> np.ndarray:
    """The label covering each grid time (NONE where no segment does; a later segment wins on overlap)."""
    out = np.full(len(grid), NONE, dtype=object)
    for s in sorted(segments, key=lambda s: s.start):
        out[(grid >= s.start) & (grid < s.end)] = s.label
    return out


def _runs(labels: np.ndarray, grid: np.ndarray, step: float) -> dict[str, Intervals]:
    """Per label, the episodes it covers on the grid (events for event F1)."""
    out: dict[str, Intervals] = {}
    for lab in sorted(set(labels.tolist()) - {NONE}, key=str):
        out[lab] = Intervals.from_mask(labels == lab, start=float(grid[0] - step / 2), step=step)
    return out


def compare(reference, predicted, *, start: float = 0.0, end: float, resolution: float = 0.1,
            tolerance: float = 0.5, mapping: dict[str, str] | None = None) -> dict:
    """Agreement of two codings of one behaviour (segments with .start/.end/.label), e.g. a human
    coder (reference) and vigvision, or two coders: time-sliced Cohen's kappa and percent agreement
    on a ``resolution`` grid over [start, end), per-label precision and recall (slices), event F1
    per label (onsets within ``tolerance``), and the confusion table (reference rows, predicted columns).
    Time neither codes is the label '(none)'. ``mapping`` renames labels in both first."""
    if not end > start:
        raise InputError(f"nothing to compare: the time window {start:.2f}-{end:.2f} s is empty")
    if not resolution > 0:
        raise InputError(f"resolution must be positive, got {resolution}")
    grid = start + (np.arange(int(np.ceil((end - start) / resolution))) + 0.5) * resolution
    a = relabelled(sample(reference, grid), mapping)
    b = relabelled(sample(predicted, grid), mapping)
    labels = sorted(set(a.tolist()) | set(b.tolist()), key=lambda x: (x == NONE, str(x)))
    confusion = {ra: {pb: int(((a == ra) & (b == pb)).sum()) for pb in labels} for ra in labels}
    per_label = {}
    ra, rb = _runs(a, grid, resolution), _runs(b, grid, resolution)
    for lab in labels:
        tp = int(((a == lab) & (b == lab)).sum())
        n_pred, n_ref = int((b == lab).sum()), int((a == lab).sum())
        ev = event_f1(ra.get(lab, Intervals()), rb.get(lab, Intervals()), tolerance=tolerance, ends=False) \
            if lab != NONE else None
        per_label[lab] = {"reference_s": round(n_ref * resolution, 3), "predicted_s": round(n_pred * resolution, 3),
                          "precision": round(tp / n_pred, 4) if n_pred else None,
                          "recall": round(tp / n_ref, 4) if n_ref else None,
                          "event_f1": None if ev is None else {k: round(v, 4) if isinstance(v, float) else v
                                                               for k, v in ev.items()}}
    return {"window_s": [round(start, 3), round(end, 3)], "resolution_s": resolution, "slices": int(len(grid)),
            "labels_compared": [str(x) for x in labels],
            "tolerance_s": tolerance, "kappa": round(cohen_kappa(a, b), 4),
            "percent_agreement": round(percent_agreement(a, b), 4), "labels": per_label, "confusion": confusion,
            "relabel": dict(mapping) if mapping else None}


def report_text(title: str, r: dict) -> str:
    """The comparison as a few plain lines and a confusion table (columns as wide as their labels)."""
    labels = list(r["confusion"])
    lw = max([18, *(len(str(lab)) for lab in labels)])
    lines = [title, f"  window {r['window_s'][0]:.1f}-{r['window_s'][1]:.1f} s, {r['slices']} slices of "
             f"{r['resolution_s']} s: Cohen's kappa {r['kappa']:.3f}, agreement {r['percent_agreement']:.1%}",
             "  labels compared" + (" (after relabelling)" if r.get("relabel") else "") + ": "
             + ", ".join(map(str, labels))]
    lines.append(f"  {'label':<{lw}} {'ref s':>7} {'pred s':>7} {'prec':>6} {'recall':>6}  events (onset +-"
                 f"{r['tolerance_s']} s)")
    for lab, x in r["labels"].items():
        fmt = lambda v: f"{v:6.2f}" if v is not None else "     -"  # noqa: E731
        ev = x["event_f1"]
        evs = f"F1 {ev['f1']:.2f} ({ev['matched']}/{ev['reference']} found, {ev['predicted']} coded)" if ev else ""
        lines.append(f"  {str(lab):<{lw}} {x['reference_s']:7.1f} {x['predicted_s']:7.1f} {fmt(x['precision'])} "
                     f"{fmt(x['recall'])}  {evs}")
    cw = max([10, *(len(str(lab)) for lab in labels)]) + 1
    lines.append("  confusion (rows: reference, columns: compared), slices:")
    lines.append("  " + " " * lw + "".join(f"{str(lab):>{cw}}" for lab in labels))
    for ra in labels:
        lines.append(f"  {str(ra):<{lw}}" + "".join(f"{r['confusion'][ra][pb]:>{cw}}" for pb in labels))
    return "\n".join(lines)
