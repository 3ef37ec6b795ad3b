"""After the vision pass: persons, roles, gaze targets, episodes and proximity.

    raw rows (tracklet, frame) --merge--> persons P1..Pn (left to right)
        --> role suggestion (adult / child) per person
        --> per frame: the cost of each gaze target: the learned model (gaze_model: head and gaze
            direction against where the partner is) or the angle rules (3D face positions, angle to each)
        --> per person: Viterbi over targets (hysteresis) -> gaze_target per frame
        --> intervals -> gaze episodes, mutual gaze, proximity
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from ..io.files import write_json
from ..records import Person, Segments, from_dicts, to_dicts
from ..result import SIGNALS_SCHEMA
from ..sequence import viterbi
from ..time import Intervals
from . import geometry as G
from .analyser import POSE, RawVision
from . import corrections, gaze_model, identity
from .gaze_features import SEEN_BY

AWAY, CAMERA = "away", "camera"
_COST_CAP = 4.0


@dataclass
class VisionResult:
    """People over the video: what the persons and roles stages hand on (to analysis.json's persons,
    gaze, mutual_gaze and metrics.proximity, and to signals.parquet)."""

    persons: list[Person]
    signals: pa.Table
    gaze: Segments
    mutual_gaze: Segments
    proximity: dict
    notes: list[str] = field(default_factory=list)   # for the warnings: corrections that found no person

    @classmethod
    def empty(cls, notes: list[str] | None = None) -> "VisionResult":
        return cls([], SIGNALS_SCHEMA.empty_table(), Segments(), Segments(), {}, list(notes or []))

    def save(self, folder: Path) -> None:
        pq.write_table(self.signals, folder / "signals.parquet")
        write_json(folder / "people.json", {"persons": to_dicts(self.persons), "gaze": self.gaze.to_dict(),
                                            "mutual_gaze": self.mutual_gaze.to_dict(), "proximity": self.proximity,
                                            "notes": self.notes})

    @classmethod
    def load(cls, folder: Path) -> "VisionResult":
        data = json.loads((folder / "people.json").read_text())
        return cls(from_dicts(Person, data["persons"]), pq.read_table(folder / "signals.parquet"),
                   Segments.from_dict(data["gaze"]), Segments.from_dict(data["mutual_gaze"]), data["proximity"],
                   data.get("notes", []))


def build(raw: RawVision, frame_times: np.ndarray, *, vision, gaze, analysis_fps: float,
          roles: dict[str, str] | None = None, voice_f0: dict[str, float] | None = None,
          persons_cfg=None, fixes: list | None = None) -> VisionResult:
    """Turn the raw per-frame rows into persons, targets, episodes (see module doc).

    ``voice_f0``: median voice pitch (Hz) of the persons a voice was attributed to,
    a further cue to their roles. ``persons_cfg``: the [persons] settings (the cast, if known).
    ``fixes``: the guider's corrections (:class:`corrections.Correction`), applied in order.
    """
    if not len(raw.columns.get("frame", [])):
        return VisionResult.empty()
    cast = tuple(persons_cfg.cast) if persons_cfg is not None else ()
    # each analysed frame stands for the time until the next one (a 7 fps source: 0.14 s)
    cell_end = np.append(frame_times[1:], frame_times[-1] + 1.0 / analysis_fps)
    cell_s = cell_end - frame_times
    cols, pidx, kept = _person_rows(raw, cell_s, vision.min_person_s, cast,
                                    persons_cfg.extra_min_s if persons_cfg is not None else 5.0, fixes)
    n_persons = int(pidx.max()) + 1 if len(pidx) else 0
    if n_persons == 0:
        return VisionResult.empty(kept.missed)
    ids = [f"P{k + 1}" for k in range(n_persons)]
    set_roles, names, missed = corrections.labels(fixes or [], cols["time_s"], cols["cx"], cols["cy"],
                                                  cols["face_width"], pidx)
    override = {**(roles or {}), **{ids[k]: r for k, r in set_roles.items()}}
    persons = suggest_roles(ids, pidx, cols, override, voice_f0 or {}, cast=cast, in_cast=kept.in_cast)
    for k, person in enumerate(persons):
        person.seen_s = round(float(cell_s[np.unique(cols["frame"][pidx == k])].sum()), 2)
        person.in_cast, person.identity_sureness = kept.in_cast[k], kept.sureness[k]
        person.name = names.get(k)
    face_m = np.array([vision.child_face_width_m if p.role == "child" else vision.adult_face_width_m
                       for p in persons])

    # per frame, per person arrays (NaN where not seen)
    fi, pi = cols["frame"], pidx
    grid = lambda name: _grid(cols[name], fi, pi, len(frame_times), n_persons)  # noqa: E731
    K = G.camera_matrix(raw.frame_size[0], raw.frame_size[1], vision.hfov_deg)
    centre = np.stack([grid("cx"), grid("cy")], -1)
    pos = G.backproject(centre, grid("face_width"), face_m[None, :], K)              # (F, P, 3)
    gyaw, gpitch = G.combine_gaze(grid("yaw"), grid("pitch"), grid("eye_yaw"), grid("eye_pitch"))
    model = gaze.model_path()
    if model is not None:
        cost = gaze_model.target_costs(_gaze_grids(grid, gyaw, gpitch), raw.frame_size, _COST_CAP, model)
        targets = _choose(cost, np.isfinite(grid("x1")), gaze)                       # (F, P) int
    else:
        targets = _targets(pos, G.direction(gyaw, gpitch), gaze)
    targets_named = ids + [CAMERA, AWAY]
    signals = _signals(cols, ids, pi, gyaw[fi, pi], gpitch[fi, pi],
                       [targets_named[t] if t >= 0 else "unknown" for t in targets[fi, pi]])
    looks, mutual = _episodes(targets, frame_times, cell_end, targets_named, n_persons, gaze)
    proximity = _proximity(pos, centre, grid("face_width"), frame_times, cell_end, ids, gaze)
    return VisionResult(persons, signals, looks, mutual, proximity, kept.missed + missed)


@dataclass(frozen=True)
class _Kept:
    """The persons kept, in index order (left to right): whether each is one of the cast (None: no cast
    given), and how sure the joining of their tracklets was."""

    in_cast: list[bool | None]
    sureness: list[float]
    missed: list[str]      # corrections that found no person


def _person_rows(raw: RawVision, cell_s: np.ndarray, min_person_s: float, cast: tuple[str, ...] = (),
                 extra_min_s: float = 5.0, fixes: list | None = None) -> tuple[dict, np.ndarray, _Kept]:
    """The raw rows of the persons kept, and each row's person index (0.. left to right).

    Tracklets join into identities (:mod:`identity`). The identities seen longest fill the cast (without
    one: as many as are usually seen at once) and are kept when their face was seen for ``min_person_s``; any other is
    kept (with a cast: as not of it) only when their face (not the body pose) was seen for ``extra_min_s``. The guider's merges and splits
    (``fixes``, :mod:`corrections`) apply before that. Where one person has two rows in a frame, the one
    nearer the person's usual place is kept."""
    cols = raw.columns
    hist = {t["tid"]: np.asarray(t["hist"]) if t["hist"] is not None else None for t in raw.tracklets}
    tracklets = []
    for tid in np.unique(cols["track"]):
        mine = cols["track"] == tid
        tracklets.append(identity.Tracklet(int(tid), cols["frame"][mine], cols["cx"][mine], cols["cy"][mine],
                                           cols["face_width"][mine], hist.get(int(tid)),
                                           cols["source"][mine] != POSE))
    joined = identity.join(tracklets, cast=len(cast) or None)
    pidx = np.array([joined.identity[int(t)] for t in cols["track"]], dtype=np.int64)
    pidx, missed = corrections.regroup(fixes or [], cols["time_s"], cols["cx"], cols["cy"], cols["face_width"], pidx)
    sureness = {p: joined.sureness.get(p, 1.0) for p in np.unique(pidx).tolist()}
    seen_s = {p: float(cell_s[np.unique(cols["frame"][pidx == p])].sum()) for p in sureness}
    # an extra must show a face that long: the body pose following a toy's "face" is no one seen
    face_s = {p: float(cell_s[np.unique(cols["frame"][(pidx == p) & (cols["source"] != POSE)])].sum())
              for p in sureness}
    longest = sorted(seen_s, key=lambda p: -seen_s[p])
    in_cast = {p: (k < len(cast)) if cast else None for k, p in enumerate(longest)}
    # without a cast, anyone past the usual number of people seen at once must be seen as long as an extra
    usual = len(cast) or joined.usual or len(longest)
    kept = sorted((p for k, p in enumerate(longest)
                   if (face_s[p] >= min_person_s if k < usual else face_s[p] >= extra_min_s)),
                  key=lambda p: np.median(cols["cx"][pidx == p]))
    renumber = {p: k for k, p in enumerate(kept)}
    pidx = np.array([renumber.get(p, -1) for p in pidx], dtype=np.int64)
    keep = pidx >= 0
    cols, pidx = {k: v[keep] for k, v in cols.items()}, pidx[keep]
    # one row per person and frame: where a person has two (a duplicate, or a stray face joined for a
    # moment), the one nearest the person's usual place, in face widths, then the better posed
    off = np.zeros(len(pidx))
    for k in np.unique(pidx):
        mine = pidx == k
        centre = np.median(cols["cx"][mine]), np.median(cols["cy"][mine])
        off[mine] = np.hypot(cols["cx"][mine] - centre[0], cols["cy"][mine] - centre[1]) / np.median(
            cols["face_width"][mine])
    order = np.lexsort((-cols["pose_score"], np.round(off, 1), pidx, cols["frame"]))
    cols, pidx = {k: v[order] for k, v in cols.items()}, pidx[order]
    first = np.ones(len(pidx), bool)
    first[1:] = (cols["frame"][1:] != cols["frame"][:-1]) | (pidx[1:] != pidx[:-1])
    return ({k: v[first] for k, v in cols.items()}, pidx[first],
            _Kept([in_cast[p] for p in kept], [round(sureness[p], 3) for p in kept], missed))


def _signals(cols: dict, ids: list[str], pi: np.ndarray, gaze_yaw: np.ndarray, gaze_pitch: np.ndarray,
             targets: list[str]) -> pa.Table:
    """signals.parquet: one row per person per analysed frame where the person was seen."""
    return pa.table({
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
        "gaze_yaw_deg": pa.array(gaze_yaw, pa.float32()),
        "gaze_pitch_deg": pa.array(gaze_pitch, pa.float32()),
        "gaze_target": pa.array(targets, pa.string()),
        "mouth_open": pa.array(cols["mouth_open"], pa.float32()),
        "smile": pa.array(cols["smile"], pa.float32()),
        "seen_by": pa.array([SEEN_BY[k] for k in cols["source"]], pa.string()),
    }, schema=SIGNALS_SCHEMA)


def _episodes(targets: np.ndarray, starts: np.ndarray, ends: np.ndarray, names: list[str], n_persons: int,
              gaze) -> tuple[Segments, Segments]:
    """Gaze episodes (each person's looks at each target) and mutual gaze (two looking at each other)."""
    rows, looks = [], {}
    for p in range(n_persons):
        for k, name in enumerate(names):
            if k == p:
                continue
            iv = _cells(starts, ends, targets[:, p] == k).support(gaze.bridge_gap_s).remove_short(gaze.min_episode_s)
            looks[(p, k)] = iv
            rows += [{"start": round(s.start, 3), "end": round(s.end, 3), "person": names[p], "target": name}
                     for s in iv]
    rows.sort(key=lambda e: (e["start"], e["person"]))
    mutual = []
    for a in range(n_persons):
        for b in range(a + 1, n_persons):
            both = (looks[(a, b)] & looks[(b, a)]).remove_short(gaze.min_episode_s)
            mutual += [{"start": round(s.start, 3), "end": round(s.end, 3), "persons": [names[a], names[b]]}
                       for s in both]
    mutual.sort(key=lambda e: e["start"])
    return Segments.from_dict(rows), Segments.from_dict(mutual)


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
    return _choose(cost, np.isfinite(gdir).all(-1) & np.isfinite(pos).all(-1), gaze)


def _choose(cost: np.ndarray, seen: np.ndarray, gaze) -> np.ndarray:
    """The cheapest target sequence per person (Viterbi, ``gaze.switch_cost`` a change); -1 unseen."""
    out = np.full(seen.shape, -1, np.int64)
    for p in range(seen.shape[1]):
        out[:, p] = viterbi(cost[:, p], seen[:, p], gaze.switch_cost)
    return out


def _gaze_grids(grid, gyaw: np.ndarray, gpitch: np.ndarray) -> dict[str, np.ndarray]:
    """The inputs of :func:`gaze_features.features` (its ``GRIDS``), as the signals would give them: the face
    box's centre and width, the gaze (head and eyes) and the head's direction, what measured each row."""
    x1, x2 = grid("x1"), grid("x2")
    return {"cx": (x1 + x2) / 2, "cy": (grid("y1") + grid("y2")) / 2, "width": x2 - x1, "gaze_yaw": gyaw,
            "gaze_pitch": gpitch, "yaw": grid("yaw"), "pitch": grid("pitch"),
            "seen_by": np.nan_to_num(grid("source"), nan=-1.0)}


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
                  voice_f0: dict[str, float] | None = None, *, cast: tuple[str, ...] = (),
                  in_cast: list[bool | None] | None = None) -> list[Person]:
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
    the shot stays "unknown" unless the cues are clear-cut. With a ``cast`` (the roles filmed), the
    persons of the cast (``in_cast``) get its roles, the likeliest way round.
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
    z += _pitch_evidence(f0)
    p_child = 1 / (1 + np.exp(-z))
    roles = cast_roles(p_child, cast, in_cast) if cast else ["child" if p >= 0.5 else "adult" for p in p_child]
    if not cast and len(ids) == 2 and roles[0] == roles[1]:
        roles = ["child", "adult"] if z[0] > z[1] else ["adult", "child"]
    if not cast and len(ids) == 1 and max(p_child[0], 1 - p_child[0]) < 0.9:
        roles = ["unknown"]  # alone in the shot, the proportions alone do not tell reliably
    out = []
    for k, pid in enumerate(ids):
        conf = float(max(p_child[k], 1 - p_child[k]) if roles[k] == "unknown"
                     else p_child[k] if roles[k] == "child" else 1 - p_child[k])
        person = Person(pid, roles[k], round(max(conf, 0.5), 3), "suggested",
                        proportions={"lower_face": _num(lower[k], 3), "eye_size": _num(eye[k], 3),
                                     "upper_face": _num(upper[k], 3)},
                        median_x_px=_num(cx[k], 1), median_face_width_px=_num(width[k], 1),
                        median_face_height_px=_num(height[k], 1), voice_f0_median_hz=_num(f0[k], 1))
        if pid in override:
            person.role, person.role_source, person.role_confidence = override[pid], "user", 1.0
        out.append(person)
    return out


def cast_roles(p_child: np.ndarray, cast: tuple[str, ...], in_cast: list[bool | None] | None) -> list[str]:
    """Roles where the cast is known: of the persons in it, the likeliest to be children are its children
    (as many as the cast has, fewer where fewer persons were seen); the others are its adults. Where fewer
    persons were seen than the cast has, one whose evidence is not clear-cut (under 0.9) stays unknown. A
    person outside the cast keeps the role its own evidence gives."""
    roles = ["child" if p >= 0.5 else "adult" for p in p_child]
    members = [k for k in range(len(p_child)) if in_cast is None or in_cast[k] is not False]
    adults, children = cast.count("adult"), cast.count("child")
    by_child = sorted(members, key=lambda k: -p_child[k])
    p = np.clip(p_child, 1e-6, 1 - 1e-6)
    best = max(range(max(0, len(members) - adults), min(children, len(members)) + 1),
               key=lambda j: sum(np.log(p[k]) for k in by_child[:j]) + sum(np.log(1 - p[k]) for k in by_child[j:]),
               default=0)
    for rank, k in enumerate(by_child):
        roles[k] = "child" if rank < best else "adult"
        if len(members) < len(cast) and max(p[k], 1 - p[k]) < 0.9:
            roles[k] = "unknown"   # fewer seen than filmed: which of the cast this is, the evidence must say
    return roles


def _pitch_evidence(f0: np.ndarray) -> np.ndarray:
    """Evidence for "child" from voice pitch (NaN: no voice attributed): relative to the others'
    pitch where two or more are known (a quarter octave higher weighs one unit), else against 260 Hz."""
    z = np.zeros(len(f0))
    known = np.flatnonzero(np.isfinite(f0))
    if len(known) >= 2:
        for k in known:
            z[k] = np.log2(f0[k] / np.nanmedian(np.delete(f0, k))) / 0.25
    elif len(known) == 1:
        z[known[0]] = np.log2(f0[known[0]] / 260.0) / 0.3
    return z


def _num(x: float, digits: int) -> float | None:
    """A JSON-safe rounded number: None where it could not be measured (JSON has no NaN)."""
    return round(float(x), digits) if np.isfinite(x) else None
