"""After the vision pass: persons, roles, gaze targets, episodes and proximity.

    raw rows (tracklet, frame) --merge--> persons P1..Pn (left to right)
        --> role suggestion (adult / child) per person
        --> per frame: 3D face positions, gaze direction -> angle to each target
        --> per person: Viterbi over targets (hysteresis) -> gaze_target per frame
        --> intervals -> gaze episodes, mutual gaze, proximity
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from ..result import SIGNALS_SCHEMA
from ..sequence import viterbi
from ..time import Intervals
from . import geometry as G
from .analyser import RawVision
from .tracking import Track, merge_tracklets

AWAY, CAMERA = "away", "camera"
_COST_CAP = 4.0


@dataclass
class VisionResult:
    """What the vision stage contributes to analysis.json and signals.parquet."""

    persons: list[dict]
    signals: pa.Table
    gaze: list[dict]
    mutual_gaze: list[dict]
    proximity: dict


def build(raw: RawVision, frame_times: np.ndarray, *, vision, gaze, analysis_fps: float,
          roles: dict[str, str] | None = None, voice_f0: dict[str, float] | None = None) -> VisionResult:
    """Turn the raw per-frame rows into persons, targets, episodes (see module doc).

    ``voice_f0``: median voice pitch (Hz) of the persons a voice was attributed to,
    a further cue to their roles.
    """
    cols = raw.columns
    n_frames = len(frame_times)
    if not len(cols.get("frame", [])):
        return VisionResult([], SIGNALS_SCHEMA.empty_table(), [], [], {})

    # 1. tracklets -> persons (left to right), dropping the briefly seen
    tracks = [Track(t["tid"], np.zeros(4), 0.0, frames=t["frames"], widths=t["widths"],
                    centers=[tuple(c) for c in t["centers"]],
                    hist=np.asarray(t["hist"]) if t["hist"] is not None else None) for t in raw.tracklets]
    frames_of = {tr.tid: cols["frame"][cols["track"] == tr.tid] for tr in tracks}
    person_of = merge_tracklets(tracks, frames_of)
    pidx = np.array([person_of.get(int(t), -1) for t in cols["track"]])
    # each analysed frame stands for the time until the next one (a 7 fps source: 0.14 s)
    cell_end = np.append(frame_times[1:], frame_times[-1] + 1.0 / analysis_fps)
    cell_s = cell_end - frame_times
    seen_s = {p: float(cell_s[np.unique(cols["frame"][pidx == p])].sum()) for p in set(person_of.values())}
    kept = sorted((p for p, s in seen_s.items() if s >= vision.min_person_s),
                  key=lambda p: np.median(cols["cx"][pidx == p]))
    renumber = {p: k for k, p in enumerate(kept)}
    pidx = np.array([renumber.get(p, -1) for p in pidx])
    keep = pidx >= 0
    cols = {k: v[keep] for k, v in cols.items()}
    pidx = pidx[keep]
    n_persons = len(kept)
    ids = [f"P{k + 1}" for k in range(n_persons)]
    if n_persons == 0:
        return VisionResult([], SIGNALS_SCHEMA.empty_table(), [], [], {})
    # A person seen twice in one frame (two tracklets merged wrongly cannot happen; two
    # live tracklets of one face can): keep the better-posed row.
    order = np.lexsort((-cols["pose_score"], pidx, cols["frame"]))
    cols = {k: v[order] for k, v in cols.items()}
    pidx = pidx[order]
    first = np.ones(len(pidx), bool)
    first[1:] = (cols["frame"][1:] != cols["frame"][:-1]) | (pidx[1:] != pidx[:-1])
    cols = {k: v[first] for k, v in cols.items()}
    pidx = pidx[first]

    # 2. roles
    persons = suggest_roles(ids, pidx, cols, roles or {}, voice_f0 or {})
    for k, person in enumerate(persons):
        person["seen_s"] = round(float(cell_s[np.unique(cols["frame"][pidx == k])].sum()), 2)
    face_m = np.array([vision.child_face_width_m if p["role"] == "child" else vision.adult_face_width_m
                       for p in persons])

    # 3. per frame, per person arrays (NaN where not seen)
    fi, pi = cols["frame"], pidx
    grid = lambda name: _grid(cols[name], fi, pi, n_frames, n_persons)  # noqa: E731
    K = G.camera_matrix(raw.frame_size[0], raw.frame_size[1], vision.hfov_deg)
    centre = np.stack([grid("cx"), grid("cy")], -1)
    pos = G.backproject(centre, grid("face_width"), face_m[None, :], K)              # (F, P, 3)
    gyaw, gpitch = G.combine_gaze(grid("yaw"), grid("pitch"), grid("eye_yaw"), grid("eye_pitch"))
    gdir = G.direction(gyaw, gpitch)                                                  # (F, P, 3)
    targets = _targets(pos, gdir, gaze)                                              # (F, P) int
    names = ids + [CAMERA, AWAY]

    # 4. signals table
    target_col = targets[fi, pi]
    signals = pa.table({
        "time_s": pa.array(cols["time_s"], pa.float64()),
        "frame": pa.array(cols["frame"].astype(np.int32)),
        "person": pa.array([ids[p] for p in pi], pa.string()),
        "face_x": pa.array(cols["x1"], pa.float32()),
        "face_y": pa.array(cols["y1"], pa.float32()),
        "face_w": pa.array(cols["x2"] - cols["x1"], pa.float32()),
        "face_h": pa.array(cols["y2"] - cols["y1"], pa.float32()),
        "face_score": pa.array(cols["det_score"], pa.float32()),
        "yaw_deg": pa.array(cols["yaw"], pa.float32()),
        "pitch_deg": pa.array(cols["pitch"], pa.float32()),
        "roll_deg": pa.array(cols["roll"], pa.float32()),
        "pose_score": pa.array(cols["pose_score"], pa.float32()),
        "gaze_yaw_deg": pa.array(gyaw[fi, pi], pa.float32()),
        "gaze_pitch_deg": pa.array(gpitch[fi, pi], pa.float32()),
        "gaze_target": pa.array([names[t] if t >= 0 else "unknown" for t in target_col], pa.string()),
        "mouth_open": pa.array(cols["mouth_open"], pa.float32()),
        "smile": pa.array(cols["smile"], pa.float32()),
    }, schema=SIGNALS_SCHEMA)

    # 5. episodes
    gaze_eps, looks = [], {}
    for p in range(n_persons):
        for k, name in enumerate(names):
            if k == p:
                continue
            mask = targets[:, p] == k
            iv = _cells(frame_times, cell_end, mask).support(gaze.bridge_gap_s).remove_short(gaze.min_episode_s)
            looks[(p, k)] = iv
            gaze_eps += [{"start": round(s.start, 3), "end": round(s.end, 3), "person": ids[p], "target": name}
                         for s in iv]
    gaze_eps.sort(key=lambda e: (e["start"], e["person"]))
    mutual = []
    for a in range(n_persons):
        for b in range(a + 1, n_persons):
            both = (looks[(a, b)] & looks[(b, a)]).remove_short(gaze.min_episode_s)
            mutual += [{"start": round(s.start, 3), "end": round(s.end, 3), "persons": [ids[a], ids[b]]} for s in both]
    mutual.sort(key=lambda e: e["start"])
    proximity = _proximity(pos, centre, grid("face_width"), frame_times, cell_end, ids, gaze)
    return VisionResult(persons, signals, gaze_eps, mutual, proximity)


def _grid(values: np.ndarray, frame: np.ndarray, person: np.ndarray, n_frames: int, n_persons: int) -> np.ndarray:
    out = np.full((n_frames, n_persons), np.nan)
    out[frame, person] = values
    return out


def _cells(starts: np.ndarray, ends: np.ndarray, mask: np.ndarray) -> Intervals:
    return Intervals.from_arrays(starts[mask], ends[mask])


def _targets(pos: np.ndarray, gdir: np.ndarray, gaze) -> np.ndarray:
    """Gaze target index per frame and person: 0..P-1 a person, P camera, P+1 away, -1 unseen.

    The angle to a person is the smaller of the 3D angle and, when the gaze points
    clearly sideways, the angle in the image plane (no depth needed). Cost of each
    target per frame: (angle / tolerance)^2, capped at 4 so one wild
    frame cannot outweigh a run of good ones, with "away" at a constant 1
    (beyond the tolerance of every target); a Viterbi pass with a cost for every
    change picks the cheapest sequence: hysteresis against noise.
    """
    F, P = pos.shape[:2]
    K = P + 2
    cost = np.full((F, P, K), np.inf)
    for p in range(P):
        g = gdir[:, p]
        # The gaze seen in the image plane: reliable when it points clearly sideways or
        # up/down, and it needs no depth, which face size gives only to +-30%.
        g2 = g[:, :2]
        lateral = np.linalg.norm(g2, axis=-1) >= math.sin(math.radians(20))
        for q in range(P):
            if q == p:
                continue
            d = pos[:, q] - pos[:, p]
            angle = _angle(g, d)
            d2 = pos[:, q, :2] / pos[:, q, 2:3] - pos[:, p, :2] / pos[:, p, 2:3]  # image-plane direction
            angle = np.where(lateral, np.fmin(angle, _angle(g2, d2)), angle)
            cost[:, p, q] = np.minimum((angle / gaze.person_deg) ** 2, _COST_CAP)
        cost[:, p, P] = np.minimum((_angle(g, -pos[:, p]) / gaze.camera_deg) ** 2, _COST_CAP)
        cost[:, p, P + 1] = 1.0
    cost = np.where(np.isnan(cost), np.inf, cost)
    seen = np.isfinite(gdir).all(-1) & np.isfinite(pos).all(-1)
    out = np.full((F, P), -1, np.int64)
    for p in range(P):
        out[:, p] = viterbi(cost[:, p], seen[:, p], gaze.switch_cost)
    return out


def _angle(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Angle in degrees between rows of a and b (NaN where either is missing)."""
    na = np.linalg.norm(a, axis=-1)
    nb = np.linalg.norm(b, axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        c = np.einsum("...i,...i->...", a, b) / (na * nb)
    return np.degrees(np.arccos(np.clip(c, -1, 1)))


def _proximity(pos, centre, widths, starts, ends, ids, gaze) -> dict:
    """Per pair: distance in metres (estimated) and in face widths, time close, approaches."""
    pairs = []
    for a in range(len(ids)):
        for b in range(a + 1, len(ids)):
            d_m = np.linalg.norm(pos[:, a] - pos[:, b], axis=-1)
            d_faces = np.linalg.norm(centre[:, a] - centre[:, b], axis=-1) / ((widths[:, a] + widths[:, b]) / 2)
            both = np.isfinite(d_m)
            if both.sum() < 2:
                continue
            close = _cells(starts, ends, both & (d_m < gaze.close_m))
            pairs.append({
                "persons": [ids[a], ids[b]],
                "median_distance_m": _num(np.nanmedian(d_m), 3),
                "median_distance_faces": _num(np.nanmedian(d_faces), 3) if np.isfinite(d_faces).any() else None,
                "close_s": round(close.total, 3),
                "both_seen_s": round(float((ends - starts)[both].sum()), 3),
                "approaches": approaches(d_m, starts, ends),
            })
    return {"pairs": pairs} if pairs else {}


def approaches(d: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> list[dict]:
    """Lean-in / approach events: the distance (any unit) falls by at least 20% within 2 s.

    ``d``: distance per analysed frame (NaN where a face was not seen); ``starts``/``ends``:
    each frame's time cell."""
    ok = np.isfinite(d)
    if ok.sum() < 5:
        return []
    t = starts[ok]
    x = np.convolve(np.pad(d[ok], 2, mode="edge"), np.ones(5) / 5, mode="valid")  # 5-frame smoothing
    events = []
    i = 0
    while i < len(t):
        j = np.searchsorted(t, t[i] + 2.0)
        window = x[i:j]
        k = int(np.argmin(window)) + i if len(window) else i
        if x[k] <= 0.8 * x[i] and k > i:
            events.append({"start": round(float(t[i]), 3), "end": round(float(ends[ok][k]), 3),
                           "from_m": round(float(x[i]), 3), "to_m": round(float(x[k]), 3)})
            i = k + 1
        else:
            i += 1
    return events


def suggest_roles(ids: list[str], pidx: np.ndarray, cols: dict, override: dict[str, str],
                  voice_f0: dict[str, float] | None = None) -> list[dict]:
    """A role per person (adult / child) with a confidence, unless the user set it.

    Cues, from the pose-independent 3D proportions (geometry.proportions): a young
    child's face is smaller (3D forehead-to-chin height) than the adult's in the
    same shot, and has a shorter lower face (nose to chin over the eye span).
    With others in the shot the cues are taken relative to them (robust to
    distance and lens); alone, against absolute values, with less confidence.
    Voice pitch, where a voice was attributed to the person, adds to it: higher
    than the others' voices leans child (a quarter octave weighs one unit); alone,
    against 260 Hz (adult women average ~200 Hz, young children 250-400 Hz).
    A dyad (the usual VIG shot) gets one adult and one child; a person alone in
    the shot stays "unknown" unless the cues are clear-cut.
    """
    def med(name: str) -> np.ndarray:  # NaN where a person was only seen in profile (no mesh)
        out = []
        for k in range(len(ids)):
            v = cols[name][pidx == k]
            v = v[np.isfinite(v)]
            out.append(np.median(v) if v.size else np.nan)
        return np.array(out)

    lower, eye, upper, cx = med("lower_face"), med("eye_size"), med("upper_face"), med("cx")
    height, width = med("face_height3d"), med("face_width")
    z = (0.87 - lower) / 0.06  # absolute: > 0 leans child
    if len(ids) > 1:
        rel = np.empty(len(ids))
        for k in range(len(ids)):
            o = np.delete(np.arange(len(ids)), k)
            rel[k] = -np.log(height[k] / np.median(height[o])) / 0.12 - (lower[k] - np.median(lower[o])) / 0.06
        z = rel + 0.5 * z
    z = np.nan_to_num(z)  # no usable face cue: undecided
    f0 = np.array([(voice_f0 or {}).get(pid, np.nan) for pid in ids], float)
    if np.isfinite(f0).sum() >= 2:
        for k in np.flatnonzero(np.isfinite(f0)):
            others = np.delete(f0, k)
            z[k] += np.log2(f0[k] / np.nanmedian(others)) / 0.25
    elif np.isfinite(f0).sum() == 1:
        k = int(np.flatnonzero(np.isfinite(f0))[0])
        z[k] += np.log2(f0[k] / 260.0) / 0.3
    p_child = 1 / (1 + np.exp(-z))
    roles = ["child" if p >= 0.5 else "adult" for p in p_child]
    if len(ids) == 2 and roles[0] == roles[1]:
        roles = ["child", "adult"] if z[0] > z[1] else ["adult", "child"]
    if len(ids) == 1 and max(p_child[0], 1 - p_child[0]) < 0.9:
        roles = ["unknown"]  # alone in the shot, the proportions alone do not tell reliably
    out = []
    for k, pid in enumerate(ids):
        conf = float(max(p_child[k], 1 - p_child[k]) if roles[k] == "unknown"
                     else p_child[k] if roles[k] == "child" else 1 - p_child[k])
        entry = {"id": pid, "role": roles[k], "role_confidence": round(max(conf, 0.5), 3),
                 "role_source": "suggested",
                 "proportions": {"lower_face": _num(lower[k], 3), "eye_size": _num(eye[k], 3),
                                 "upper_face": _num(upper[k], 3)},
                 "median_x_px": _num(cx[k], 1),
                 "median_face_width_px": _num(width[k], 1),
                 "median_face_height_px": _num(height[k], 1),
                 "voice_f0_median_hz": _num(f0[k], 1)}
        if pid in override:
            entry.update(role=override[pid], role_source="user", role_confidence=1.0)
        out.append(entry)
    return out


def _num(x: float, digits: int) -> float | None:
    """A JSON-safe rounded number: None where it could not be measured (JSON has no NaN)."""
    return round(float(x), digits) if np.isfinite(x) else None
