"""What was measured in a span the guider set (moved a candidate's ends, or added their own moment).

The store keeps each moment's explanation; when the guider changes its times, the explanation is
made again for the new span from the analysis's stored episodes and signals (no decoding), so the
card, the CSV, the review sheet and a render of the moment all speak of the same span.
"""
from __future__ import annotations

from ..moments import describe
from ..moments.interaction import from_analysis
from .store import Describe, Moment


def describer(analysis) -> Describe:
    """A ``describe(moment)`` for the store, for one loaded analysis (vigvision.load).

    A candidate keeps the pair it was proposed for; an own moment gets the video's main pair.
    The analysis's signals are read once, on the first call.
    """
    pair_of = {m["id"]: m["persons"] for m in analysis.moments}
    read: list = []   # (Interaction, MomentsConfig), once

    def describe_moment(m: Moment) -> dict:
        if not read:
            read.append(from_analysis(analysis))
        persons = pair_of.get(m.key) if m.source == "candidate" else None
        return describe(*read[0], m.start, m.end, persons)
    return describe_moment
