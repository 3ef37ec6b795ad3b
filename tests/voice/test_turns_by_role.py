"""Who started and who answered, by role: known answers from a hand-made dialogue."""
from vigvision.config import Config
from vigvision.records import Segments
from vigvision.voice.build import Speakers, take_turns


def speech(rows):
    return Speakers(Segments.from_dict([{"start": a, "end": b, "person": p, "voice": v, "off_screen": p is None}
                                        for a, b, p, v in rows]), [])


def test_child_initiatives_answered_by_the_adult_and_the_reverse_are_counted_with_their_latency():
    rows = [(0.0, 1.0, "P2", "V2"), (1.6, 3.0, "P1", "V1"),        # the child starts, the adult answers (0.6 s)
            (9.0, 10.0, "P1", "V1"), (10.4, 11.0, "P2", "V2"),     # the adult starts, the child answers (0.4 s)
            (18.0, 19.0, "P2", "V2"),                              # the child starts; no one answers
            (26.0, 27.0, None, "V3")]                              # an off-screen voice takes no part
    out = take_turns(speech(rows), {"P1": "adult", "P2": "child"}, 60.0, Config()).turn_taking["by_role"]
    c, a = out["child_to_adult"], out["adult_to_child"]
    assert (c["initiatives"], c["answered"], c["answered_share"], c["answer_latency_median_s"]) == (2, 1, 0.5, 0.6)
    assert (a["initiatives"], a["answered"], a["answer_latency_median_s"]) == (1, 1, 0.4)
    assert c["initiatives_per_minute"] == 2.0 and c["switches"] == 1 and a["switches"] == 1
