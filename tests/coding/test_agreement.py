"""Agreement statistics against hand-computed answers."""
import pytest

from vigvision.coding.agreement import cohen_kappa, event_f1, percent_agreement
from vigvision.errors import InputError
from vigvision.time import Intervals


@pytest.mark.parametrize("a, b, kappa", [
    ("xxyy", "xxyx", 0.5),           # po .75, pe .5
    ("xxxx", "xxxx", 1.0),           # one label throughout
    ("xyxy", "yxyx", -1.0),          # always disagree, balanced
    ("xxxxxxxxxy", "xxxxxxxxxx", 0.0),  # agreement only by chance
])
def test_cohen_kappa_known_values(a, b, kappa):
    assert cohen_kappa(list(a), list(b)) == pytest.approx(kappa)


def test_kappa_textbook_example():
    # 50 items: yes/yes 20, yes/no 5, no/yes 10, no/no 15 -> po .7, pe .5, kappa .4
    a = ["yes"] * 25 + ["no"] * 25
    b = ["yes"] * 20 + ["no"] * 5 + ["yes"] * 10 + ["no"] * 15
    assert cohen_kappa(a, b) == pytest.approx(0.4)
    assert percent_agreement(a, b) == pytest.approx(0.7)


def test_kappa_rejects_bad_input():
    with pytest.raises(InputError):
        cohen_kappa([1, 2], [1])
    with pytest.raises(InputError):
        cohen_kappa([], [])


def test_event_f1_with_tolerance():
    ref = Intervals([(1, 3), (5, 6), (10, 12)])
    pred = Intervals([(1.4, 3.3), (5.8, 7.5), (20, 21)])
    r = event_f1(ref, pred, tolerance=0.5)
    assert (r["matched"], r["precision"], r["recall"]) == (1, pytest.approx(1 / 3), pytest.approx(1 / 3))
    assert event_f1(Intervals(), Intervals())["f1"] == 1.0
    assert event_f1(ref, Intervals())["f1"] == 0.0
