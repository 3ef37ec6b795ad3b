"""Researcher metrics that read episodes only: eye contact (mutual gaze) and partner gaze."""
from __future__ import annotations


from .interaction import Interaction


def eye_contact(ix: Interaction) -> dict:
    """Mutual-gaze episodes (all pairs): count, per minute, total and mean duration, share of the
    video; and per person, the share of the time they were seen that they looked at a person.

    ``partner_gaze_fraction[P]`` = (time P's gaze episodes point at a person AND P's face was seen)
    / ``partner_gaze_seen_s[P]`` (the time P's face was seen: P's analysed frames, each standing for one
    analysis step). Episodes bridge short gaps where the face was not seen; those gaps are not counted
    on either side, so the fraction is a share of measured time and never exceeds 1."""
    durations = ix.mutual_gaze.durations
    minutes = ix.duration_s / 60 if ix.duration_s > 0 else float("nan")
    partner, seen_s = {}, {}
    for p in ix.persons:
        seen = ix.seen(p.id)
        looking = ix.gaze.where(person=p.id, target=ix.ids).intervals()
        seen_s[p.id] = round(seen.total, 3)
        partner[p.id] = round((looking & seen).total / seen.total, 4) if seen.total > 0 else None
    return {
        "episodes": int(len(durations)),
        "episodes_per_minute": round(len(durations) / minutes, 3) if minutes == minutes else None,
        "total_s": round(float(durations.sum()), 3),
        "mean_s": round(float(durations.mean()), 3) if len(durations) else None,
        "fraction": round(float(durations.sum()) / ix.duration_s, 4) if ix.duration_s > 0 else None,
        "partner_gaze_fraction": partner,
        "partner_gaze_seen_s": seen_s,
    }
