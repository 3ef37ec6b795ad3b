"""How sure the person-state labels are: a random 10% re-labelled later, and the agreement between the two.

    python -m benchmarks.labels.relabel_sample draw OUT_DIR --analyses DIR [--frac 0.1] [--seed 19]
    python -m benchmarks.labels.relabel_sample agree

``draw`` picks a fixed random share of the labelled (clip, time) pairs of ``person_states/`` (both sides of a
time go together, as they share a tile), draws their contact sheets with ``person_sheets --times`` into
``OUT_DIR/<clip>/`` (the analyses in ``--analyses DIR/<clip>`` only place the crops) and writes the templates;
the coder fills them in without seeing the first labels and the files go to ``person_states_relabel/``.
``agree`` compares the two readings row by row: agreement and Cohen's kappa for the gaze target (all five
answers, and partner vs not among rows both could read) and the face state, written to
``benchmarks/results/label_agreement.{json,md}``.
"""
from __future__ import annotations

import argparse
import csv
import json
from pathlib import Path

import numpy as np

from vigvision.coding.agreement import cohen_kappa

HERE = Path(__file__).resolve().parent
FIRST = HERE / "person_states"
SECOND = HERE / "person_states_relabel"


def read(path: Path) -> dict[tuple[str, str], dict]:
    with open(path, newline="") as fh:
        return {(f"{float(r['time_s']):.1f}", r["side"]): r for r in csv.DictReader(fh)}


def sample(frac: float, seed: int) -> dict[str, list[str]]:
    """clip -> sorted times (as written in the labels) in the sample."""
    pairs = sorted({(p.stem, key[0]) for p in sorted(FIRST.glob("*.csv")) for key in read(p)})
    rng = np.random.default_rng(seed)
    pick = rng.choice(len(pairs), size=max(1, round(frac * len(pairs))), replace=False)
    out: dict[str, list[str]] = {}
    for i in sorted(pick):
        out.setdefault(pairs[i][0], []).append(pairs[i][1])
    return {c: sorted(ts, key=float) for c, ts in out.items()}


def agreement(pairs: list[tuple[str, str]]) -> dict:
    return {"n": len(pairs), "agree": round(float(np.mean([x == y for x, y in pairs])), 3) if pairs else None,
            "kappa": round(cohen_kappa([x for x, _ in pairs], [y for _, y in pairs]), 3) if pairs else None}


def agree() -> dict:
    rows = []
    for p in sorted(SECOND.glob("*.csv")):
        first = read(FIRST / p.name)
        for key, r2 in read(p).items():
            r1 = first[key]
            rows.append((p.stem, key, r1, r2))
    gaze = [(r1["gaze"], r2["gaze"]) for *_, r1, r2 in rows]
    readable = [(a, b) for a, b in gaze if "unclear" not in (a, b)]
    face = [(r1["face"], r2["face"]) for *_, r1, r2 in rows]
    face_read = [(a, b) for a, b in face if "unclear" not in (a, b)]
    joy = [("joy" if a in ("smile", "laugh") else "no", "joy" if b in ("smile", "laugh") else "no")
           for a, b in face_read]
    res = {
        "clips": len({c for c, *_ in rows}), "person_times": len(rows),
        "gaze_all_five": agreement(gaze),
        "gaze_both_readable": agreement(readable),
        "partner_vs_not_both_readable": agreement([("partner" if a == "partner" else "not",
                                                    "partner" if b == "partner" else "not") for a, b in readable]),
        "face_all_five": agreement(face),
        "face_both_readable": agreement(face_read),
        "smile_or_laugh_vs_not": agreement(joy),
        "disagreements": [f"{c} {k[0]} s {k[1]}: gaze {r1['gaze']}/{r2['gaze']}, face {r1['face']}/{r2['face']}"
                          for c, k, r1, r2 in rows if (r1["gaze"], r1["face"]) != (r2["gaze"], r2["face"])],
    }
    return res


def write(res: dict) -> None:
    out = HERE.parent / "results"
    out.mkdir(exist_ok=True)
    (out / "label_agreement.json").write_text(json.dumps(res, indent=1) + "\n")
    lines = ["# Person-state labels: agreement of a re-labelling with the first labels", "",
             "`python -m benchmarks.labels.relabel_sample agree` (sample: `draw --frac 0.1 --seed 19`; how the "
             "re-labelling was done: benchmarks/labels/README.md)", "",
             f"{res['person_times']} person-times on {res['clips']} clips.", "",
             "| answer | rows | agreement | kappa |", "|---|---:|---:|---:|"]
    for k in ("gaze_all_five", "gaze_both_readable", "partner_vs_not_both_readable", "face_all_five",
              "face_both_readable", "smile_or_laugh_vs_not"):
        r = res[k]
        lines.append(f"| {k.replace('_', ' ')} | {r['n']} | {r['agree']} | {r['kappa']} |")
    lines += ["", "Rows that differ (first / second reading):", ""] + [f"- {d}" for d in res["disagreements"]]
    (out / "label_agreement.md").write_text("\n".join(lines) + "\n")


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    d = sub.add_parser("draw")
    d.add_argument("out", type=Path)
    d.add_argument("--analyses", type=Path, required=True)
    d.add_argument("--frac", type=float, default=0.1)
    d.add_argument("--seed", type=int, default=19)
    sub.add_parser("agree")
    a = p.parse_args(argv)
    if a.cmd == "agree":
        res = agree()
        write(res)
        print(json.dumps({k: v for k, v in res.items() if k != "disagreements"}, indent=1))
        return
    from ..gaze_dataset import video_for
    from ..report import footage_root
    from .person_sheets import main as sheets

    chosen = sample(a.frac, a.seed)
    for clip, times in chosen.items():
        sheets([str(video_for(footage_root(), clip)), str(a.out / clip), "--analysis", str(a.analyses / clip),
                "--times", ",".join(times)])
    print(f"{sum(map(len, chosen.values()))} times on {len(chosen)} clips in {a.out}")


if __name__ == "__main__":
    main()
