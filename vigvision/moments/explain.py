"""Evidence a practitioner can read aloud: each cue's measured values inside a moment, the
Principles of Attuned Interaction it may illustrate, and one plain-language explanation.

The software proposes; the guider decides. So the text says what was measured ("they look at
each other for 2.4 s") and what it *may* illustrate, never a judgement of the parent.
"""
from __future__ import annotations

import numpy as np

from ..time import Span, clock
from .cues import Cue, switches
from .interaction import Interaction

# Principles of Attuned Interaction (VIG) each cue can illustrate. "Guiding" and "deepening
# discussion" are left to the guider: no signal here measures them.
PRINCIPLES = {
    "mutual_gaze": ["encouraging initiatives"],          # returning eye contact
    "partner_gaze": ["being attentive"],                 # looking interested
    "face_to_face": ["being attentive"],                 # turning towards
    "closeness": ["being attentive"],
    "vocal_exchange": ["attuned interaction"],           # taking turns: the yes-cycle
    "initiative_received": ["receiving initiatives"],
    "shared_smile": ["encouraging initiatives", "attuned interaction"],   # smiling, shared joy
}
PRINCIPLE_NAMES = ["being attentive", "encouraging initiatives", "receiving initiatives", "attuned interaction",
         "guiding", "deepening discussion"]


def _name(ix: Interaction, pid: str) -> str:
    role = ix.role(pid)
    return f"the {role} ({pid})" if role in ("adult", "child") else pid


def _covered(cue: Cue, span: Span) -> float:
    return cue.intervals.crop(span).total


def evidence(ix: Interaction, cues: dict[str, Cue], span: Span, adult: str, child: str) -> list[dict]:
    """The cues found in ``span``, strongest first, each with its values and a sentence."""
    a, c = _name(ix, adult), _name(ix, child)
    out = []
    s = _covered(cues["mutual_gaze"], span)
    if s > 0:
        out.append({"cue": "mutual_gaze", "seconds": round(s, 1),
                    "text": f"{a} and {c} look at each other for {s:.1f} s"})
    inits = [e for e in cues["initiative_received"].events if span.start <= e["at"] < span.end]
    if inits:
        e = inits[0]
        more = f" ({len(inits)} times in this moment)" if len(inits) > 1 else ""
        out.append({"cue": "initiative_received", "count": len(inits), "latency_s": e["latency_s"],
                    "initiative": e["initiative"], "response": e["response"],
                    "text": f"{c} {e['initiative']} and {a} {e['response']} after {e['latency_s']:.1f} s{more}"})
    sw = [x for x in switches(ix, adult, child) if span.start <= x[0] < span.end]
    if _covered(cues["vocal_exchange"], span) > 0 and sw:
        turns = [t for t in ix.turns if t["kind"] == "turn" and t.get("person") in (adult, child)
                 and span.start <= t["start"] < span.end]
        lat = float(np.median([x[1] for x in sw]))
        out.append({"cue": "vocal_exchange", "turns": len(turns), "switches": len(sw),
                    "median_response_s": round(lat, 2),
                    "text": f"they take turns: {len(turns)} turns, {len(sw)} changes of speaker, "
                            f"median response {max(lat, 0):.1f} s" + (" (they overlap)" if lat < 0 else "")})
    s = _covered(cues["shared_smile"], span)
    if s > 0:
        out.append({"cue": "shared_smile", "seconds": round(s, 1), "text": f"both smile together for {s:.1f} s"})
    s = _covered(cues["partner_gaze"], span)
    if s > 0:
        out.append({"cue": "partner_gaze", "seconds": round(s, 1), "share": round(s / span.duration, 2),
                    "text": f"{a} looks at {c} for {s:.1f} s of {span.duration:.1f} s"})
    s = _covered(cues["face_to_face"], span)
    if s > 0:
        out.append({"cue": "face_to_face", "seconds": round(s, 1),
                    "text": f"they are turned towards each other for {s:.1f} s"})
    s = _covered(cues["closeness"], span)
    if s > 0:
        lean = [e for e in cues["closeness"].events if span.start <= e["at"] < span.end]
        out.append({"cue": "closeness", "seconds": round(s, 1), "leaning_in": len(lean),
                    "text": ("one leans in towards the other; " if lean else "") + f"they are close for {s:.1f} s"})
    return out


def principles(items: list[dict]) -> list[str]:
    found = {p for e in items for p in PRINCIPLES[e["cue"]]}
    return [p for p in PRINCIPLE_NAMES if p in found]


def explanation(span: Span, items: list[dict], illustrated: list[str]) -> str:
    """One paragraph: when, what was measured, which principles it may illustrate."""
    what = "; ".join(e["text"] for e in items) or "no cue of attuned interaction was measured in this span"
    text = f"From {clock(span.start)} to {clock(span.end)}: {what}."
    if illustrated:
        text += " This may show " + _and(illustrated) + "."
    return text[0].upper() + text[1:]


def _and(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


