"""Codings: named streams of labelled intervals, the common ground with human coders' tools.

A :class:`Coding` holds streams such as ``P2.gaze`` (label: the gaze target), ``P1.voice``
(label: "vocalises"), ``mutual_gaze``, ``turns``, ``moments`` and ``accepted`` (the guider's
decisions). It is read from a vigvision analysis or from what coders use, and written back:

    from_analysis(analysis, decisions=None)   vigvision's own codes
    read(path)                                 .eaf (ELAN), .csv/.tsv (start,end,label[,tier] or BORIS
                                               events), .rttm (speaker turns), Lookit/Datavyu onset files
    write_events(coding, path)                 a BORIS-style event table: one START and one STOP row per interval

ELAN files are written by :mod:`vigvision.elan`.
"""
from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

from .errors import InputError
from .io.files import atomic_open

NONE = "(none)"   # the label of time no interval covers


@dataclass(frozen=True)
class Segment:
    start: float
    end: float
    label: str


@dataclass
class Coding:
    """Streams of segments by name, with what each stream is about (for ELAN tiers and tables)."""

    streams: dict[str, list[Segment]] = field(default_factory=dict)
    subjects: dict[str, str] = field(default_factory=dict)     # stream -> who (P1 adult), for tables and tiers
    free_text: set[str] = field(default_factory=set)           # streams whose labels are not a closed vocabulary
    vocab: dict[str, list[str]] = field(default_factory=dict)  # a closed stream's possible labels (used or not)
    duration_s: float | None = None
    media: str | None = None
    source: str = ""

    def add(self, name: str, start: float, end: float, label: str) -> None:
        if end > start:
            self.streams.setdefault(name, []).append(Segment(round(float(start), 4), round(float(end), 4), str(label)))

    def stream(self, name: str) -> list[Segment]:
        if name not in self.streams:
            known = ", ".join(sorted(self.streams)) or "none"
            raise InputError(f"{self.source or 'coding'}: no tier or stream named {name!r} (there are: {known})")
        return sorted(self.streams[name], key=lambda s: (s.start, s.end))

    def end_s(self) -> float:
        ends = [s.end for segs in self.streams.values() for s in segs]
        return max([self.duration_s or 0.0, *ends])


def from_analysis(analysis, decisions=None) -> Coding:
    """vigvision's codes of an analysis (vigvision.load): per person voice and gaze target, voices no face
    was matched to, mutual gaze, turns, the candidate moments, and (given the review store's moments of
    the case) the guider's accepted moments with their notes."""
    data = analysis.data
    c = Coding(duration_s=float(data["video"]["duration_s"]), media=data["video"].get("path"),
               source=str(analysis.folder))
    who = {p["id"]: f"{p['id']} ({p['role']})" for p in data["persons"]}
    ids = [p["id"] for p in data["persons"]]
    for pid in ids:
        c.vocab[f"{pid}.gaze"] = [q for q in ids if q != pid] + ["camera", "away"]
        c.vocab[f"{pid}.voice"] = ["vocalises"]
    c.vocab["mutual_gaze"] = ["mutual gaze"]
    speakers = ids + sorted({t.get("speaker") for t in data["turns"] if not t.get("person") and t.get("speaker")})
    c.vocab["turns"] = [f"{w} {k}" for w in speakers for k in ("turn", "backchannel")]
    for s in data["speech"]:
        name = f"{s.get('person') or s.get('voice') or 'unknown'}.voice"
        c.add(name, s["start"], s["end"], "vocalises")
        c.subjects[name] = who.get(s.get("person"), s.get("voice") or "unknown voice")
    for g in data["gaze"]:
        c.add(f"{g['person']}.gaze", g["start"], g["end"], g["target"])
        c.subjects[f"{g['person']}.gaze"] = who.get(g["person"], g["person"])
    for name in ("mutual_gaze", "turns", "moments"):   # tiers even when empty: coders may fill them
        c.streams.setdefault(name, [])
    for m in data["mutual_gaze"]:
        c.add("mutual_gaze", m["start"], m["end"], "mutual gaze")
    c.subjects["mutual_gaze"] = " and ".join(who.values())
    for t in data["turns"]:
        c.add("turns", t["start"], t["end"], f"{t.get('person') or t.get('speaker')} {t['kind']}")
    c.subjects["turns"] = c.subjects["mutual_gaze"]
    for m in data["moments"]:
        c.add("moments", m["start"], m["end"], f"{m['id']} (score {m['score']:.2f}): {m['explanation']}")
    c.subjects["moments"] = "candidates"
    c.free_text.add("moments")
    if decisions is not None:
        c.streams.setdefault("accepted", [])
    for m in decisions or []:
        if m.status == "accepted":
            c.add("accepted", m.start, m.end, f"{m.key}: {m.note}" if m.note else m.key)
    c.subjects["accepted"] = "guider"
    c.free_text.add("accepted")
    return c


# -- reading what coders write ------------------------------------------------------------------------
def read(path: str | Path) -> Coding:
    """A human (or other tool's) coding, by its file type."""
    p = Path(path)
    if not p.is_file():
        raise InputError(f"{p}: coding file not found")
    suffix = p.suffix.lower()
    if suffix == ".eaf":
        from .elan import read_eaf

        return read_eaf(p)
    if suffix == ".rttm":
        return read_rttm(p)
    text = p.read_text(encoding="utf-8-sig", errors="replace")
    head = "\n".join(text.splitlines()[:4])
    if head.startswith("Offset:") or "TrackName" in head:   # Lookit / Datavyu event export
        return read_onsets(p, text)
    if suffix in (".csv", ".tsv", ".txt"):
        return read_table(p, text, "\t" if suffix == ".tsv" or "\t" in text.split("\n", 1)[0] else ",")
    raise InputError(f"{p}: unknown coding format (use .eaf, .csv, .tsv or .rttm)")


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
