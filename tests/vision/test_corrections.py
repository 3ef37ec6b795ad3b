"""Corrections name persons by where they were seen: they find the same person again after the ids change,
merge and split rows as asked, and say when the person is not there any more."""
import numpy as np

from vigvision.vision.corrections import Correction, anchors_of, find, labels, regroup

T = np.arange(0, 10, 0.1).round(2)


def two_people():
    """Rows of two persons at 10 fps for 10 s: one at x=100, one at x=400 (labels 0 and 1)."""
    times = np.concatenate([T, T])
    cx = np.concatenate([np.full(len(T), 100.0), np.full(len(T), 400.0)])
    return times, cx, np.full(len(times), 200.0), np.full(len(times), 60.0), np.repeat([0, 1], len(T))


def test_anchors_find_the_person_whatever_their_label_now():
    times, cx, cy, w, person = two_people()
    left = anchors_of(times[person == 0], cx[person == 0], cy[person == 0], w[person == 0])
    assert len(left) == 8 and left[0].time_s == 0.0 and left[-1].time_s == 9.9
    assert find(left, times, cx, cy, w, person) == 0
    assert find(left, times, cx, cy, w, np.where(person == 0, 7, 3)) == 7          # relabelled: found again
    moved = cx + 300.0                                                              # nobody where they were
    assert find(left, times, moved, cy, w, person) is None


def test_merge_and_split_change_the_rows_persons_and_a_lost_person_is_said():
    times, cx, cy, w, person = two_people()
    a = anchors_of(times[person == 0], cx[person == 0], cy[person == 0], w[person == 0])
    b = anchors_of(times[person == 1], cx[person == 1], cy[person == 1], w[person == 1])
    merged, missed = regroup([Correction("merge", a, b, said="P1=P2")], times, cx, cy, w, person)
    assert set(merged) == {0} and missed == []
    split, _ = regroup([Correction("split", a, at_s=5.0, said="P1@5")], times, cx, cy, w, person)
    assert set(split[(person == 0) & (times < 5.0)]) == {0} and set(split[(person == 0) & (times >= 5.0)]) == {2}
    assert set(split[person == 1]) == {1}
    _, missed = regroup([Correction("merge", a, b, said="P1=P2")], times, cx + 300.0, cy, w, person)
    assert missed == ["merge P1=P2: the person was not found in this analysis"]


def test_roles_and_names_go_to_the_person_found_and_the_last_one_wins():
    times, cx, cy, w, person = two_people()
    b = anchors_of(times[person == 1], cx[person == 1], cy[person == 1], w[person == 1])
    fixes = [Correction("name", b, value="Amy"), Correction("role", b, value="child"), Correction("name", b, value="Ann")]
    roles, names, missed = labels(fixes, times, cx, cy, w, person)
    assert roles == {1: "child"} and names == {1: "Ann"} and missed == []
    again = Correction.from_dict(fixes[0].to_dict())
    assert again == fixes[0]                                                        # kept in analysis.json as is
