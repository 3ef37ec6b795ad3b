"""Train the face-state model (closed / open / smile / laugh) on labelled head crops, leave one family out.

    pip install torch==2.13.0 onnx                                  # the `train` extra, plus onnx for the export
    python -m benchmarks.gaze_dataset --work /tmp/gds               # crops at the labelled times (no torch)
    python models/train_face_state.py /tmp/gds/gaze_dataset.npz [--ship]

The crops are those of benchmarks.head_crop (64 px, 1.6 face widths around the head box, placed by the
face or, where the face was lost, the body pose), cut from the labelled frames. For each development family
of lookit-laughter (6c6MZQ, 2UWdXP) a model is trained on the other family and the other labelled clips and
measured on it, at the labelled times: the child's smile-or-laugh AUC (a labelled time where vigvision did
not see the child scores 0, as the analysis would), beside the face mesh's smile measure on the same rows.
The fold models go to models/folds/; the model trained on all labels goes there too, or with --ship to
vigvision/models/face_state.onnx. 3dC3SQ has no labels and is never used. The printed numbers are those of
models/face_state.md.

The model: a small CNN (four 3x3 conv blocks of 16-32-48-64 channels with batch norm and 2x2 pooling, global
average pooling, dropout, softmax over the four states) on the crop normalised per picture (its own mean
and spread: homes differ in light). Trained with flips, shifts, scale, brightness and contrast changes;
class-weighted cross-entropy, unsure labels weighted 0.6, AdamW, fixed seed.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import torch
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parent))
from train_gaze_target import FAMILIES, FOLDS, kappa, load_labelled  # noqa: E402  (and the repository's benchmarks)

from benchmarks.laughter import roc_auc  # noqa: E402

HERE = Path(__file__).resolve().parent
SHIPPED = HERE.parent / "vigvision" / "models" / "face_state.onnx"
CLASSES = ("closed", "open", "smile", "laugh")
EPOCHS, BATCH, LR, DECAY, SEED, UNSURE = 40, 64, 3e-3, 1e-3, 0, 0.6


class FaceState(nn.Module):
    """(N, 64, 64, 3) float RGB 0-255 -> (N, 4) probabilities of CLASSES."""

    def __init__(self):
        super().__init__()
        layers, c = [], 3
        for out in (16, 32, 48, 64):
            layers += [nn.Conv2d(c, out, 3, padding=1, bias=False), nn.BatchNorm2d(out), nn.ReLU(), nn.MaxPool2d(2)]
            c = out
        self.features = nn.Sequential(*layers)
        self.head = nn.Sequential(nn.Dropout(0.3), nn.Linear(c, len(CLASSES)))

    def forward(self, crops: torch.Tensor) -> torch.Tensor:
        x = crops.permute(0, 3, 1, 2) / 255.0
        mean = x.mean(dim=(1, 2, 3), keepdim=True)
        std = x.std(dim=(1, 2, 3), keepdim=True) + 0.02
        x = self.features((x - mean) / std)
        return torch.softmax(self.head(x.mean(dim=(2, 3))), dim=-1)


def augment(x: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    """Random flips, shifts (+-4 px), scale (0.88-1.12), brightness and contrast of a (N, 64, 64, 3) batch."""
    n = len(x)
    img = x.permute(0, 3, 1, 2)
    flip = torch.rand(n, generator=gen) < 0.5
    img = torch.where(flip[:, None, None, None], img.flip(3), img)
    s = 0.88 + 0.24 * torch.rand(n, generator=gen)
    t = (torch.rand(n, 2, generator=gen) - 0.5) * (8 / 32)
    theta = torch.zeros(n, 2, 3)
    theta[:, 0, 0] = theta[:, 1, 1] = 1 / s
    theta[:, :, 2] = t
    grid = nn.functional.affine_grid(theta, img.shape, align_corners=False)
    img = nn.functional.grid_sample(img, grid, padding_mode="zeros", align_corners=False)
    gain = 0.7 + 0.6 * torch.rand(n, 1, 1, 1, generator=gen)
    bias = (torch.rand(n, 1, 1, 1, generator=gen) - 0.5) * 60
    return (img * gain + bias).clamp(0, 255).permute(0, 2, 3, 1)


def train(crops: np.ndarray, y: np.ndarray, w: np.ndarray) -> FaceState:
    torch.manual_seed(SEED)
    gen = torch.Generator().manual_seed(SEED)
    model = FaceState()
    counts = np.bincount(y, minlength=len(CLASSES)).astype(float)
    cw = torch.tensor(np.sqrt(counts.sum() / np.maximum(counts, 1)), dtype=torch.float32)
    opt = torch.optim.AdamW(model.parameters(), lr=LR, weight_decay=DECAY)
    steps = EPOCHS * -(-len(y) // BATCH)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=LR, total_steps=steps)
    xt, yt, wt = torch.tensor(crops, dtype=torch.float32), torch.tensor(y), torch.tensor(w, dtype=torch.float32)
    for _ in range(EPOCHS):
        model.train()
        order = torch.randperm(len(y), generator=gen)
        for b in range(0, len(y), BATCH):
            idx = order[b:b + BATCH]
            p = model(augment(xt[idx], gen))
            nll = -torch.log(p[torch.arange(len(idx)), yt[idx]] + 1e-7)
            loss = (nll * cw[yt[idx]] * wt[idx]).sum() / (cw[yt[idx]] * wt[idx]).sum()
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
    return model.eval()


def probabilities(model: FaceState, crops: np.ndarray) -> np.ndarray:
    with torch.no_grad():
        return np.concatenate([model(torch.tensor(crops[b:b + 256], dtype=torch.float32)).numpy()
                               for b in range(0, len(crops), 256)]) if len(crops) else np.zeros((0, 4))


def export(model: FaceState, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.onnx.export(model, torch.zeros(1, 64, 64, 3), str(path), input_names=["crops"],
                      output_names=["probabilities"], dynamic_axes={"crops": {0: "rows"}, "probabilities": {0: "rows"}},
                      opset_version=17, dynamo=False)


def auc(score: np.ndarray, truth: np.ndarray) -> float:
    """ROC AUC (ties counted half; nan without both kinds)."""
    value = roc_auc(list(score), list(truth))
    return float("nan") if value is None else value


def measure(d: dict, rows: np.ndarray, joy: np.ndarray, states: np.ndarray | None) -> dict:
    """Over the labelled ``rows`` (face not unclear): smile-or-laugh AUC of ``joy`` (0 where unseen) for the
    child, the adult and everyone, among all rows and among those vigvision saw; the four-state kappa."""
    truth = np.isin(d["face"], ("smile", "laugh"))
    joy = np.where(d["seen"], np.nan_to_num(joy), 0.0)
    out = {}
    for who, m in (("child", rows & (d["role"] == "child")), ("adult", rows & (d["role"] == "adult")),
                   ("all", rows)):
        out[f"{who}_rows"] = int(m.sum())
        out[f"{who}_joy_auc"] = round(auc(joy[m], truth[m]), 3)
        out[f"{who}_joy_auc_seen"] = round(auc(joy[m & d["seen"]], truth[m & d["seen"]]), 3)
    if states is not None:
        seen = rows & d["seen"]
        out["four_state_kappa_seen"] = round(kappa(list(d["face"][seen]), list(states[seen])), 3)
    return out


def main(dataset: str) -> None:
    d, labelled, usable, y = load_labelled(dataset, "face", CLASSES)
    w = np.where(d["certainty"] == "sure", 1.0, UNSURE)
    report = {"crop": "benchmarks.head_crop", "folds": {}}
    for held in FAMILIES:
        fit = usable & (d["family"] != held)
        model = train(d["crops"][fit], y[fit], w[fit])
        export(model, FOLDS / f"face_state_without_{held}.onnx")
        test = labelled & (d["family"] == held)
        p = probabilities(model, d["crops"])
        states = np.array(CLASSES)[p.argmax(1)]
        model_m = measure(d, test, p[:, 2] + p[:, 3], states)
        laugh = test & d["seen"] & (d["role"] == "child")
        model_m["child_laugh_auc_seen"] = round(auc(p[laugh, 3], d["face"][laugh] == "laugh"), 3)
        report["folds"][held] = {"trained_on": int(fit.sum()), "model": model_m,
                                 "mesh_smile": measure(d, test, d["mesh"][:, 0], None)}
        print(held, json.dumps(report["folds"][held]))
    model = train(d["crops"][usable], y[usable], w[usable])
    export(model, SHIPPED if "--ship" in sys.argv else FOLDS / "face_state_all.onnx")
    report["shipped_trained_on"] = int(usable.sum())
    (FOLDS / "face_state_report.json").write_text(json.dumps(report, indent=1))
    print("model trained on all", int(usable.sum()), "labels")


if __name__ == "__main__":
    main(next(a for a in sys.argv[1:] if not a.startswith("--")))
