"""The cues of attuned interaction, each defined in one place: how it is detected (cues.py), how its
evidence in a span is said (explain.py), the Principles of Attuned Interaction it may illustrate, the
setting that weighs it (``MomentsConfig.w_<name>``) and what that weight is called for a guider.

A new cue is a detector, a sentence maker, a ``w_<name>`` setting and one :class:`CueKind` here; the
ranking, the explanations, the principles and the app's weights all follow from this table
(``tests/moments/test_moments.py`` checks that the settings and the table agree).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from ..config import MomentsConfig
from ..records import Evidence
from ..time import Span
from . import cues as C
from . import explain as E
from .interaction import Interaction


@dataclass(frozen=True)
class CueKind:
    name: str
    detect: Callable[[Interaction, str, str, MomentsConfig], C.Cue]   # (ix, adult, child, settings)
    say: Callable[[E.Said], dict | None]
    principles: tuple[str, ...]
    words: str          # the weight, in a guider's words
    told: int           # place in an explanation: the strongest evidence first

    @property
    def weight(self) -> str:
        """The [moments] setting that weighs this cue."""
        return f"w_{self.name}"


#: In the order they are detected and summed; ``told`` orders their sentences.
CUES: tuple[CueKind, ...] = (
    CueKind("mutual_gaze", lambda ix, a, c, cfg: C.mutual_gaze(ix, a, c), E.say_mutual_gaze,
            ("encouraging initiatives",), "Looking at each other", 0),            # returning eye contact
    CueKind("partner_gaze", lambda ix, a, c, cfg: C.partner_gaze(ix, a, c), E.say_partner_gaze,
            ("being attentive",), "One looking at the other", 4),                 # looking interested
    CueKind("face_to_face", C.face_to_face, E.say_face_to_face,
            ("being attentive",), "Turned to each other", 5),                     # turning towards
    CueKind("closeness", C.closeness, E.say_closeness, ("being attentive",), "Close together", 6),
    CueKind("vocal_exchange", C.vocal_exchange, E.say_vocal_exchange,
            ("attuned interaction",), "Taking turns to speak", 2),                # the yes-cycle
    CueKind("initiative_received", C.initiatives_received, E.say_initiative_received,
            ("receiving initiatives",), "An initiative answered", 1),
    CueKind("shared_smile", C.shared_smile, E.say_shared_smile,
            ("encouraging initiatives", "attuned interaction"), "Smiling together", 3),   # shared joy
)
BY_NAME = {k.name: k for k in CUES}
#: Each cue's principles (what an explanation says a moment may show).
PRINCIPLES = {k.name: list(k.principles) for k in CUES}
#: Every weight a guider may set, in their words: one per cue, and the bonus for several at once.
WEIGHT_WORDS = {**{k.weight: k.words for k in CUES}, "w_cooccurrence": "Several cues at once"}


def pair_cues(ix: Interaction, adult: str, child: str, cfg: MomentsConfig) -> dict[str, C.Cue]:
    """Every cue for one (adult, child) pair, by name."""
    return {k.name: k.detect(ix, adult, child, cfg) for k in CUES}


def evidence(ix: Interaction, cues: dict[str, C.Cue], span: Span, adult: str, child: str) -> list[Evidence]:
    """The cues found in ``span``, strongest first, each with its values and a sentence."""
    said = E.Said(ix, cues, span, adult, child)
    out = []
    for kind in sorted(CUES, key=lambda k: k.told):
        item = kind.say(said)
        if item is not None:
            values = dict(item)
            out.append(Evidence(kind.name, values.pop("text"), values))
    return out


def principles(items: list[Evidence]) -> list[str]:
    """The principles the evidence may illustrate, in their usual order."""
    found = {p for e in items for p in PRINCIPLES[e.cue]}
    return [p for p in E.PRINCIPLE_NAMES if p in found]
