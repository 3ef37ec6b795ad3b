"""Tracklets joined into identities: duplicates are one face, people seen together are never one, and a
known cast gives exactly that many persons with its roles on the likeliest persons."""
import numpy as np
import pytest

from vigvision.vision import identity
from vigvision.vision.persons import cast_roles

RED, BLUE = np.eye(2)[0], np.eye(2)[1]     # two looks (colour histograms): nothing alike


def tracklet(tid, frames, x, width=60.0, hist=RED, y=200.0):
    frames = np.asarray(frames)
    return identity.Tracklet(tid, frames, np.full(len(frames), float(x)), np.full(len(frames), y),
                             np.full(len(frames), width), None if hist is None else np.asarray(hist, float))


def groups(joined: identity.Joined) -> list[set[int]]:
    by = {}
    for tid, k in joined.identity.items():
        by.setdefault(k, set()).add(tid)
    return sorted(by.values(), key=min)


def test_a_face_found_twice_at_once_is_one_person():
    # the detector found the child's face twice (centres 0.13 face widths apart) in the frames 40-59
    a, b = tracklet(1, range(0, 60), 100.0), tracklet(2, range(40, 100), 108.0)
    assert groups(identity.join([a, b])) == [{1, 2}]
    far = tracklet(3, range(40, 100), 400.0)                       # a second face beside it: another person
    assert groups(identity.join([a, far])) == [{1}, {3}]


def test_people_seen_together_are_never_joined_but_a_known_cast_joins_the_rest():
    child1 = tracklet(1, range(0, 100), 100.0, hist=RED)
    child2 = tracklet(2, range(150, 250), 160.0, width=75.0, hist=[0.3, 0.7])   # after a turn: looks different
    adult = tracklet(3, range(0, 250), 500.0, width=90.0, hist=BLUE)
    # without a cast: two people are seen at once in most frames, so the two halves of the child, alike
    # enough for that (not for joining on looks alone), are one person, and not a sure one
    no_cast = identity.join([child1, child2, adult])
    assert no_cast.usual == 2 and groups(no_cast) == [{1, 2}, {3}]
    assert no_cast.sureness[no_cast.identity[1]] < 0.6
    # ... but two adults who take turns beside the child and look nothing alike stay two
    adult2 = tracklet(4, range(0, 100), 330.0, width=60.0, hist=RED)
    adult3 = tracklet(5, range(150, 250), 500.0, width=90.0, hist=BLUE)
    assert groups(identity.join([tracklet(6, range(0, 250), 100.0, hist=[0.5, 0.5]), adult2, adult3])) == [
        {4}, {5}, {6}]
    cast = identity.join([child1, child2, adult], cast=2)
    assert groups(cast) == [{1, 2}, {3}]                           # the adult is seen with both: not them
    assert cast.sureness[cast.identity[1]] < 0.6 and cast.sureness[cast.identity[3]] == 1.0
    # someone seen with both all along (a sibling) stays apart even with a cast of two
    sibling = tracklet(4, range(0, 250), 300.0, hist=RED)
    assert groups(identity.join([child1, child2, adult, sibling], cast=2)) == [{1, 2}, {3}, {4}]


def test_with_a_cast_a_stray_face_beside_the_person_for_a_moment_does_not_split_them():
    child1 = tracklet(1, range(0, 100), 100.0)
    child2 = tracklet(2, range(97, 200), 220.0, hist=[0.5, 0.5])   # 3 frames at once with the first: a toy's face
    adult = tracklet(3, range(0, 200), 500.0, hist=BLUE)
    assert groups(identity.join([child1, child2, adult], cast=2)) == [{1, 2}, {3}]
    # without a cast too: two people are seen at once in most frames
    assert groups(identity.join([child1, child2, adult])) == [{1, 2}, {3}]
    # a third face seen beside both for long stays apart either way
    third = tracklet(4, range(0, 200), 300.0, hist=[0.5, 0.5])
    assert groups(identity.join([child1, child2, adult, third])) == [{1, 2}, {3}, {4}]


def test_thecast_roles_go_to_the_likeliest_persons():
    p_child = np.array([0.3, 0.45, 0.9])
    assert cast_roles(p_child, ("adult", "child"), [True, False, True]) == ["adult", "adult", "child"]
    assert cast_roles(p_child, ("adult", "child", "child"), None) == ["adult", "child", "child"]
    # one person seen of a parent and child: whichever the evidence favours, if it is clear-cut
    assert cast_roles(np.array([0.05]), ("adult", "child"), [True]) == ["adult"]
    assert cast_roles(np.array([0.95]), ("adult", "child"), [True]) == ["child"]
    assert cast_roles(np.array([0.7]), ("adult", "child"), [True]) == ["unknown"]
    assert cast_roles(np.array([0.9, 0.8]), ("adult", "adult"), None) == ["adult", "adult"]   # two adults


@pytest.mark.parametrize("text, cast", [("adult,child", ["adult", "child"]), ("Adult, child ,child", ["adult", "child", "child"]),
                                        ("unknown", []), ("", [])])
def test_the_cast_option_reads_roles(text, cast):
    from vigvision.cli import parse_cast

    assert parse_cast(text) == cast


def test_a_wrong_cast_is_one_clear_line():
    from vigvision.cli import parse_cast
    from vigvision.config import Config
    from vigvision.errors import ConfigError, InputError

    with pytest.raises(InputError, match="--cast: expected roles like adult,child.*'mum'"):
        parse_cast("adult,mum")
    with pytest.raises(ConfigError, match="persons.cast"):
        Config.from_dict({"persons": {"cast": ["adult", "teacher"]}})


def test_the_usual_count_reads_faces_not_the_body_pose_following_a_lost_one():
    child = tracklet(1, range(0, 200), 100.0)
    adult = tracklet(2, range(0, 200), 500.0, hist=BLUE)
    # a toy's face seen for 10 frames, then followed by the pose beside the child for 150
    toy = tracklet(3, range(20, 180), 250.0, hist=[0.5, 0.5])
    assert identity.join([child, adult, toy]).usual == 3
    toy.face = np.arange(160) < 10
    assert identity.join([child, adult, toy]).usual == 2
