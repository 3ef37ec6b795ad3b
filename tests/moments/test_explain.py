"""Cue sentences say what was measured in the span, and nothing when nothing was."""
from vigvision.time import Intervals, Span


def test_a_cue_sentence_says_what_was_measured_in_the_span():
    from vigvision.moments import Interaction
    from vigvision.moments import explain as E
    from vigvision.moments.cues import Cue

    ix = Interaction(duration_s=30.0, persons=[{"id": "P1", "role": "adult"}, {"id": "P2", "role": "child"}])
    cues = {"mutual_gaze": Cue("mutual_gaze", Intervals([(2.0, 4.5), (9.0, 12.0)])),
            "closeness": Cue("closeness", Intervals([(0.0, 20.0)]), [{"at": 3.0}, {"at": 25.0}])}
    said = E.Said(ix, cues, Span(3.0, 10.0), "P1", "P2")
    assert E.say_mutual_gaze(said) == {"seconds": 2.5, "text": "the adult (P1) and the child (P2) look at each "
                                                               "other for 2.5 s"}
    assert E.say_closeness(said)["text"] == "one leans in towards the other; they are close for 7.0 s"
    assert E.say_mutual_gaze(E.Said(ix, cues, Span(5.0, 8.0), "P1", "P2")) is None
    assert E.explanation(Span(3.0, 10.0), [], []) == ("From 0:03.0 to 0:10.0: no cue of attuned interaction was "
                                                      "measured in this span.")
