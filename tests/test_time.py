"""Span and Intervals: set operations on hand-drawn timelines with known answers."""
import numpy as np
import pytest

from vigvision.errors import InputError
from vigvision.time import Intervals, Span, to_index


@pytest.mark.parametrize("a, b, expected", [
    #  a: |----|        b:    |-----|      a & b: |-|
    ((0, 4), (2, 7), (2, 4)),
    ((0, 1), (2, 3), (2, 2)),     # disjoint -> empty span at b's start
    ((0, 10), (3, 4), (3, 4)),    # contained
])
def test_span_intersection(a, b, expected):
    assert Span(*a) & Span(*b) == Span(*expected)


def test_span_rejects_reversed_and_nan():
    with pytest.raises(InputError, match="before its start"):
        Span(2.0, 1.0)
    with pytest.raises(ValueError):  # InputError is a ValueError
        Span(float("nan"), 1.0)


def test_span_union_overlap_and_order():
    assert Span(0, 1) | Span(3, 4) == Span(0, 4)
    assert Span(0, 2).overlap(Span(1, 5)) == 1
    assert sorted([Span(3, 4), Span(1, 9), Span(1, 2)]) == [Span(1, 2), Span(1, 9), Span(3, 4)]
    assert 1.5 in Span(1, 2) and 2.0 not in Span(1, 2)


@pytest.mark.parametrize("spans, expected", [
    ([(0, 1), (0.5, 2), (3, 4)], [(0, 2), (3, 4)]),     # overlap merges
    ([(3, 4), (0, 1)], [(0, 1), (3, 4)]),               # sorted
    ([(0, 1), (1, 2)], [(0, 2)]),                       # touching merges
    ([(0, 5), (1, 2), (3, 4)], [(0, 5)]),               # nested
    ([(1, 1)], []),                                     # empty dropped
])
def test_intervals_normalise(spans, expected):
    assert Intervals(spans).to_list() == expected


def test_intervals_from_mask_matches_loop():
    rng = np.random.default_rng(0)
    mask = rng.random(1000) > 0.6
    iv = Intervals.from_mask(mask, start=2.0, step=0.1)
    # reference: a plain loop over the mask
    ref, run = [], None
    for i, m in enumerate(mask):
        if m and run is None:
            run = i
        if not m and run is not None:
            ref.append((2.0 + run * 0.1, 2.0 + i * 0.1)); run = None
    if run is not None:
        ref.append((2.0 + run * 0.1, 2.0 + len(mask) * 0.1))
    assert np.allclose(np.array(iv.to_list()), np.array(ref))
    assert np.array_equal(iv.to_mask(2.0 + (np.arange(1000) + 0.5) * 0.1), mask)


def test_support_gaps_crop_remove_short():
    #  |--|  |--|      |-|
    #  0  1  1.5 2.5   5 5.2
    iv = Intervals([(0, 1), (1.5, 2.5), (5, 5.2)])
    assert iv.support(collar=0.5).to_list() == [(0, 2.5), (5, 5.2)]
    assert iv.support(collar=0.49).to_list() == iv.to_list()
    assert iv.gaps().to_list() == [(1, 1.5), (2.5, 5)]
    assert iv.gaps(within=Span(-1, 6)).to_list() == [(-1, 0), (1, 1.5), (2.5, 5), (5.2, 6)]
    assert iv.crop(Span(0.5, 2)).to_list() == [(0.5, 1), (1.5, 2)]
    assert iv.remove_short(0.5).to_list() == [(0, 1), (1.5, 2.5)]
    assert iv.total == pytest.approx(2.2)


def test_intersection_union_difference_against_masks():
    rng = np.random.default_rng(1)
    step = 0.01
    ma, mb = rng.random(3000) > 0.5, rng.random(3000) > 0.7
    a, b = Intervals.from_mask(ma, step=step), Intervals.from_mask(mb, step=step)
    centres = (np.arange(3000) + 0.5) * step
    assert np.array_equal((a & b).to_mask(centres), ma & mb)
    assert np.array_equal((a | b).to_mask(centres), ma | mb)
    assert np.array_equal((a - b).to_mask(centres), ma & ~mb)
    assert len(a & Intervals()) == 0


def test_contains_scalar_and_empty():
    iv = Intervals([(1, 2)])
    assert iv.contains(1.0) is True and iv.contains(2.0) is False
    assert Intervals().contains(np.array([0.0, 1.0])).tolist() == [False, False]


@pytest.mark.parametrize("t, rate, rounding, expected", [
    (0.3, 10, "floor", 3), (0.3, 10, "ceil", 3), (0.34, 10, "nearest", 3), (0.35001, 10, "nearest", 4),
    (1.25, 16000, "nearest", 20000),
])
def test_to_index(t, rate, rounding, expected):
    assert to_index(t, rate, rounding=rounding) == expected


