"""Gaze targets at the labelled person-times, leave one family out: the learned model against the angle rules.

    python -m benchmarks.gaze_accuracy [--work DIR]

For each development family of lookit-laughter (6c6MZQ, 2UWdXP), its clips labelled in
``benchmarks/labels/person_states/`` are analysed (cast adult,child) twice: with ``gaze.target_model`` the
fold model trained without that family (``models/folds/gaze_target_without_<family>.onnx``, made by
``models/train_gaze_target.py``) and with the angle rules. The whole analysis runs, so the figures include
the Viterbi smoothing and persons not found. At each labelled time (gaze not unclear) the person's target as
the analysis gives it (``signals.parquet``, nearest analysed frame within 0.1 s; not seen = not looking at
anyone) against the label: partner-gaze kappa, target kappa over partner / camera / elsewhere (an object
counted as elsewhere) and mutual gaze (both looking at each other) at the times both persons are labelled.
3dC3SQ has no labels and never enters. Written to benchmarks/results/gaze_accuracy.{json,md}.
"""
from __future__ import annotations

import argparse
import csv
import tempfile
from pathlib import Path

import numpy as np

from vigvision.coding.agreement import cohen_kappa

from .gaze_dataset import LABELS, family, rows_for, video_for
from .report import footage_root, write_results

FOLDS = Path(__file__).resolve().parent.parent / "models" / "folds"
FAMILIES = ("6c6MZQ", "2UWdXP")


def kappa(a: list, b: list) -> float:
    return cohen_kappa(a, b) if len(a) else float("nan")


def measure(d: dict, mask: np.ndarray, predicted: np.ndarray) -> dict:
    """At the labelled times in ``mask``: partner-gaze kappa, target kappa over partner/camera/elsewhere
    (object counted as elsewhere), and mutual gaze at the times both persons of a clip are labelled."""
    truth = [g if g != "object" else "elsewhere" for g in d["gaze"][mask]]
    pred = [g if g != "object" else "elsewhere" for g in predicted[mask]]
    out = {"labels": int(mask.sum()), "seen": round(float(d["seen"][mask].mean()), 3),
           "partner_kappa": round(kappa([t == "partner" for t in truth], [p == "partner" for p in pred]), 3),
           "target_kappa": round(kappa(truth, pred), 3),
           "four_class_accuracy": round(float(np.mean(d["gaze"][mask] == predicted[mask])), 3)}
    cam = mask & (d["gaze"] == "camera")     # a look into the lens must read as camera, never as the partner
    out["camera_labels"] = int(cam.sum())
    out["camera_recall"] = round(float(np.mean(predicted[cam] == "camera")), 3) if cam.any() else None
    out["camera_as_partner"] = round(float(np.mean(predicted[cam] == "partner")), 3) if cam.any() else None
    mt, mp = [], []
    for key in sorted({(c, t) for c, t in zip(d["clip"][mask], d["time_s"][mask])}):
        both = mask & (d["clip"] == key[0]) & (d["time_s"] == key[1])
        if both.sum() == 2:
            mt.append(bool(np.all(d["gaze"][both] == "partner")))
            mp.append(bool(np.all(predicted[both] == "partner")))
    out["mutual_kappa"] = round(kappa(mt, mp), 3)
    out["mutual_times"] = len(mt)
    return out


def analysed(clips: list[str], model: str, work: Path) -> dict:
    """The labelled rows of ``clips`` with what the analysis with ``gaze.target_model = model`` said."""
    import vigvision
    from vigvision.config import Config

    rows, cost = [], [0.0, 0]
    for clip in clips:
        cfg = Config.from_dict({"persons": {"cast": ["adult", "child"]}, "gaze": {"target_model": model}})
        result = vigvision.analyze(video_for(footage_root(), clip), work / clip, config=cfg)
        rows += rows_for(clip, result, list(csv.DictReader(open(LABELS / f"{clip}.csv"))))
        if model != "angles":
            cost[0] += model_seconds(result, Path(model))
            cost[1] += len(result.signals())
    d = {k: np.array([r[k] for r in rows]) for k in ("clip", "time_s", "gaze", "seen", "current")}
    d["model_ms_per_1000_person_frames"] = 1000 * 1000 * cost[0] / max(cost[1], 1)
    return d


def model_seconds(result, model: Path) -> float:
    """Wall seconds the gaze model's costs take for one analysis' persons (after a warm-up call)."""
    import time

    from vigvision.vision.gaze_features import grids_from_signals
    from vigvision.vision.gaze_model import target_costs
    from vigvision.vision.persons import _COST_CAP

    sig = result.signals()
    grids = grids_from_signals(sig, len(result.frames()), [p["id"] for p in result.persons])
    size = (result.video["width"], result.video["height"])
    target_costs(grids, size, _COST_CAP, model)
    t0 = time.perf_counter()
    target_costs(grids, size, _COST_CAP, model)
    return time.perf_counter() - t0


def speed(work: Path) -> dict:
    """The whole analysis of the 1-minute two-face 720p clip of ``benchmarks.speed``, cache cold, with the
    angle rules, then its persons and roles again with the learned model (the decode pass is the same):
    seconds per stage and the realtime factor of each."""
    import time

    import vigvision
    from vigvision.config import Config

    from .speed import two_faces_clip

    clip = two_faces_clip(60)
    out = {}
    for name in ("angles", "learned"):
        folder = work / f"speed_{clip.stem}"
        if name == "angles" and folder.exists():
            import shutil

            shutil.rmtree(folder)
        t0 = time.perf_counter()
        result = vigvision.analyze(clip, folder, config=Config.from_dict({"gaze": {"target_model": name}}))
        wall = time.perf_counter() - t0
        t = result["timings_s"]
        out[name] = {"wall_s": round(wall, 2), "persons_s": t.get("persons"), "roles_s": t.get("roles")}
    whole = out["angles"]["wall_s"]
    extra = sum((out["learned"][k] or 0) - (out["angles"][k] or 0) for k in ("persons_s", "roles_s"))
    out["realtime_angles"] = round(60 / whole, 2)
    out["realtime_learned"] = round(60 / (whole + extra), 2)
    return out


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "vigvision_gaze_dataset")
    a = p.parse_args(argv)
    result = {}
    for held in FAMILIES:
        clips = sorted(f.stem for f in LABELS.glob("*.csv") if family(f.stem) == held)
        fold = FOLDS / f"gaze_target_without_{held}.onnx"
        result[held] = {"clips": len(clips)}
        for name, model in (("learned (fold)", str(fold)), ("angle rules", "angles")):
            d = analysed(clips, model, a.work)
            labelled = np.isin(d["gaze"], ("partner", "camera", "object", "elsewhere"))
            result[held][name] = measure(d, labelled, d["current"])
            if model != "angles":
                result[held]["model_ms_per_1000_person_frames"] = round(d["model_ms_per_1000_person_frames"], 2)
        print(held, result[held])
    lines = ["# Gaze targets at the labelled times, leave one family out", "",
             "`python -m benchmarks.gaze_accuracy`: the whole analysis (cast adult,child; Viterbi smoothing; "
             "persons not found count as looking at no one) against `benchmarks/labels/person_states/`, on each "
             "development family with the model trained without it (`models/train_gaze_target.py`) and with "
             "the angle rules. Targets (issue 19): partner kappa >= 0.6, mutual kappa >= 0.5.", "",
             "| held-out family | clips | method | labels | seen | partner kappa | target kappa | mutual kappa "
             "(times) | into the lens: read as camera / as partner (labels) |",
             "|---|---:|---|---:|---:|---:|---:|---:|---:|"]
    for held, r in result.items():
        for name in ("learned (fold)", "angle rules"):
            m = r[name]
            lines.append(f"| {held} | {r['clips']} | {name} | {m['labels']} | {m['seen']} | {m['partner_kappa']} | "
                         f"{m['target_kappa']} | {m['mutual_kappa']} ({m['mutual_times']}) | {m['camera_recall']} / "
                         f"{m['camera_as_partner']} ({m['camera_labels']}) |")
    result["speed"] = sp = speed(a.work)
    lines += ["", f"Speed, the 1-minute two-face 720p clip of `benchmarks.speed` in this run: the whole analysis with "
              f"the angle rules {sp['angles']['wall_s']} s ({sp['realtime_angles']}x realtime); persons + roles "
              f"{sp['angles']['persons_s']} + {sp['angles']['roles_s']} s with the rules, "
              f"{sp['learned']['persons_s']} + {sp['learned']['roles_s']} s with the learned model: the whole "
              f"analysis with it {sp['realtime_learned']}x realtime."]
    lines += ["", "The model's cost (features and onnxruntime, all of a clip's person-frames in one batch per person): "
              + ", ".join(f"{result[h]['model_ms_per_1000_person_frames']} ms per 1,000 person-frames ({h})"
                          for h in FAMILIES) + "."]
    write_results("gaze_accuracy", result, "\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
