"""Tidy metrics tables for statistics across a study: one row per video (or per video-minute).

Every row names the video, its hash, the software version and the config hash, so rows made
with different settings are never mixed unknowingly. Missing is missing: a metric that was
not measured (no face, no audio) is an empty cell, never 0.
"""
from __future__ import annotations

import csv
import math
from pathlib import Path
from typing import IO

from ..io.files import atomic_open
from ..moments.interaction import main_pair
from ..result import Analysis
from ..time import Intervals, Span


def _id_columns(result: Analysis) -> dict:
    return {"video": Path(result.video.get("path", result.folder.name)).name,
            "video_sha256": result.video.get("sha256"),
            "software_version": result.data["software"]["version"],
            "config_hash": result.data.get("config_hash"),
            "preset": result.data["config"].get("moments", {}).get("preset")}


ROLES = ("adult", "child")


def video_row(result: Analysis) -> dict:
    """One video's metrics, flattened to columns named by role, so a study's rows line up across videos.

    Per-person columns are those of the main pair (:func:`main_pair`: the adult and the child seen
    together longest): ``adult_id``/``child_id`` name them in this video, ``adult_seen_s`` is the time
    the adult's face was seen, the denominator of ``adult_partner_gaze_fraction``. Proximity is the
    main pair's. Every person of every pair is in :func:`person_rows`.
    """
    m = result.metrics
    pair = main_pair(result.persons, m.get("proximity"))
    who = dict(zip(ROLES, pair)) if pair else {}
    row = {**_id_columns(result), "duration_s": result.video.get("duration_s"), "persons": len(result.persons),
           "roles": " ".join(f"{p['id']}={p['role']}" for p in result.persons),
           "moments": len(result.moments), **{f"{r}_id": who.get(r) for r in ROLES}}
    ec = m.get("eye_contact")
    for k in ("episodes", "episodes_per_minute", "total_s", "mean_s", "fraction"):
        row[f"eye_contact_{k}"] = ec.get(k) if ec else None
    for role in ROLES:
        person = _person_metrics(result, who.get(role))
        for k in ("seen_s", "partner_gaze_fraction", "talk_share"):
            row[f"{role}_{k}"] = person.get(k)
    tt = m.get("turn_taking")
    for k in ("turns", "turns_per_minute", "switches", "switches_per_minute", "overlap_fraction", "vocal_s"):
        row[f"turn_taking_{k}"] = tt.get(k) if tt else None
    lat = (tt or {}).get("response_latency_s") or {}
    row["response_latency_median_s"] = lat.get("median")
    iqr = lat.get("iqr") or [None, None]
    row["response_latency_q1_s"], row["response_latency_q3_s"] = iqr
    exchanges = (tt or {}).get("by_role") or {}
    for direction in ("child_to_adult", "adult_to_child"):
        x = exchanges.get(direction) or {}
        first = direction.split("_")[0]
        row[f"{first}_initiatives"] = x.get("initiatives") if tt else None
        row[f"{direction}_answered"] = x.get("answered") if tt else None
        row[f"{direction}_answered_share"] = x.get("answered_share")
        row[f"{direction}_answer_latency_median_s"] = x.get("answer_latency_median_s")
        row[f"{first}_initiatives_per_minute"] = x.get("initiatives_per_minute")
    ids = {p["id"] for p in result.persons}
    shares = (tt or {}).get("talk_share") or {}
    # voices given to no person seen: their share is time nobody on screen can be credited with
    row["unmatched_voice_talk_share"] = round(sum(v for k, v in shares.items() if k not in ids), 4) if tt else None
    prox = _pair_proximity(m, pair)
    for k in ("both_seen_s", "median_distance_m", "median_distance_faces", "close_s"):
        row[f"proximity_{k}"] = prox.get(k)
    joy = m.get("shared_joy") or {}
    row["shared_joy_score"] = joy.get("score")
    row["child_laughing_s"] = _person_metrics(result, who.get("child")).get("laughing_s")
    return row


def _pair_proximity(metrics: dict, pair: tuple[str, str] | None) -> dict:
    if pair is None:
        return {}
    return next((p for p in (metrics.get("proximity") or {}).get("pairs", []) if set(p["persons"]) == set(pair)), {})


def _person_metrics(result: Analysis, pid: str | None) -> dict:
    """One person's per-person metrics (None where not measured); {} for no person."""
    if pid is None:
        return {}
    m = result.metrics
    ec, tt = m.get("eye_contact"), m.get("turn_taking")
    person = next((p for p in result.persons if p["id"] == pid), {})
    seen = (ec or {}).get("partner_gaze_seen_s", {}).get(pid, person.get("seen_s"))
    return {"seen_s": seen,
            "partner_gaze_fraction": ec["partner_gaze_fraction"].get(pid) if ec else None,
            "talk_share": tt["talk_share"].get(pid, 0.0) if tt and tt.get("talk_share") else None,
            "laughing_s": ((m.get("shared_joy") or {}).get("per_child") or {}).get(pid, {}).get("laughing_s")}


def person_rows(result: Analysis) -> list[dict]:
    """Long format: one row per person of a video, with their role and per-person metrics, and whether
    they are in the video's main pair (the columns of :func:`video_row`)."""
    pair = main_pair(result.persons, result.metrics.get("proximity")) or ()
    return [{**_id_columns(result), "person": p["id"], "name": p.get("name") or "", "role": p["role"],
             "in_cast": p.get("in_cast"), "in_main_pair": p["id"] in pair, **_person_metrics(result, p["id"])}
            for p in result.persons]


def minute_rows(result: Analysis) -> list[dict]:
    """Per minute of video: mutual gaze (episodes starting, seconds), turns, switches, vocal seconds."""
    duration = float(result.video.get("duration_s") or 0.0)
    mutual = Intervals.of(result.mutual_gaze)
    vocal = Intervals.of(result.speech)
    turns = sorted((t for t in result.turns if t["kind"] == "turn"), key=lambda t: t["start"])
    switch_at = [b["start"] for a, b in zip(turns, turns[1:]) if a["speaker"] != b["speaker"]]
    has_faces, has_voice = bool(result.persons), result.data["availability"]["voice"]["available"]
    role = {p["id"]: p["role"] for p in result.persons}
    initiatives = ((result.metrics.get("turn_taking") or {}).get("initiatives")) or []
    rows = []
    for k in range(max(1, math.ceil(duration / 60))):
        span = Span(60.0 * k, min(60.0 * (k + 1), duration) if duration else 60.0 * (k + 1))
        rows.append({**_id_columns(result), "minute": k + 1, "start_s": span.start, "end_s": span.end,
                     "mutual_gaze_episodes": sum(span.start <= e["start"] < span.end for e in result.mutual_gaze)
                     if has_faces else None,
                     "mutual_gaze_s": round(mutual.crop(span).total, 3) if has_faces else None,
                     "turns": sum(span.start <= t["start"] < span.end for t in turns) if has_voice else None,
                     "switches": sum(span.start <= t < span.end for t in switch_at) if has_voice else None,
                     "vocal_s": round(vocal.crop(span).total, 3) if has_voice else None,
                     **{f"{a}_initiatives_answered_by_{b}": sum(
                         span.start <= i["start"] < span.end and role.get(i["by"]) == a
                         and role.get(i["response_by"]) == b for i in initiatives) if has_voice else None
                        for a, b in (("child", "adult"), ("adult", "child"))},
                     **{f"{a}_initiatives": sum(span.start <= i["start"] < span.end and role.get(i["by"]) == a
                                                for i in initiatives) if has_voice else None
                        for a in ("child", "adult")}})
    return rows


def to_csv(rows: list[dict], f: IO[str]) -> None:
    """All rows under the union of their columns (first seen first); missing cells empty; no cell runs as
    a spreadsheet formula."""
    columns: list[str] = []
    for r in rows:
        columns += [c for c in r if c not in columns]
    w = csv.DictWriter(f, fieldnames=columns, restval="")
    w.writeheader()
    for r in rows:
        w.writerow({k: _cell(v) for k, v in r.items()})


def _cell(v):
    """A CSV cell: empty for missing; text a spreadsheet would run as a formula (a guider's note that
    starts with '=', '+', '-', '@', a tab or a carriage return) is kept as text by a leading quote."""
    if v is None:
        return ""
    if isinstance(v, str) and v[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + v
    return v


def write_csv(path: str | Path, rows: list[dict]) -> None:
    """The table as a CSV file, written atomically (no half-written table)."""
    with atomic_open(path, "w", newline="", encoding="utf-8") as f:
        to_csv(rows, f)
