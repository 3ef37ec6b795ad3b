"""Vocal turn-taking from attributed segments: turns, switches, latencies, initiatives.

    segments (who, start, end) --merge a speaker's pauses < pause_s--> runs
        --short runs inside another's run--> back-channels (not turns)
        --> turns; switches (consecutive turns by different speakers) and their
            response latency (next start - previous end; negative = overlap)
        --> initiatives (a turn after >= initiative_silence_s of silence) and
            their responses (another speaker within response_window_s)

A speaker is a person id when the voice was attributed to one, else the voice
label ("V2"), so unattributed voices still take turns.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..config import TurnsConfig
from ..time import Intervals, Span


@dataclass(frozen=True)
class Run:
    speaker: str
    start: float
    end: float
    kind: str = "turn"   # or "backchannel"

    @property
    def duration(self) -> float:
        return self.end - self.start


def speaker_runs(segments: list[dict], pause_s: float, floor_s: float) -> list[Run]:
    """Each speaker's segments merged across pauses shorter than ``pause_s``, unless someone
    else takes the floor in the pause (vocalises for longer than ``floor_s`` across it)."""
    floor = [g for g in segments if g["end"] - g["start"] > floor_s]
    out = []
    for who in sorted({g["speaker"] for g in segments}):
        own = sorted((g["start"], g["end"]) for g in segments if g["speaker"] == who)
        start, end = own[0]
        for a, b in own[1:]:
            taken = any(g["speaker"] != who and g["start"] < a and g["end"] > end for g in floor)
            if a - end < pause_s and not taken:
                end = max(end, b)
                continue
            out.append(Run(who, round(start, 3), round(end, 3)))
            start, end = a, b
        out.append(Run(who, round(start, 3), round(end, 3)))
    return sorted(out, key=lambda r: (r.start, r.speaker))


def mark_backchannels(runs: list[Run], max_s: float, pause_s: float) -> list[Run]:
    """Short runs that do not take the floor are back-channels ("mm", "yeah"):

    * made while another speaker's run spans them, or
    * between two runs of one other speaker who resumes within ``pause_s`` (a voice
      that dominates the "mm" splits the speaker's run; it is one turn again).
    """
    out = []
    for r in runs:
        held = any(o.speaker != r.speaker and o.start <= r.start and o.end >= r.end and o.duration > r.duration
                   for o in runs)
        out.append(Run(r.speaker, r.start, r.end, "backchannel") if r.duration <= max_s and held else r)
    merged: list[Run] = []
    i = 0
    while i < len(out):
        r = out[i]
        turns_before = [m for m in merged if m.kind == "turn"]
        nxt = next((o for o in out[i + 1:] if o.kind == "turn"), None)
        prev = turns_before[-1] if turns_before else None
        if (r.kind == "turn" and r.duration <= max_s and prev is not None and nxt is not None
                and prev.speaker == nxt.speaker != r.speaker
                and r.start - prev.end < pause_s and nxt.start - r.end < pause_s):
            merged.remove(prev)
            merged.append(Run(prev.speaker, prev.start, max(prev.end, nxt.end)))
            merged.append(Run(r.speaker, r.start, r.end, "backchannel"))
            out.remove(nxt)
        else:
            merged.append(r)
        i += 1
    return sorted(merged, key=lambda x: (x.start, x.speaker))


def turn_taking(segments: list[dict], duration_s: float, cfg: TurnsConfig,
                roles: dict[str, str] | None = None) -> tuple[list[dict], dict]:
    """(turns for analysis.json, metrics.turn_taking) from segments with speaker/start/end; with ``roles``
    (speaker -> adult / child) also ``by_role`` (:func:`by_role`)."""
    runs = mark_backchannels(speaker_runs(segments, cfg.pause_s, cfg.backchannel_max_s), cfg.backchannel_max_s,
                             cfg.pause_s)
    turns = [r for r in runs if r.kind == "turn"]
    switches = []
    for prev, nxt in zip(turns, turns[1:]):
        if nxt.speaker != prev.speaker:
            switches.append({"from": prev.speaker, "to": nxt.speaker, "at": nxt.start,
                             "latency_s": round(nxt.start - prev.end, 3)})
    # initiatives: a turn after a silence from everyone (the video's start counts as silence)
    vocal = Intervals.of(segments)
    pairs = []
    for i, t in enumerate(turns):
        before = vocal.crop(Span(max(0.0, t.start - cfg.initiative_silence_s), t.start))
        quiet_enough = t.start >= cfg.initiative_silence_s or t.start == turns[0].start
        if before.total > 0 or not quiet_enough:
            continue
        response = next((o for o in turns[i + 1:] if o.speaker != t.speaker
                         and o.start <= t.end + cfg.response_window_s), None)
        pairs.append({"start": t.start, "by": t.speaker,
                      "response_by": response.speaker if response else None,
                      "response_latency_s": round(response.start - t.end, 3) if response else None})
    who = sorted({r.speaker for r in runs})
    talk = {w: Intervals.of(segments, lambda s: s["speaker"] == w).total for w in who}
    total_talk = sum(talk.values())
    # time when two or more are vocal at once, over the time anyone is
    overlap = 0.0
    for i, a in enumerate(who):
        for b in who[i + 1:]:
            ia = Intervals.of(segments, lambda s: s["speaker"] == a)
            ib = Intervals.of(segments, lambda s: s["speaker"] == b)
            overlap += (ia & ib).total
    lat = np.array([s["latency_s"] for s in switches])
    minutes = duration_s / 60 if duration_s > 0 else float("nan")
    metrics = {
        "turns": len(turns),
        "turns_per_minute": round(len(turns) / minutes, 3) if minutes == minutes else None,
        "switches": len(switches),
        "switches_per_minute": round(len(switches) / minutes, 3) if minutes == minutes else None,
        "response_latency_s": {
            "median": round(float(np.median(lat)), 3) if lat.size else None,
            "iqr": [round(float(v), 3) for v in np.percentile(lat, [25, 75])] if lat.size else None,
            "n": int(lat.size),
        },
        "overlap_fraction": round(overlap / vocal.total, 4) if vocal.total > 0 else None,
        "vocal_s": round(vocal.total, 3),
        "talk_share": {w: round(talk[w] / total_talk, 4) for w in who} if total_talk > 0 else {},
        "backchannels": {w: sum(1 for r in runs if r.kind == "backchannel" and r.speaker == w) for w in who},
        "initiatives": pairs,
        "initiatives_responded": sum(1 for p in pairs if p["response_by"] is not None),
        "settings": {"pause_s": cfg.pause_s, "backchannel_max_s": cfg.backchannel_max_s,
                     "initiative_silence_s": cfg.initiative_silence_s, "response_window_s": cfg.response_window_s},
    }
    if roles is not None:
        metrics["by_role"] = by_role(pairs, switches, roles, minutes)
    out_turns = [{"start": r.start, "end": r.end, "speaker": r.speaker, "kind": r.kind} for r in runs]
    return out_turns, metrics


DIRECTIONS = (("child", "adult"), ("adult", "child"))


def by_role(initiatives: list[dict], switches: list[dict], roles: dict[str, str], minutes: float) -> dict:
    """Turn-taking between roles: for child -> adult and adult -> child, the initiatives of the first
    (a turn after silence), how many the second answered within the response window, the answers'
    latency, the initiatives per minute, and the switches from one to the other with their latency.
    ``roles``: speaker -> adult / child (speakers of no person, e.g. an off-screen voice, take no part)."""
    out = {}
    for a, b in DIRECTIONS:
        started = [i for i in initiatives if roles.get(i["by"]) == a]
        answered = [i for i in started if roles.get(i["response_by"]) == b]
        lat = [i["response_latency_s"] for i in answered]
        sw = [s["latency_s"] for s in switches if roles.get(s["from"]) == a and roles.get(s["to"]) == b]
        out[f"{a}_to_{b}"] = {
            "initiatives": len(started), "answered": len(answered),
            "answered_share": round(len(answered) / len(started), 3) if started else None,
            "answer_latency_median_s": round(float(np.median(lat)), 3) if lat else None,
            "initiatives_per_minute": round(len(started) / minutes, 3) if minutes == minutes else None,
            "switches": len(sw), "switch_latency_median_s": round(float(np.median(sw)), 3) if sw else None}
    return out
