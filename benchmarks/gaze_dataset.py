"""The labelled gaze set as model inputs: one row of ``gaze_features.FEATURES`` per labelled person-time.

    python -m benchmarks.gaze_dataset [--work DIR] [--out FILE]

Every clip labelled in ``benchmarks/labels/person_states/`` is analysed with the default settings (the cast
adult,child for the lookit clips; the gaze targets by the angle rules, which the inputs do not depend on), the labelled sides are mapped to the two persons seen longest (by median
x), and for each labelled time the person's features are taken at the nearest analysed frame within 0.1 s
(none where vigvision did not see the person there: ``seen`` False). Also written: how often each labelled
person was found at the labelled times, per clip (benchmarks/results/persons_found.{json,md}; a person the
labels say is out of the picture does not count). Written as one .npz (features, gaze and
face labels, clip, family, time, side, seen, the lookit role, the head box, the mesh's smile and mouth opening
there, and the head crop of ``benchmarks.head_crop`` from the labelled frame) for
``models/train_gaze_target.py`` and ``models/train_face_state.py``, which need torch; this step needs only
vigvision. 3dC3SQ has no labels and never enters.
"""
from __future__ import annotations

import argparse
import csv
import tempfile
from pathlib import Path

import numpy as np

from .report import footage_root

LABELS = Path(__file__).resolve().parent / "labels" / "person_states"
GAZE_CLASSES = ("partner", "camera", "object", "elsewhere")
NEAREST_S = 0.1


def video_for(root: Path, clip: str) -> Path:
    for sub, ext in (("lookit-laughter", ".mp4"), ("lookit", ".mp4"), ("pexels", ".mp4"), ("tv", ".avi")):
        if (root / sub / (clip + ext)).exists():
            return root / sub / (clip + ext)
    raise FileNotFoundError(f"{clip}: no such clip under {root}")


def family(clip: str) -> str:
    return clip[:6] if clip[:6] in ("6c6MZQ", "2UWdXP") else "other"


def rows_for(clip: str, result, labels: list[dict]) -> list[dict]:
    from vigvision.vision.gaze_features import FEATURES, features, grids_from_signals

    sig = result.signals()
    main = sorted(result.persons, key=lambda p: -p["seen_s"])[:2]
    by_x = sorted(main, key=lambda p: p["median_x_px"])
    if len(by_x) == 2:
        sides = {"left": 0, "right": 1}
    else:   # one person seen: the side of the picture they are on
        sides = {("left" if p["median_x_px"] < result.video["width"] / 2 else "right"): 0 for p in by_x}
    frame_times = result.frames().time_s.to_numpy()
    grids = grids_from_signals(sig, len(frame_times), [p["id"] for p in by_x])
    size = (result.video["width"], result.video["height"])
    feats = {k: features(grids, k, 1 - k if len(by_x) == 2 else None, size) for k in range(len(by_x))}
    out = []
    for row in labels:
        t, side = float(row["time_s"]), row["side"]
        x, seen, current = np.full(len(FEATURES), np.nan, np.float32), False, "unseen"
        box, mesh = np.full(3, np.nan), np.full(2, np.nan)   # head cx, cy, width; the mesh's smile, mouth
        if side in sides and sides[side] in feats:
            me = sides[side]
            f = feats[me]
            near = np.where((np.abs(frame_times - t) <= NEAREST_S) & np.isfinite(f[:, 0]))[0]
            if len(near):
                k = near[np.argmin(np.abs(frame_times[near] - t))]
                x, seen = f[k], True
                box = np.array([grids["cx"][k, me], grids["cy"][k, me], grids["width"][k, me]])
                # what vigvision's gaze stage (the angle rules) said there, for comparison
                hit = sig[(sig.person == by_x[me]["id"]) & (sig.frame == k)]
                said = hit.gaze_target.iat[0] if len(hit) else "unknown"
                if len(hit):
                    mesh = np.array([hit.smile.iat[0], hit.mouth_open.iat[0]], float)
                current = ("partner" if len(by_x) == 2 and said == by_x[1 - me]["id"] else
                           "camera" if said == "camera" else "elsewhere")
        out.append({"clip": clip, "family": family(clip), "time_s": t, "side": side, "gaze": row["gaze"],
                    "face": row["face"], "certainty": row["certainty"], "seen": seen, "x": x,
                    "note": row.get("note") or "", "box": box, "mesh": mesh,
                    "current": current})
    return out


def child_sides(root: Path) -> dict[str, dict[str, str]]:
    """lookit-laughter clip -> {"left"|"right": "child"|"adult"} from the collection's metadata."""
    rows = csv.DictReader(open(root / "lookit-laughter" / "metadata_2UWdXP_6c6MZQ.csv"))
    return {r["VideoID"][:-4]: {r["Child"].lower(): "child", r["Parent"].lower(): "adult"} for r in rows}


def add_crops(video: Path, rows: list[dict]) -> None:
    """Each row's head crop (``head_crop``) from the frame at its labelled time, placed by the head box of
    the nearest analysed frame; zeros where the person was not seen."""
    from .head_crop import CROP_PX, head_crop

    from .labels.person_sheets import frames_at

    times = np.array(sorted({r["time_s"] for r in rows}))
    frames = dict(zip(times.tolist(), frames_at(video, times)))
    for r in rows:
        r["crop"] = (head_crop(frames[r["time_s"]], *r["box"]) if r["seen"] else
                     np.zeros((CROP_PX, CROP_PX, 3), np.uint8))


def main(argv: list[str] | None = None) -> None:
    import vigvision
    from vigvision.config import Config
    from vigvision.vision.gaze_features import FEATURES

    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "vigvision_gaze_dataset")
    p.add_argument("--out", type=Path)
    a = p.parse_args(argv)
    root = footage_root()
    roles = child_sides(root)
    rows = []
    for label_file in sorted(LABELS.glob("*.csv")):
        clip = label_file.stem
        cast = {"persons": {"cast": ["adult", "child"]}} if family(clip) != "other" or clip == "test_vid_1000" else {}
        # the angle rules: the inputs do not depend on the targets, and "current" is then the rules' answer
        cfg = Config.from_dict({**cast, "gaze": {"target_model": "angles"}})
        result = vigvision.analyze(video_for(root, clip), a.work / clip, config=cfg)
        clip_rows = rows_for(clip, result, list(csv.DictReader(open(label_file))))
        add_crops(video_for(root, clip), clip_rows)
        for r in clip_rows:
            r["role"] = roles.get(clip, {}).get(r["side"], "")
        rows += clip_rows
        print(f"{clip}: {sum(r['seen'] for r in rows if r['clip'] == clip)} of "
              f"{sum(r['clip'] == clip for r in rows)} person-times seen")
    out = a.out or a.work / "gaze_dataset.npz"
    np.savez(out, x=np.stack([r["x"] for r in rows]), features=np.array(FEATURES),
             crops=np.stack([r["crop"] for r in rows]), box=np.stack([r["box"] for r in rows]),
             mesh=np.stack([r["mesh"] for r in rows]),
             **{k: np.array([r[k] for r in rows]) for k in ("clip", "family", "time_s", "side", "gaze", "face",
                                                             "certainty", "seen", "current", "role")})
    print(f"{len(rows)} person-times ({sum(r['seen'] for r in rows)} seen) in {out}")
    found_report(rows)


def found_report(rows: list[dict]) -> None:
    from .report import write_results

    clips = {}
    for r in rows:
        if "frame" in r["note"].lower() and ("not in" in r["note"].lower() or "out of" in r["note"].lower()):
            continue    # the labels say this person is out of the picture
        clips.setdefault(r["clip"], []).append(r["seen"])
    found = {c: round(float(np.mean(v)), 3) for c, v in sorted(clips.items())}
    dev = [c for c in found if family(c) != "other"]
    result = {"found": found, "labelled_times": {c: len(v) for c, v in clips.items()},
              "development_clips_at_0.95": sum(found[c] >= 0.95 for c in dev), "development_clips": len(dev),
              "development_overall": round(float(np.mean([x for c in dev for x in clips[c]])), 3)}
    lines = ["# Persons found at the labelled times", "",
             "`python -m benchmarks.gaze_dataset`: for each person-time of `benchmarks/labels/person_states/` where "
             "the person is in the picture, whether vigvision (default settings, the body pose on) has a row for "
             f"that person within {NEAREST_S} s. Development clips at >= 0.95: "
             f"{result['development_clips_at_0.95']} of {len(dev)}; all development person-times: "
             f"{result['development_overall']}.", "", "| clip | person-times | found |", "|---|---:|---:|"]
    lines += [f"| {c} | {len(clips[c])} | {found[c]} |" for c in found]
    write_results("persons_found", result, "\n".join(lines) + "\n", echo=False)


if __name__ == "__main__":
    main()
