"""People through a whole film: how many persons, how pure each identity is, and roles on the right person.

    python -m benchmarks.people [--work DIR]

Session films: each development family's lookit-laughter clips (6c6MZQ, 2UWdXP) joined in name order into one
film (made in the work folder, never committed), analysed with the cast given (``[persons] cast = ["adult",
"child"]``) and without it. Truth: the side metadata (``metadata_2UWdXP_6c6MZQ.csv``: the child and the parent
each stay on one side of the fixed webcam's picture), so each face row belongs to the person on its side (the
sides split midway between the two clusters of face centres: ``side_boundary``).

  persons      reported persons (truth 2)
  purity       of each reported person's rows, the share on its majority side; time-weighted over persons
  coverage     of each true person's rows, the share in the reported person that holds most of them
  roles right  every reported person's role is the role of the side it holds

Per clip, on every clip of the two families: persons (exactly 2?) and roles on the side the metadata says,
with and without the cast. Family 3dC3SQ stays out (held out of all tuning; it has no side labels).
Results: benchmarks/results/people.{json,md}.
"""
from __future__ import annotations

import argparse
import csv
import os
import platform
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np

from .report import footage_root, join_clips, write_results

FAMILIES = ("6c6MZQ", "2UWdXP")
CAST = {"persons": {"cast": ["adult", "child"]}}


def sides(root: Path) -> dict[str, dict[str, str]]:
    """clip name -> {"child": LEFT|RIGHT, "adult": LEFT|RIGHT}."""
    rows = csv.DictReader(open(root / "lookit-laughter" / "metadata_2UWdXP_6c6MZQ.csv"))
    return {r["VideoID"]: {"child": r["Child"], "adult": r["Parent"]} for r in rows}


def side_boundary(cx: np.ndarray) -> float:
    """Where left becomes right: midway between the two clusters of face centres (1-D 2-means), not the
    picture's middle: in a close shot the child's face reaches past it when it leans in."""
    if not len(cx):
        return 0.0
    a, b = np.percentile(cx, [10, 90])
    for _ in range(50):
        cut = (a + b) / 2
        left, right = cx[cx < cut], cx[cx >= cut]
        if not len(left) or not len(right):
            break
        a, b = float(left.mean()), float(right.mean())
    return (a + b) / 2


def people_score(result, side_of_role: dict[str, str]) -> dict:
    """Persons, purity, coverage and roles of one analysis against the side truth (see module doc)."""
    sig = result.signals()
    role_of_side = {side: role for role, side in side_of_role.items()}
    cx = (sig.face_x + sig.face_w / 2).to_numpy()
    side = np.where(cx < side_boundary(cx), "LEFT", "RIGHT")
    persons, majority = [], {}
    for p in result.persons:
        mine = side[(sig.person == p["id"]).to_numpy()]
        if not len(mine):
            continue
        left = float(np.mean(mine == "LEFT"))
        majority[p["id"]] = "LEFT" if left >= 0.5 else "RIGHT"
        persons.append({"id": p["id"], "role": p["role"], "rows": int(len(mine)), "purity": round(max(left, 1 - left), 4),
                        "side": majority[p["id"]], "truth": role_of_side[majority[p["id"]]],
                        "in_cast": p.get("in_cast", True)})
    rows = sum(p["rows"] for p in persons)
    coverage = {}
    for role, s in side_of_role.items():
        held = {p["id"]: int(np.sum(side[(sig.person == p["id"]).to_numpy()] == s)) for p in persons}
        total = sum(held.values())
        coverage[role] = round(max(held.values()) / total, 4) if total else None
    return {"persons": len(result.persons), "purity": round(sum(p["purity"] * p["rows"] for p in persons) / rows, 4)
            if rows else None, "coverage": coverage,
            # every person of the cast (all of them where no cast was given) with the role of their side;
            # "unknown" is not right
            "roles_right": bool(persons) and all(p["role"] == p["truth"] for p in persons if p["in_cast"] is not False),
            "detail": persons}


def session_films(root: Path, work: Path, meta: dict) -> list[dict]:
    import vigvision
    from vigvision.config import Config

    out = []
    for family in FAMILIES:
        clips = sorted((root / "lookit-laughter").glob(f"{family}.*.mp4"))
        film = join_clips(clips, work / f"{family}_session.mp4")
        truth = meta[clips[0].name]
        for cast in (True, False):
            t = time.perf_counter()
            result = vigvision.analyze(film, work / f"{family}_session{'_cast' if cast else ''}",
                                       config=Config.from_dict(CAST) if cast else None)
            row = {"family": family, "cast": cast, "minutes": round(result.video["duration_s"] / 60, 2),
                   "clips": len(clips), "analysis_s": round(time.perf_counter() - t, 1),
                   **people_score(result, truth)}
            out.append(row)
            print(f"  {family} {'cast' if cast else 'no cast'}: {row['persons']} persons, purity {row['purity']}, "
                  f"coverage {row['coverage']}, roles right {row['roles_right']}", flush=True)
    return out


def per_clip(root: Path, work: Path, meta: dict) -> list[dict]:
    import vigvision
    from vigvision.config import Config

    out = []
    for clip in sorted(c for f in FAMILIES for c in (root / "lookit-laughter").glob(f"{f}.*.mp4")):
        for cast in (True, False):
            result = vigvision.analyze(clip, work / f"{clip.stem}{'_cast' if cast else ''}",
                                       config=Config.from_dict(CAST) if cast else None)
            score = people_score(result, meta[clip.name])
            out.append({"clip": clip.name, "cast": cast, "persons": score["persons"], "purity": score["purity"],
                        "roles_right": score["roles_right"]})
    return out


def pose_cost(work: Path, films: list[Path]) -> list[dict]:
    """The whole analysis with the body pose (``[vision] pose_fps`` 5, the default) and without it (0), on the
    same clips in the same run: realtime factors, and what the pose costs (calls, ms a call, heads found)."""
    import vigvision
    from vigvision.config import Config

    from .speed import two_faces_clip

    rows = []
    for clip in [two_faces_clip(60), *films]:
        row = {"clip": clip.name}
        for fps in (0.0, 5.0):
            out = work / f"{clip.stem}_pose{fps:g}"
            shutil.rmtree(out, ignore_errors=True)
            t = time.perf_counter()
            result = vigvision.analyze(clip, out, config=Config.from_dict({"vision": {"pose_fps": fps}}))
            wall = time.perf_counter() - t
            row[f"x_realtime_pose_{fps:g}"] = round(result.video["duration_s"] / wall, 2)
            row["seconds"] = round(result.video["duration_s"], 1)
            if fps:
                pose = result.data["frames"].get("pose") or {}
                row.update(pose_calls=pose.get("calls", 0), pose_heads=pose.get("heads", 0),
                           pose_ms_per_call=round(1000 * pose.get("seconds", 0) / max(pose.get("calls", 0), 1), 1),
                           pose_s_per_video_s=round(pose.get("seconds", 0) / result.video["duration_s"], 4))
        rows.append(row)
        print(f"  {clip.name}: {row}", flush=True)
    return rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.people")
    ap.add_argument("--work", type=Path, help="keep films and analyses here (default: a temporary folder)")
    args = ap.parse_args(argv)
    root = footage_root()
    if not (root / "lookit-laughter").is_dir():
        raise SystemExit(f"no lookit-laughter clips under {root} (set VIGVISION_FOOTAGE)")
    work = args.work or Path(tempfile.mkdtemp(prefix="vigvision-people-"))
    work.mkdir(parents=True, exist_ok=True)
    meta = sides(root)
    films = session_films(root, work, meta)
    clips = per_clip(root, work, meta)
    cost = pose_cost(work, [work / f"{family}_session.mp4" for family in FAMILIES])
    summary = {}
    for cast in (True, False):
        mine = [c for c in clips if c["cast"] == cast]
        summary["cast" if cast else "no_cast"] = {
            "clips": len(mine), "exactly_two": sum(c["persons"] == 2 for c in mine),
            "roles_right": sum(c["roles_right"] for c in mine)}
    result = {"date": time.strftime("%Y-%m-%d %H:%M:%S"), "films": films, "clips": summary, "per_clip": clips,
              "pose_cost": cost, "machine": f"{platform.machine()}, {os.cpu_count()} cores"}
    write_results("people", result, markdown(result))
    return 0


def markdown(r: dict) -> str:
    lines = [f"# People through a film ({r['date']})", "", "`python -m benchmarks.people`: each development "
             "family's lookit-laughter clips joined in name order into one session film; truth from the side "
             "metadata (child and parent each keep one side of the picture). 3dC3SQ is held out (no side labels).", "",
             "| family | minutes | cast given | persons (truth 2) | identity purity | coverage adult / child | roles right |",
             "|---|---:|---|---:|---:|---|---|"]
    for f in r["films"]:
        cov = f["coverage"]
        lines.append(f"| {f['family']} | {f['minutes']} | {'yes' if f['cast'] else 'no'} | {f['persons']} | "
                     f"{f['purity']} | {cov.get('adult')} / {cov.get('child')} | {'yes' if f['roles_right'] else 'no'} |")
    lines += ["", "Single clips of the two families:", "", "| cast given | clips | exactly 2 persons | roles right |",
              "|---|---:|---:|---:|"]
    for key, words in (("cast", "yes"), ("no_cast", "no")):
        c = r["clips"][key]
        lines.append(f"| {words} | {c['clips']} | {c['exactly_two']} | {c['roles_right']} |")
    lines += ["", f"What the body pose costs (`[vision] pose_fps` 5, the default, against 0), the whole analysis on the "
              f"same clips in one run ({r['machine']}):", "",
              "| clip | s | x realtime, no pose | x realtime, pose | pose calls | heads found | ms a call | "
              "pose s per video s |", "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for c in r["pose_cost"]:
        lines.append(f"| {c['clip']} | {c['seconds']} | {c['x_realtime_pose_0']} | {c['x_realtime_pose_5']} | "
                     f"{c['pose_calls']} | {c['pose_heads']} | {c['pose_ms_per_call']} | {c['pose_s_per_video_s']} |")
    lines += ["", "The pose runs only for a person whose face was lost, at most 5 times a second each: its cost grows "
              "with the time faces are lost, not with the video's length or size."]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    raise SystemExit(main())
