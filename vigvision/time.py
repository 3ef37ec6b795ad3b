"""Time as a first-class type: a :class:`Span` and a set of spans, :class:`Intervals`.

All times are float seconds from the start of the video. Conversions between
seconds and integer frame/sample indices happen in one place
(:func:`to_index`) with explicit rounding.

An interval set is kept as two sorted, non-overlapping arrays (starts, ends)
so that set operations are vectorised::

    a:        |----|    |------|
    b:           |---------|
    a & b:       |-|    |--|
    a | b:    |----------------|
    a.gaps(): .....|----|......     (within a's extent)
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Iterator

import numpy as np

from .errors import InputError

Seconds = float


@dataclass(frozen=True, order=True)
class Span:
    """A half-open time interval ``[start, end)`` in seconds.

    >>> Span(1.0, 3.0) & Span(2.0, 5.0)
    Span(start=2.0, end=3.0)
    >>> Span(1.0, 3.0).duration
    2.0
    """

    start: Seconds
    end: Seconds

    def __post_init__(self) -> None:
        if not (np.isfinite(self.start) and np.isfinite(self.end)):
            raise InputError(f"span bounds must be finite, got ({self.start}, {self.end})")
        if self.end < self.start:
            raise InputError(f"span end {self.end} is before its start {self.start}")

    @property
    def duration(self) -> Seconds:
        return self.end - self.start

    @property
    def middle(self) -> Seconds:
        return 0.5 * (self.start + self.end)

    def __bool__(self) -> bool:
        return self.end > self.start

    def __contains__(self, t: float) -> bool:
        return self.start <= t < self.end

    def __and__(self, other: "Span") -> "Span":
        """Intersection; an empty span at the boundary when they do not meet."""
        start, end = max(self.start, other.start), min(self.end, other.end)
        return Span(start, max(start, end))

    def __or__(self, other: "Span") -> "Span":
        """The smallest span covering both."""
        return Span(min(self.start, other.start), max(self.end, other.end))

    def overlaps(self, other: "Span") -> bool:
        return self.start < other.end and other.start < self.end

    def overlap(self, other: "Span") -> Seconds:
        return (self & other).duration

    def shift(self, dt: Seconds) -> "Span":
        return Span(self.start + dt, self.end + dt)

    def to_dict(self) -> dict:
        return {"start": round(self.start, 6), "end": round(self.end, 6)}


def clock(t: float) -> str:
    """Seconds as m:ss.s, as a player shows them (59.96 s is 1:00.0, not 0:60.0)."""
    m, s = divmod(round(max(t, 0.0), 1), 60)
    return f"{int(m)}:{s:04.1f}"


def hms(s: float | None, *, hours: bool = False) -> str:
    """Elapsed time for progress lines: mm:ss, h:mm:ss from an hour on (or always, with ``hours``);
    ``--:--`` when unknown.

    >>> hms(75), hms(3725), hms(75, hours=True), hms(None)
    ('01:15', '1:02:05', '0:01:15', '--:--')
    """
    if s is None or s != s:
        return "--:--"
    s = int(round(s))
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}" if hours or s >= 3600 else f"{s // 60:02d}:{s % 60:02d}"


def parse_clock(text: str | float) -> float:
    """A time typed by a person, in seconds: ``"1:02.5"`` (m:ss.s, as :func:`clock` writes it),
    ``"1:02:03"`` (h:mm:ss) or plain seconds ``"62.5"``. Raises InputError naming what was typed.

    >>> parse_clock("1:02.5"), parse_clock("62.5"), parse_clock("1:00:00")
    (62.5, 62.5, 3600.0)
    """
    if isinstance(text, (int, float)):
        value = float(text)
    else:
        parts = str(text).strip().split(":")
        try:
            nums = [float(p) for p in parts]
        except ValueError:
            nums = []
        ok = 1 <= len(nums) <= 3 and all(n >= 0 for n in nums) and all(n < 60 for n in nums[1:])
        if not ok or not all(p.strip() for p in parts):
            raise InputError(f"{str(text).strip()!r} is not a time: type m:ss.s (e.g. 1:02.5) or seconds (62.5)")
        value = 0.0
        for n in nums:
            value = value * 60 + n
    if not np.isfinite(value) or value < 0:
        raise InputError(f"{text!r} is not a time: it must be 0 or more seconds")
    return value


def to_index(t: float | np.ndarray, rate: float, *, rounding: str = "nearest"):
    """Seconds -> integer index at ``rate`` per second.

    ``rounding`` is ``"nearest"``, ``"floor"`` or ``"ceil"``; a tiny tolerance
    keeps ``to_index(0.3, 10, rounding="floor") == 3`` despite float error.

    >>> to_index(1.25, 16000)
    20000
    """
    x = np.asarray(t, dtype=np.float64) * rate
    if rounding == "nearest":
        out = np.floor(x + 0.5)
    elif rounding == "floor":
        out = np.floor(x + 1e-9)
    elif rounding == "ceil":
        out = np.ceil(x - 1e-9)
    else:
        raise InputError(f"rounding must be 'nearest', 'floor' or 'ceil', got {rounding!r}")
    out = out.astype(np.int64)
    return int(out) if out.ndim == 0 else out


class Intervals:
    """An immutable set of disjoint, sorted half-open intervals.

    Built from spans (overlapping or touching ones merge), from a boolean mask
    over regular frames (:meth:`from_mask`), or from arrays.

    >>> iv = Intervals([(0, 1), (0.5, 2), (3, 4)])
    >>> iv.to_list()
    [(0.0, 2.0), (3.0, 4.0)]
    >>> iv.total
    3.0
    >>> iv.support(collar=1.0).to_list()
    [(0.0, 4.0)]
    """

    __slots__ = ("starts", "ends")

    def __init__(self, spans: Iterable[tuple[float, float] | Span] = ()):
        pairs = [(s.start, s.end) if isinstance(s, Span) else (float(s[0]), float(s[1])) for s in spans]
        arr = np.asarray(pairs, dtype=np.float64).reshape(-1, 2)
        self.starts, self.ends = _normalise(arr[:, 0], arr[:, 1])

    @classmethod
    def from_arrays(cls, starts: np.ndarray, ends: np.ndarray) -> "Intervals":
        """Build from parallel arrays of starts and ends (any order, may overlap)."""
        starts = np.asarray(starts, dtype=np.float64).ravel()
        ends = np.asarray(ends, dtype=np.float64).ravel()
        if starts.shape != ends.shape:
            raise InputError(f"starts and ends differ in length: {starts.shape} vs {ends.shape}")
        out = cls.__new__(cls)
        out.starts, out.ends = _normalise(starts, ends)
        return out

    @classmethod
    def of(cls, records, where=None) -> "Intervals":
        """The spans of episode records (analysis.json's speech, gaze, mutual_gaze, turns: dicts with
        ``start`` and ``end``), those ``where(record)`` accepts.

        >>> Intervals.of([{"start": 0, "end": 1, "person": "P1"}, {"start": 2, "end": 3, "person": "P2"}],
        ...              lambda e: e["person"] == "P1").to_list()
        [(0.0, 1.0)]
        """
        return cls([(r["start"], r["end"]) for r in records if where is None or where(r)])

    @classmethod
    def from_mask(cls, mask: np.ndarray, *, start: float = 0.0, step: float) -> "Intervals":
        """Runs of True in a regular-step boolean mask, as intervals.

        Sample ``i`` covers ``[start + i*step, start + (i+1)*step)``.

        >>> Intervals.from_mask(np.array([0, 1, 1, 0, 1], bool), step=0.5).to_list()
        [(0.5, 1.5), (2.0, 2.5)]
        """
        m = np.asarray(mask, dtype=bool).ravel()
        edges = np.diff(np.concatenate(([False], m, [False])).astype(np.int8))
        on = np.flatnonzero(edges == 1)
        off = np.flatnonzero(edges == -1)
        return cls.from_arrays(start + on * step, start + off * step)

    # -- container protocol -------------------------------------------------
    def __len__(self) -> int:
        return len(self.starts)

    def __iter__(self) -> Iterator[Span]:
        for s, e in zip(self.starts.tolist(), self.ends.tolist()):
            yield Span(s, e)

    def __getitem__(self, i: int) -> Span:
        return Span(float(self.starts[i]), float(self.ends[i]))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Intervals):
            return NotImplemented
        return np.array_equal(self.starts, other.starts) and np.array_equal(self.ends, other.ends)

    def __repr__(self) -> str:
        inner = ", ".join(f"[{s:g}, {e:g})" for s, e in self.to_list()[:6])
        more = f", ... ({len(self)} in all)" if len(self) > 6 else ""
        return f"Intervals({inner}{more})"

    def to_list(self) -> list[tuple[float, float]]:
        return list(zip(self.starts.tolist(), self.ends.tolist()))

    # -- measures -----------------------------------------------------------
    @property
    def durations(self) -> np.ndarray:
        return self.ends - self.starts

    @property
    def total(self) -> float:
        return float(self.durations.sum())

    def extent(self) -> Span | None:
        """The span from the first start to the last end, or None when empty."""
        return Span(float(self.starts[0]), float(self.ends[-1])) if len(self) else None

    def contains(self, t: float | np.ndarray) -> np.ndarray | bool:
        """Whether each time falls inside an interval."""
        tt = np.asarray(t, dtype=np.float64)
        if not len(self):
            inside = np.zeros(tt.shape, dtype=bool)
        else:
            i = np.searchsorted(self.starts, tt, side="right") - 1
            inside = (i >= 0) & (tt < self.ends[np.clip(i, 0, None)])
        return bool(inside) if inside.ndim == 0 else inside

    # -- operations ---------------------------------------------------------
    def support(self, collar: float = 0.0) -> "Intervals":
        """Merge intervals separated by gaps of at most ``collar`` seconds."""
        if len(self) < 2 or collar <= 0:
            return self
        keep_break = (self.starts[1:] - self.ends[:-1]) > collar
        first = np.concatenate(([True], keep_break))
        last = np.concatenate((keep_break, [True]))
        return Intervals.from_arrays(self.starts[first], self.ends[last])

    def remove_short(self, min_duration: float) -> "Intervals":
        """Drop intervals shorter than ``min_duration`` seconds."""
        keep = self.durations >= min_duration
        return Intervals.from_arrays(self.starts[keep], self.ends[keep])

    def gaps(self, within: Span | None = None) -> "Intervals":
        """The complement, within ``within`` (default: this set's extent)."""
        span = within or self.extent()
        if span is None:
            return Intervals()
        starts = np.concatenate(([span.start], self.ends))
        ends = np.concatenate((self.starts, [span.end]))
        starts, ends = np.clip(starts, span.start, span.end), np.clip(ends, span.start, span.end)
        keep = ends > starts
        return Intervals.from_arrays(starts[keep], ends[keep])

    def crop(self, span: Span) -> "Intervals":
        """Only the parts inside ``span``."""
        starts = np.clip(self.starts, span.start, span.end)
        ends = np.clip(self.ends, span.start, span.end)
        keep = ends > starts
        return Intervals.from_arrays(starts[keep], ends[keep])

    def __or__(self, other: "Intervals") -> "Intervals":
        return Intervals.from_arrays(
            np.concatenate((self.starts, other.starts)), np.concatenate((self.ends, other.ends))
        )

    def __and__(self, other: "Intervals") -> "Intervals":
        if not len(self) or not len(other):
            return Intervals()
        # For each interval of self, the intervals of other that can overlap it
        # form one contiguous run (both sets are sorted and disjoint), found by
        # two binary searches: O((n + m) log) instead of all n*m pairs.
        i = np.searchsorted(other.ends, self.starts, side="right")
        j = np.searchsorted(other.starts, self.ends, side="left")
        counts = np.maximum(j - i, 0)
        a = np.repeat(np.arange(len(self)), counts)
        b = np.concatenate([np.arange(lo, hi) for lo, hi in zip(i, j) if hi > lo]) if counts.any() else np.array([], int)
        starts = np.maximum(self.starts[a], other.starts[b])
        ends = np.minimum(self.ends[a], other.ends[b])
        keep = ends > starts
        return Intervals.from_arrays(starts[keep], ends[keep])

    def __sub__(self, other: "Intervals") -> "Intervals":
        extent = self.extent()
        if extent is None:
            return Intervals()
        return self & other.gaps(within=extent)

    def shift(self, dt: float) -> "Intervals":
        return Intervals.from_arrays(self.starts + dt, self.ends + dt)

    def to_mask(self, times: np.ndarray) -> np.ndarray:
        """Boolean mask over ``times``: True where a time is inside an interval."""
        return np.asarray(self.contains(np.asarray(times, dtype=np.float64)), dtype=bool)


def _normalise(starts: np.ndarray, ends: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sort, drop empty intervals, merge overlapping or touching ones."""
    if starts.size and not (np.isfinite(starts).all() and np.isfinite(ends).all()):
        raise InputError("interval bounds must be finite")
    if (ends < starts).any():
        k = int(np.flatnonzero(ends < starts)[0])
        raise InputError(f"interval end {ends[k]} is before its start {starts[k]}")
    keep = ends > starts
    starts, ends = starts[keep], ends[keep]
    if starts.size == 0:
        return np.empty(0), np.empty(0)
    order = np.argsort(starts, kind="stable")
    starts, ends = starts[order], ends[order]
    running_end = np.maximum.accumulate(ends)
    # A new group begins where the start lies beyond every earlier end.
    new_group = np.concatenate(([True], starts[1:] > running_end[:-1]))
    group = np.cumsum(new_group) - 1
    out_starts = starts[new_group]
    out_ends = np.zeros(len(out_starts))
    np.maximum.at(out_ends, group, ends)
    return out_starts, out_ends


def sample_step(times: np.ndarray, nominal: float) -> float:
    """The spacing of measurements taken at ``times``: the nominal step (1 / analysis fps), or the
    median spacing where the samples are sparser (a 5 fps source analysed at 10 fps)."""
    t = np.unique(np.asarray(times, dtype=np.float64))
    d = np.diff(t)
    d = d[d > 1e-9]
    return max(float(nominal), float(np.median(d))) if len(d) else float(nominal)


def sampled_runs(times: np.ndarray, mask: np.ndarray, step: float) -> Intervals:
    """Where ``mask`` holds over measurements taken every ``step`` seconds: each sample stands for
    ``[t, t + step)``; neighbours join across timing jitter (under half a step), but a stretch with no
    measurement stays a gap: a sample at 40.7 s and the next at 48.3 s are two runs, not one.

    >>> sampled_runs(np.array([0.0, 0.1, 0.2, 3.0]), np.array([1, 1, 1, 1], bool), 0.1).to_list()
    [(0.0, 0.30000000000000004), (3.0, 3.1)]
    """
    t = np.asarray(times, dtype=np.float64)[np.asarray(mask, dtype=bool)]
    return Intervals.from_arrays(t, t + step).support(0.5 * step)

