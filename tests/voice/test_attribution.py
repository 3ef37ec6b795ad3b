"""Voices to persons from mouths, voice type against role and the pair's pitches: known answers."""
import math

import numpy as np

from vigvision.voice.attribution import attribute_voices, child_likeness

NAN = float("nan")


def who(f0, mouth, roles, persons=("P1", "P2")):
    answers = attribute_voices(list(f0), np.array(mouth, float), list(roles), list(persons))
    return [("off-screen" if a.off_screen else a.person) for a in answers], answers


def test_with_still_mouths_the_lower_voice_is_the_adults_and_the_higher_the_childs():
    still = [[0.0, 0.01], [-0.02, 0.0]]
    for f0 in ([90.0, 285.0], [160.0, 285.0], [205.0, 245.0], [160.0, 520.0]):   # man, woman, close, infant
        assert who(f0, still, ["adult", "child"])[0] == ["P1", "P2"], f0
        assert who(f0, still, ["child", "adult"])[0] == ["P2", "P1"], f0   # the roles the other way round
        assert who(f0[::-1], still, ["adult", "child"])[0] == ["P2", "P1"], f0   # the voices found the other way


def test_a_mans_voice_is_never_given_to_a_childs_face_on_mouth_noise():
    # the child's mouth twitches with it; the adult's mouth is not seen
    names, answers = who([95.0], [[NAN, 0.3]], ["adult", "child"])
    assert names == ["P1"] and answers[0].voice_type == "adult"
    # only the child is seen: the man is off-screen
    names, answers = who([95.0], [[0.3]], ["child"], persons=("P1",))
    assert names == ["off-screen"] and answers[0].voice_type == "adult"


def test_a_third_voice_no_seen_mouth_moves_with_is_off_screen():
    # two faces whose mouths move with their own voices; a third voice while both mouths are still
    mouth = [[3.0, -0.2], [-0.1, 2.5], [0.0, -0.1]]
    names, answers = who([170.0, 300.0, 120.0], mouth, ["adult", "child"])
    assert names == ["P1", "P2", "off-screen"]
    assert all(0.5 <= a.confidence <= 1.0 for a in answers) and answers[0].confidence > 0.9


def test_a_clearly_moving_mouth_outweighs_the_pitch():
    # an adult's high infant-directed voice: the adult's mouth moves with it, the child's does not
    names, _ = who([240.0, 480.0], [[2.5, 0.0], [2.0, 0.1]], ["adult", "child"])
    assert names == ["P1", "P1"]


def test_child_likeness_rises_with_pitch_and_says_nothing_without_it():
    assert child_likeness(None) is None and child_likeness(float("nan")) is None
    values = [child_likeness(f) for f in (90, 170, 250, 350, 600)]
    assert values == sorted(values) and values[0] < 0.05 and 0.6 <= values[-1] < 0.7
    assert math.isclose(child_likeness(165.0), 0.45)


def test_a_mothers_high_infant_directed_voice_stays_hers_when_the_childs_mouth_does_not_move_with_it():
    # the pattern of a labelled lookit-laughter clip (2UWdXP Peekaboo): both voices are the mother's; at
    # 570 Hz her peekaboo is as high as any infant, and the child's mouth moves less than in silence
    names, _ = who([293.0, 572.0], [[0.15, 0.34], [-0.85, NAN]], ["child", "adult"])
    assert names == ["P2", "P2"]
