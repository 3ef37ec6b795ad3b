"""vigvision's own codes of an analysis, as a :class:`~vigvision.coding.model.Coding`."""
from __future__ import annotations

from .model import Coding


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
