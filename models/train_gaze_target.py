"""Train the gaze-target model (partner / camera / object / elsewhere) on the labelled set, leave one family out.

    pip install torch==2.13.0 onnx                                  # the `train` extra, plus onnx for the export
    python -m benchmarks.gaze_dataset --work /tmp/gds               # features at the labelled times (no torch)
    python models/train_gaze_target.py /tmp/gds/gaze_dataset.npz [--ship]

For each development family of lookit-laughter (6c6MZQ, 2UWdXP) a model is trained on the other family and
the other labelled clips and measured on it, at the labelled times (a person vigvision did not see there
counts as not looking at anyone); the fold models go to models/folds/ so benchmarks can run the whole
analysis with them. The model trained on all labels goes to models/folds/ too, or with --ship to vigvision/models/gaze_target.onnx.
3dC3SQ has no labels and is never used. The numbers printed are those in models/gaze_target.md.

Status (issue 19, in progress): with these inputs the model does not carry from one family to the other
(partner-gaze kappa 0.12 / 0.17 on the held-out family against 0.38 / 0.17 for the angle rules), so nothing
is shipped yet and the analysis still uses the angle rules.

The model: the features of vigvision.vision.gaze_features, standardised inside the model, two hidden layers
of 32 (ReLU), softmax over the four targets; class-weighted cross-entropy, AdamW, full batch, fixed seed.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import torch
from torch import nn

HERE = Path(__file__).resolve().parent
SHIPPED = HERE.parent / "vigvision" / "models" / "gaze_target.onnx"
FOLDS = HERE / "folds"
CLASSES = ("partner", "camera", "object", "elsewhere")
FAMILIES = ("6c6MZQ", "2UWdXP")
EPOCHS, LR, DECAY, HIDDEN, SEED = 400, 0.01, 1e-3, 32, 0
# Candidate inputs, chosen per fold by cross-validation over the training clips only (never the held-out
# family): everything, or only how the gaze lies against the partner (no framing: where people sit, how
# big their faces are), which should carry from one home's camera set-up to another's.
GEOMETRY = ("gaze_yaw", "gaze_pitch", "head_yaw", "head_pitch", "by_mesh", "by_detector", "by_pose",
            "partner_seen", "toward_partner_cos", "toward_partner_sin", "turned_to_partner")
CV_GROUPS = 5


class GazeTarget(nn.Module):
    """Takes every feature; ``mask`` zeroes those not used (after standardising), so one input layout serves
    all candidates."""

    def __init__(self, mean: np.ndarray, std: np.ndarray, mask: np.ndarray):
        super().__init__()
        self.register_buffer("mean", torch.tensor(mean, dtype=torch.float32))
        self.register_buffer("std", torch.tensor(std, dtype=torch.float32))
        self.register_buffer("mask", torch.tensor(mask, dtype=torch.float32))
        self.net = nn.Sequential(nn.Linear(len(mean), HIDDEN), nn.ReLU(), nn.Linear(HIDDEN, HIDDEN), nn.ReLU(),
                                 nn.Linear(HIDDEN, len(CLASSES)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.softmax(self.net(self.mask * (x - self.mean) / self.std), dim=-1)


def train(x: np.ndarray, y: np.ndarray, mask: np.ndarray) -> GazeTarget:
    torch.manual_seed(SEED)
    model = GazeTarget(x.mean(0), x.std(0) + 1e-3, mask)
    counts = np.bincount(y, minlength=len(CLASSES)).astype(float)
    weight = torch.tensor(np.sqrt(counts.sum() / np.maximum(counts, 1)), dtype=torch.float32)
    opt = torch.optim.AdamW(model.parameters(), lr=LR, weight_decay=DECAY)
    xt, yt = torch.tensor(x), torch.tensor(y)
    loss_fn = nn.NLLLoss(weight=weight)
    for _ in range(EPOCHS):
        opt.zero_grad()
        loss = loss_fn(torch.log(model(xt) + 1e-7), yt)
        loss.backward()
        opt.step()
    return model.eval()


def export(model: GazeTarget, path: Path, n_features: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.onnx.export(model, torch.zeros(1, n_features), str(path), input_names=["features"],
                      output_names=["probabilities"], dynamic_axes={"features": {0: "rows"},
                                                                     "probabilities": {0: "rows"}},
                      opset_version=17, dynamo=False)


def kappa(a: list, b: list) -> float:
    labels = sorted(set(a) | set(b))
    n = len(a)
    if not n:
        return float("nan")
    po = sum(x == y for x, y in zip(a, b)) / n
    pe = sum((a.count(k) / n) * (b.count(k) / n) for k in labels)
    return (po - pe) / (1 - pe) if pe < 1 else 1.0


def measure(d: dict, mask: np.ndarray, predicted: np.ndarray) -> dict:
    """At the labelled times in ``mask`` (gaze not unclear): partner-gaze kappa, target kappa over
    partner/camera/elsewhere (object counted as elsewhere), and mutual gaze at the labelled times."""
    truth = [g if g != "object" else "elsewhere" for g in d["gaze"][mask]]
    pred = [g if g != "object" else "elsewhere" for g in predicted[mask]]
    out = {"labels": int(mask.sum()), "seen": round(float(d["seen"][mask].mean()), 3),
           "partner_kappa": round(kappa([t == "partner" for t in truth], [p == "partner" for p in pred]), 3),
           "target_kappa": round(kappa(truth, pred), 3),
           "four_class_accuracy": round(float(np.mean(d["gaze"][mask] == predicted[mask])), 3)}
    # mutual gaze: both persons of a clip labelled at the same time, both looking at the partner
    mt, mp = [], []
    for key in sorted({(c, t) for c, t in zip(d["clip"][mask], d["time_s"][mask])}):
        both = mask & (d["clip"] == key[0]) & (d["time_s"] == key[1])
        if both.sum() == 2:
            mt.append(bool(np.all(d["gaze"][both] == "partner")))
            mp.append(bool(np.all(predicted[both] == "partner")))
    out["mutual_kappa"] = round(kappa(mt, mp), 3)
    out["mutual_times"] = len(mt)
    return out


def predict(model: GazeTarget, x: np.ndarray, seen: np.ndarray) -> np.ndarray:
    with torch.no_grad():
        p = model(torch.tensor(np.nan_to_num(x))).numpy()
    return np.where(seen, np.array(CLASSES)[p.argmax(1)], "unseen")


def choose(d: dict, rows: np.ndarray, y: np.ndarray) -> tuple[str, dict]:
    """The candidate input set with the best partner-gaze kappa in cross-validation over groups of the
    training clips (``rows``)."""
    names = list(d["features"])
    candidates = {"all": np.ones(len(names)), "geometry": np.array([n in GEOMETRY for n in names], float)}
    clips = sorted(set(d["clip"][rows]))
    group = {c: k % CV_GROUPS for k, c in enumerate(clips)}
    g = np.array([group.get(c, -1) for c in d["clip"]])
    scores = {}
    for name, mask in candidates.items():
        truth, pred = [], []
        for k in range(CV_GROUPS):
            fit, val = rows & (g != k), rows & (g == k)
            model = train(d["x"][fit], y[fit], mask)
            truth += list(d["gaze"][val] == "partner")
            pred += list(predict(model, d["x"][val], d["seen"][val]) == "partner")
        scores[name] = round(kappa(truth, pred), 3)
    best = max(scores, key=scores.get)
    return best, {"cv_partner_kappa": scores, "chosen": best, "mask": candidates[best]}


def main(dataset: str) -> None:
    raw = np.load(dataset)
    d = {k: raw[k] for k in raw.files}
    labelled = np.isin(d["gaze"], CLASSES)
    usable = labelled & d["seen"]
    y_all = np.array([CLASSES.index(g) if g in CLASSES else -1 for g in d["gaze"]])
    report = {"features": d["features"].tolist(), "folds": {}}
    for held in FAMILIES:
        train_rows = usable & (d["family"] != held)
        chosen, cv = choose(d, train_rows, y_all)
        model = train(d["x"][train_rows], y_all[train_rows], cv.pop("mask"))
        export(model, FOLDS / f"gaze_target_without_{held}.onnx", d["x"].shape[1])
        test = labelled & (d["family"] == held)
        report["folds"][held] = {
            "trained_on": int(train_rows.sum()), **cv,
            "model": measure(d, test, predict(model, d["x"], d["seen"])),
            "angle_rules": measure(d, test, d["current"]),
        }
        print(held, json.dumps(report["folds"][held]))
    chosen, cv = choose(d, usable, y_all)
    model = train(d["x"][usable], y_all[usable], cv.pop("mask"))
    report["shipped"] = cv
    # shipped only when asked (--ship): the analysis does not read it until a model beats the angle rules
    export(model, SHIPPED if "--ship" in sys.argv else FOLDS / "gaze_target_all.onnx", d["x"].shape[1])
    report["shipped_trained_on"] = int(usable.sum())
    (FOLDS / "report.json").write_text(json.dumps(report, indent=1))
    print("model trained on all", int(usable.sum()), "labels")


if __name__ == "__main__":
    main(next(a for a in sys.argv[1:] if not a.startswith("--")))
