"""Event tables and turn files: start,end,label rows, BORIS event tables (read and written), RTTM speaker
turns, and Lookit/Datavyu onset files."""
from __future__ import annotations

import csv
from pathlib import Path

from ..errors import InputError
from ..io.files import atomic_open
from .model import Coding


def read_table(p: Path, text: str, sep: str) -> Coding:
    """start,end,label[,tier] rows (seconds), or a BORIS event table (time, subject, behaviour, START/STOP)."""
    rows = list(csv.DictReader(text.splitlines(), delimiter=sep))
    if not rows:
        raise InputError(f"{p}: no rows")
    cols = {k.strip().lower(): k for k in rows[0] if k}
    c = Coding(source=str(p))
    if {"start", "end", "label"} <= cols.keys():
        for i, r in enumerate(rows, start=2):
            try:
                a, b = float(r[cols["start"]]), float(r[cols["end"]])
            except (TypeError, ValueError):
                raise InputError(f"{p}: line {i}: start and end must be seconds") from None
            if b < a:
                raise InputError(f"{p}: line {i}: end {b} is before start {a}")
            c.add((r.get(cols["tier"]) if "tier" in cols else None) or "coding", a, b, r[cols["label"]].strip())
        return c
    if {"time", "behavior", "status"} <= cols.keys() or {"time", "behaviour", "status"} <= cols.keys():
        beh = cols.get("behavior") or cols.get("behaviour")
        get = lambda r, col: (r.get(cols[col]) or "").strip() if col in cols else ""  # noqa: E731
        open_: dict[tuple, float] = {}
        for i, r in enumerate(rows, start=2):
            # stream: vigvision's own column, else the subject; label: the modifier, else the behaviour
            name = get(r, "stream") or get(r, "subject") or "coding"
            key = (name, r[beh], get(r, "modifier") or r[beh])
            try:
                t = float(r[cols["time"]])
            except (TypeError, ValueError):
                raise InputError(f"{p}: line {i}: time must be seconds") from None
            if r[cols["status"]].strip().upper() == "START":
                open_[key] = t
            elif key in open_:
                c.add(name, open_.pop(key), t, key[2])
        return c
    raise InputError(f"{p}: expected columns start,end,label[,tier] or a BORIS event table (time, subject, "
                     f"behavior, status); found {', '.join(rows[0])}")


def read_rttm(p: Path) -> Coding:
    """NIST RTTM speaker turns: each speaker a stream '<speaker>.voice' labelled 'vocalises'."""
    c = Coding(source=str(p))
    for i, line in enumerate(p.read_text().splitlines(), start=1):
        parts = line.split()
        if not parts or parts[0] != "SPEAKER":
            continue
        try:
            start, dur, who = float(parts[3]), float(parts[4]), parts[7]
        except (IndexError, ValueError):
            raise InputError(f"{p}: line {i}: not an RTTM SPEAKER line") from None
        c.add(f"{who}.voice", start, start + dur, "vocalises")
    return c


def read_onsets(p: Path, text: str) -> Coding:
    """A Lookit / Datavyu-style event file ("Time,Duration,TrackName" in ms): each row starts a state that
    lasts until the next row; tracks that are looking states (left, right, away, outofframe) become the
    stream 'looking'. Other tracks (posture, talk...) are left out."""
    states = ("left", "right", "away", "outofframe")
    events = []
    for line in text.splitlines():
        parts = [x.strip() for x in line.split(",")]
        if len(parts) >= 3 and parts[0].lstrip("-").isdigit() and parts[2] in states:
            events.append((int(parts[0]) / 1000.0, parts[2]))
    if not events:
        raise InputError(f"{p}: no looking events (left/right/away/outofframe) found")
    events.sort()
    c = Coding(source=str(p))
    for (t, label), (t_next, _) in zip(events, events[1:]):
        c.add("looking", t, t_next, label)
    return c


# -- writing tables -------------------------------------------------------------------------------------
EVENT_COLUMNS = ("time", "media_file", "total_length", "subject", "behavior", "modifier", "status", "stream")


def write_events(coding: Coding, path: str | Path, *, sep: str | None = None) -> Path:
    """A BORIS-style event table (one START and one STOP row per interval, in time order); tab-separated
    for .tsv, else comma-separated. Behaviour is the stream's kind (gaze, voice, ...), modifier the label."""
    p = Path(path)
    sep = sep or ("\t" if p.suffix.lower() == ".tsv" else ",")
    rows = []
    for name, segs in coding.streams.items():
        behaviour = name.split(".", 1)[-1]
        for s in segs:
            for t, status in ((s.start, "START"), (s.end, "STOP")):
                rows.append({"time": f"{t:.3f}", "media_file": coding.media or "",
                             "total_length": f"{coding.end_s():.3f}", "subject": coding.subjects.get(name, ""),
                             "behavior": behaviour, "modifier": s.label, "status": status, "stream": name})
    rows.sort(key=lambda r: (float(r["time"]), r["status"] == "START", r["stream"]))
    with atomic_open(p, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=list(EVENT_COLUMNS), delimiter=sep)
        w.writeheader()
        w.writerows(rows)
    return p
