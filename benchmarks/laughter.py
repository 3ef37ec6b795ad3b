"""Shared joy on real footage: does the per-clip "child laughed" score separate the clips?

    python -m benchmarks.laughter [--work DIR]

lookit-laughter (41 clips, two families: 2UWdXP never laughed, 6c6MZQ laughed in every clip,
per metadata_2UWdXP_6c6MZQ.csv LaughYesNo). Each clip goes through vigvision.analyze (results
kept in --work and reused when present), then metrics.shared_joy. Reported: ROC AUC of the
score and of its two parts alone (the child's open-mouth smile share of time seen; the count of
voiced burst runs), and the clips it gets most wrong.

Caveat said in the report: laughter and family coincide here, so an AUC near 1 may measure the
family (lighting, camera, the child's age or face) as much as the laughter. The thresholds were
set before looking at these clips (smile_threshold is the moments default; burst rhythm from
the laughter literature: syllables ~0.2 s, ~5 per second) and were not tuned on them.
Results: benchmarks/results/laughter.json and .md
"""
from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from vigvision.config import Config
from vigvision.moments.joy import shared_joy

from .report import analysed, footage_root, write_results


def roc_auc(scores: list[float], positive: list[bool]) -> float | None:
    """Probability that a random positive clip scores above a random negative one (ties count half)."""
    s, y = np.asarray(scores, float), np.asarray(positive, bool)
    pos, neg = s[y], s[~y]
    if not len(pos) or not len(neg):
        return None
    wins = (pos[:, None] > neg[None, :]).sum() + 0.5 * (pos[:, None] == neg[None, :]).sum()
    return round(float(wins) / (len(pos) * len(neg)), 4)


def clip_row(video: Path, work: Path, laughed: bool) -> dict:
    ix = analysed(video, work)
    joy = shared_joy(ix, Config().moments)
    child = max(joy["per_child"].items(), key=lambda kv: kv[1]["laughing_fraction"] or 0, default=(None, {}))[1]
    seen = next((p.seen_s for p in ix.persons if p.role == "child"), None)
    kid = ix.signals[ix.signals.person.isin([p.id for p in ix.persons if p.role == "child"])]
    yaw = kid.yaw_deg.abs().dropna()
    return {"clip": video.name, "family": video.name.split(".")[0], "laughed": laughed,
            "score": joy["score"] or 0.0, "scored": joy["score"] is not None,
            "open_smile_fraction": round(child.get("open_smile_s", 0.0) / seen, 4) if seen else 0.0,
            "bursts": joy["bursts"], "laughing_s": child.get("laughing_s", 0.0),
            # how far the child's head is turned from the camera: FaceMesh's mouth reading fails in profile
            "child_abs_yaw_median": round(float(yaw.median()), 1) if len(yaw) else None,
            "child_mouth_open_q90": round(float(kid.mouth_open.quantile(0.9)), 4) if kid.mouth_open.notna().any()
            else None,
            "roles": " ".join(f"{p.id}={p.role}" for p in ix.persons)}


def coded_faces(clip: str, side: str) -> dict:
    """What the coders saw of the child's face in this clip (benchmarks/labels/person_states, every 0.5 s,
    where the mouth could be read): the share of times laughing, and smiling or laughing."""
    import csv

    path = Path(__file__).resolve().parent / "labels" / "person_states" / f"{clip}.csv"
    rows = [r for r in csv.DictReader(open(path)) if r["side"] == side and r["face"] != "unclear"]
    share = (lambda states: round(sum(r["face"] in states for r in rows) / len(rows), 4) if rows else 0.0)
    return {"coded_laugh_share": share(("laugh",)), "coded_joy_share": share(("laugh", "smile"))}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--work", type=Path, help="where analyses are kept and reused (default: a temporary folder)")
    args = ap.parse_args()
    root = footage_root() / "lookit-laughter"
    meta_path = root / "metadata_2UWdXP_6c6MZQ.csv"
    if not meta_path.is_file():
        print(f"{meta_path}: not found (set VIGVISION_FOOTAGE)", file=sys.stderr)
        return 2
    meta = pd.read_csv(meta_path)
    with tempfile.TemporaryDirectory() as tmp:
        work = args.work or Path(tmp)
        rows = [clip_row(root / r.VideoID, work, r.LaughYesNo == "Yes") for r in meta.itertuples()]
    for r in rows:
        r.update(coded_faces(r["clip"][:-4], meta.set_index("VideoID").loc[r["clip"], "Child"].lower()))
    y = [r["laughed"] for r in rows]
    result = {
        "clips": len(rows), "laughed": int(sum(y)), "scored": int(sum(r["scored"] for r in rows)),
        "auc": {k: roc_auc([r[k] for r in rows], y) for k in ("score", "open_smile_fraction", "bursts",
                                                                "coded_laugh_share", "coded_joy_share")},
        "rows": rows,
    }
    write_results("laughter", result, markdown(result))
    return 0


FINDINGS = """\
**What the frames show** (crops of the 6c6MZQ child with the mesh's mouth points drawn, looked at by
eye): she laughs with her mouth wide open in most of these clips, but turned 60-80 degrees from the
camera toward her mother, and FaceMesh then places the lips closed. Aligning the 3D mesh onto the
frontal canonical face before measuring (an experiment, not shipped) did not help: the mesh itself
says closed. So the visual half of the laughter cue is blind to a child seen in near-profile, which
is common in home footage where the camera sits beside the parent. The vocal half alone does not
separate the families either (6c6MZQ's audio is ~-40 dBFS). The fix is a mouth-state model that
works in profile, trained on labelled frames (none here), not a threshold change."""


def markdown(r: dict) -> str:
    rows = r["rows"]
    wrong_no = sorted((x for x in rows if not x["laughed"]), key=lambda x: -x["score"])[:5]
    wrong_yes = sorted((x for x in rows if x["laughed"]), key=lambda x: x["score"])[:5]
    lines = [
        "# Shared joy: per-clip \"child laughed\" score on lookit-laughter",
        "",
        "`python -m benchmarks.laughter` (metrics.shared_joy after vigvision.analyze, default settings).",
        "",
        f"{r['clips']} clips, {r['laughed']} with laughter (LaughYesNo); {r['scored']} had a child and an "
        "adult seen (the others score 0).",
        "",
        "| score | ROC AUC |", "|---|---|",
        f"| laughing share (open-mouth smile while heard) | {r['auc']['score']} |",
        f"| open-mouth smile share alone (visual) | {r['auc']['open_smile_fraction']} |",
        f"| voiced burst runs alone (vocal) | {r['auc']['bursts']} |",
        f"| *the coders: share of the child's labelled times laughing* | {r['auc']['coded_laugh_share']} |",
        f"| *the coders: share smiling or laughing* | {r['auc']['coded_joy_share']} |",
        "",
        "The last two rows are not vigvision: they score each clip by what the coders saw of the child's face "
        "(`benchmarks/labels/person_states/`). A visual laughter detector as good as the coders would rank the "
        "clips no better than they do: the metadata's LaughYesNo (\"whether the child laughed\", as the "
        "collection coded it) and a laughing face do not agree here (2UWdXP's child smiles or laughs at most labelled times "
        "of clips marked \"no laughter\"). The target of issue 19 (AUC >= 0.8 on this truth) cannot be reached by "
        "seeing laughter; it measures the family and the sound.",
        "",
        "**Caveat:** every clip of family 6c6MZQ has laughter and none of 2UWdXP does, so an AUC here",
        "cannot tell laughter from family (child, room, camera). It is the only per-clip laughter truth",
        "in the footage; read it as an upper bound on how well the score ranks clips.",
        "",
        "Highest-scoring clips without laughter, and lowest-scoring clips with it:",
        "",
        "| clip | laughed | score | open smile | bursts | child \\|yaw\\| median | child mouth open q90 | roles |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for x in wrong_no + wrong_yes:
        lines.append(f"| {x['clip']} | {'yes' if x['laughed'] else 'no'} | {x['score']:.3f} | "
                     f"{x['open_smile_fraction']:.3f} | {x['bursts']} | {x['child_abs_yaw_median']} | "
                     f"{x['child_mouth_open_q90']} | {x['roles'] or '(no one seen)'} |")
    lines += ["", "Per family, medians over its clips (child's head turn from the camera, 90th percentile of the "
              "child's mouth opening, open-smile share):", "", "| family | clips | \\|yaw\\| | mouth open q90 | "
              "open smile |", "|---|---|---|---|---|"]
    for fam in sorted({x["family"] for x in rows}):
        xs = [x for x in rows if x["family"] == fam and x["child_abs_yaw_median"] is not None]
        med = lambda k: round(float(np.median([x[k] for x in xs])), 3) if xs else None  # noqa: E731
        lines.append(f"| {fam} | {len(xs)} | {med('child_abs_yaw_median')} | {med('child_mouth_open_q90')} | "
                     f"{med('open_smile_fraction')} |")
    lines += ["", FINDINGS]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
