"""Evidence a practitioner can read aloud: each cue's measured values inside a moment, the
Principles of Attuned Interaction it may illustrate, and one plain-language explanation.

The software proposes; the guider decides. So the text says what was measured ("they look at
each other for 2.4 s") and what it *may* illustrate, never a judgement of the parent.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..records import Evidence
from ..time import Span, clock
from .cues import Cue, pair_turns, switches
from .interaction import Interaction

PRINCIPLE_NAMES = ["being attentive", "encouraging initiatives", "receiving initiatives", "attuned interaction",
                   "guiding", "deepening discussion"]   # "guiding" and "deepening discussion": no signal measures them


def _name(ix: Interaction, pid: str) -> str:
    person = ix.person(pid)
    return person.words if person is not None else pid


@dataclass(frozen=True)
class Said:
    """What a cue's sentence is made from: the interaction, the pair's cues, the span, and who is who."""

    ix: Interaction
    cues: dict[str, Cue]
    span: Span
    adult: str
    child: str

    @property
    def a(self) -> str:
        return _name(self.ix, self.adult)

    @property
    def c(self) -> str:
        return _name(self.ix, self.child)

    def covered(self, cue: str) -> float:
        return self.cues[cue].intervals.crop(self.span).total

    def events(self, cue: str) -> list[dict]:
        return [e for e in self.cues[cue].events if self.span.start <= e["at"] < self.span.end]


# Each cue's evidence in a span, as values and a sentence (None: not in this span). The registry
# (registry.py) says which cue each belongs to and in which order they are told.
def say_mutual_gaze(s: Said) -> dict | None:
    t = s.covered("mutual_gaze")
    return {"seconds": round(t, 1), "text": f"{s.a} and {s.c} look at each other for {t:.1f} s"} if t > 0 else None


def say_initiative_received(s: Said) -> dict | None:
    inits = s.events("initiative_received")
    if not inits:
        return None
    e = inits[0]
    more = f" ({len(inits)} times in this moment)" if len(inits) > 1 else ""
    return {"count": len(inits), "latency_s": e["latency_s"], "initiative": e["initiative"],
            "response": e["response"],
            "text": f"{s.c} {e['initiative']} and {s.a} {e['response']} after {e['latency_s']:.1f} s{more}"}


def say_vocal_exchange(s: Said) -> dict | None:
    sw = [x for x in switches(s.ix, s.adult, s.child) if s.span.start <= x[0] < s.span.end]
    if not (s.covered("vocal_exchange") > 0 and sw):
        return None
    starts = pair_turns(s.ix, s.adult, s.child).start
    turns = starts[(starts >= s.span.start) & (starts < s.span.end)]
    lat = float(np.median([x[1] for x in sw]))
    return {"turns": len(turns), "switches": len(sw), "median_response_s": round(lat, 2),
            "text": f"they take turns: {len(turns)} turns, {len(sw)} changes of speaker, "
                    f"median response {max(lat, 0):.1f} s" + (" (they overlap)" if lat < 0 else "")}


def say_shared_smile(s: Said) -> dict | None:
    t = s.covered("shared_smile")
    return {"seconds": round(t, 1), "text": f"both smile together for {t:.1f} s"} if t > 0 else None


def say_partner_gaze(s: Said) -> dict | None:
    t = s.covered("partner_gaze")
    if t <= 0:
        return None
    return {"seconds": round(t, 1), "share": round(t / s.span.duration, 2),
            "text": f"{s.a} looks at {s.c} for {t:.1f} s of {s.span.duration:.1f} s"}


def say_face_to_face(s: Said) -> dict | None:
    t = s.covered("face_to_face")
    return {"seconds": round(t, 1), "text": f"they are turned towards each other for {t:.1f} s"} if t > 0 else None


def say_closeness(s: Said) -> dict | None:
    t = s.covered("closeness")
    if t <= 0:
        return None
    lean = s.events("closeness")
    return {"seconds": round(t, 1), "leaning_in": len(lean),
            "text": ("one leans in towards the other; " if lean else "") + f"they are close for {t:.1f} s"}


def explanation(span: Span, items: list[Evidence], illustrated: list[str]) -> str:
    """One paragraph: when, what was measured, which principles it may illustrate."""
    what = "; ".join(e.text for e in items) or "no cue of attuned interaction was measured in this span"
    text = f"From {clock(span.start)} to {clock(span.end)}: {what}."
    if illustrated:
        text += " This may show " + _and(illustrated) + "."
    return text[0].upper() + text[1:]


def _and(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


