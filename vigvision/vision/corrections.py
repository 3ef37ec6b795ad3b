"""The guider's corrections of people: merge two persons, split one at a time, set a role, give a name.

A correction names persons by where they were seen, not by their ids: ids are given left to right and change
when persons merge, and a new decode pass makes new tracklets. Each person a correction speaks of is held by
a few *anchors* (time, face centre, face width of some of their rows, spread over the video); applied to an
analysis, an anchor finds the row at that time whose face is within half a face width, and the person it
belongs to. So corrections survive re-ranking, other settings and a new decode pass alike.

    merge   the persons of ``anchors`` and of ``other`` are one (whatever the joining said)
    split   from ``at_s`` on, the rows of the person of ``anchors`` are another person
    role    the person of ``anchors`` has the role ``value`` (adult, child)
    name    the person of ``anchors`` is called ``value`` ("Mum", "Amy"): in explanations, exports, metrics
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np

OPS = ("merge", "split", "role", "name")
ANCHORS = 8            # rows kept to find a person again
ANCHOR_TIME_S = 0.06   # an anchor's row: at its time to within this (a frame at 10 fps is 0.1 s)
ANCHOR_PLACE = 0.5     # and its face centre within this many face widths


@dataclass(frozen=True)
class Anchor:
    time_s: float
    cx: float
    cy: float
    width: float

    def to_dict(self) -> dict:
        return {"time_s": self.time_s, "cx": self.cx, "cy": self.cy, "width": self.width}


@dataclass
class Correction:
    op: str
    anchors: list[Anchor]
    other: list[Anchor] = field(default_factory=list)   # merge: the second person
    at_s: float | None = None                            # split: from when
    value: str | None = None                             # role or name
    said: str = ""                                       # what the guider asked, as they asked it ("P4=P5")

    def to_dict(self) -> dict:
        return {"op": self.op, "anchors": [a.to_dict() for a in self.anchors],
                "other": [a.to_dict() for a in self.other], "at_s": self.at_s, "value": self.value,
                "said": self.said}

    @classmethod
    def from_dict(cls, data: dict) -> "Correction":
        return cls(data["op"], [Anchor(**a) for a in data["anchors"]], [Anchor(**a) for a in data.get("other", [])],
                   data.get("at_s"), data.get("value"), data.get("said", ""))


def anchors_of(times: np.ndarray, cx: np.ndarray, cy: np.ndarray, width: np.ndarray) -> list[Anchor]:
    """Anchors for one person's rows: ``ANCHORS`` of them spread evenly over the rows (in time order)."""
    if not len(times):
        return []
    order = np.argsort(times)
    picks = np.unique(np.linspace(0, len(order) - 1, min(ANCHORS, len(order))).round().astype(int))
    return [Anchor(round(float(times[order[i]]), 3), round(float(cx[order[i]]), 1), round(float(cy[order[i]]), 1),
                   round(float(width[order[i]]), 1)) for i in picks]


def find(anchors: list[Anchor], times: np.ndarray, cx: np.ndarray, cy: np.ndarray, width: np.ndarray,
         person: np.ndarray) -> int | None:
    """The person (a value of ``person``, one per row) most of the anchors fall on; None if none does."""
    votes: Counter = Counter()
    for a in anchors:
        near = (np.abs(times - a.time_s) <= ANCHOR_TIME_S) & (
            np.hypot(cx - a.cx, cy - a.cy) <= ANCHOR_PLACE * np.maximum(width, a.width))
        if near.any():
            k = np.flatnonzero(near)
            votes[int(person[k[np.argmin(np.hypot(cx[k] - a.cx, cy[k] - a.cy))]])] += 1
    return votes.most_common(1)[0][0] if votes else None


def regroup(corrections: list[Correction], times: np.ndarray, cx: np.ndarray, cy: np.ndarray, width: np.ndarray,
            person: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """Apply the merges and splits to the rows' persons (any integer labels); returns the new labels and,
    for each correction that found no person, why (it is left out, and said)."""
    person = person.copy()
    missed = []
    for c in corrections:
        if c.op not in ("merge", "split"):
            continue
        a = find(c.anchors, times, cx, cy, width, person)
        b = find(c.other, times, cx, cy, width, person) if c.op == "merge" else None
        if a is None or (c.op == "merge" and b is None):
            missed.append(f"{c.op} {c.said}: the person was not found in this analysis")
        elif c.op == "merge":
            person[person == b] = a
        else:
            person[(person == a) & (times >= c.at_s)] = person.max() + 1
    return person, missed


def labels(corrections: list[Correction], times: np.ndarray, cx: np.ndarray, cy: np.ndarray, width: np.ndarray,
           person: np.ndarray) -> tuple[dict[int, str], dict[int, str], list[str]]:
    """The roles and names the corrections set, by person label (the last one wins), and those not found."""
    roles, names, missed = {}, {}, []
    for c in corrections:
        if c.op not in ("role", "name"):
            continue
        k = find(c.anchors, times, cx, cy, width, person)
        if k is None:
            missed.append(f"{c.op} {c.said}: the person was not found in this analysis")
        else:
            (roles if c.op == "role" else names)[k] = c.value
    return roles, names, missed
