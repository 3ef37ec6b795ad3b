"""Generated interactions with known attuned moments, at the level the moment finder reads.

An adult (P1, left) and a child (P2, right) for ``duration_s``. At ``n_moments`` known times an
attuned episode is planted: the child vocalises, the adult answers within a second, they take
turns, look at each other, turn towards each other and smile together, over 4-8 s. Between
them: background that no single cue makes a moment of (stray looks at the camera, single
turns long apart, the odd lone smile).

    >>> ix, truth = synthetic_interaction(600.0, n_moments=8, seed=1)   # doctest: +SKIP
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..moments.interaction import Interaction

FPS = 10.0


def synthetic_interaction(duration_s: float = 600.0, *, n_moments: int = 8, seed: int = 0
                          ) -> tuple[Interaction, list[tuple[float, float]]]:
    """(the interaction, the planted moments as (start, end))."""
    rng = np.random.default_rng(seed)
    n = int(duration_s * FPS)
    t = np.arange(n) / FPS
    slots = np.sort(rng.choice(np.arange(1, int(duration_s // 30)), size=n_moments, replace=False)) * 30.0
    truth, gaze, mutual, speech, turns = [], [], [], [], []
    yaw1, yaw2 = rng.normal(0, 8, n), rng.normal(0, 8, n)
    smile1, smile2 = rng.uniform(0, 0.3, n), rng.uniform(0, 0.3, n)
    for s0 in slots + rng.uniform(0, 10, n_moments):
        length = rng.uniform(4, 8)
        s1 = s0 + length
        truth.append((round(s0, 2), round(s1, 2)))
        cursor, who = s0, "P2"                    # the child starts: an initiative
        while cursor < s1 - 0.8:
            d = rng.uniform(0.6, 1.4)
            end = min(cursor + d, s1)
            turns.append({"start": round(cursor, 2), "end": round(end, 2), "speaker": who, "person": who,
                          "kind": "turn"})
            speech.append({"start": round(cursor, 2), "end": round(end, 2), "person": who, "voice": who})
            cursor = end + rng.uniform(0.2, 0.8)
            who = "P1" if who == "P2" else "P2"
        g0, g1 = s0 + 0.5, s1 - 0.3
        gaze += [{"start": round(g0, 2), "end": round(g1, 2), "person": p, "target": q}
                 for p, q in (("P1", "P2"), ("P2", "P1"))]
        mutual.append({"start": round(g0, 2), "end": round(g1, 2), "persons": ["P1", "P2"]})
        inside = (t >= s0) & (t < s1)
        yaw1[inside], yaw2[inside] = 35.0, -35.0
        joy = (t >= s0 + length / 2) & (t < s1)
        smile1[joy], smile2[joy] = 0.8, 0.7
    # background: lone turns far apart, looks at the camera, lone smiles
    for c in rng.uniform(0, duration_s - 2, int(duration_s / 20)):
        if not any(a - 6 < c < b + 6 for a, b in truth):
            who = "P1" if rng.random() < 0.5 else "P2"
            turns.append({"start": round(c, 2), "end": round(c + 1.0, 2), "speaker": who, "person": who, "kind": "turn"})
            speech.append({"start": round(c, 2), "end": round(c + 1.0, 2), "person": who, "voice": who})
            gaze.append({"start": round(c, 2), "end": round(c + 1.5, 2), "person": who, "target": "camera"})
            lone = (t >= c) & (t < c + 1.0)
            (smile1 if who == "P1" else smile2)[lone] = 0.9
    turns.sort(key=lambda x: x["start"])
    speech.sort(key=lambda x: x["start"])
    gaze.sort(key=lambda x: (x["start"], x["person"]))
    rows = []
    for pid, x, yaw, smile in (("P1", 200.0, yaw1, smile1), ("P2", 600.0, yaw2, smile2)):
        rows.append(pd.DataFrame({"time_s": t, "frame": np.arange(n), "person": pid, "face_x": x, "face_y": 200.0,
                                  "face_w": 80.0, "face_h": 90.0, "yaw_deg": yaw, "smile": smile, "mouth_open": 0.0}))
    persons = [{"id": "P1", "role": "adult", "seen_s": duration_s}, {"id": "P2", "role": "child", "seen_s": duration_s}]
    ix = Interaction(duration_s=duration_s, persons=persons, gaze=gaze, mutual_gaze=mutual, speech=speech,
                     turns=turns, signals=pd.concat(rows, ignore_index=True), analysis_fps=FPS)
    return ix, truth
