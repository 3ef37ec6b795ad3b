"""A regularly sampled time series: an array plus ``start`` and ``step``.

Timestamps are computed (``start + i * step``), never stored, so two series on
the same grid align by index. Irregular samples (video frames of a variable
frame rate file) are put on a grid with :meth:`TimeSeries.from_samples`.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .errors import InputError
from .time import Intervals, Span, to_index


@dataclass(frozen=True)
class TimeSeries:
    """``data``: (n, ...) array; sample ``i`` is at ``start + i * step`` seconds.

    Missing samples are NaN (float data), never zero.

    >>> ts = TimeSeries(np.array([0.0, 1.0, 2.0, 3.0]), start=0.0, step=0.5)
    >>> ts.times.tolist()
    [0.0, 0.5, 1.0, 1.5]
    >>> ts.resample(0.25).data.tolist()
    [0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0, nan]
    """

    data: np.ndarray
    start: float
    step: float
    name: str = ""

    def __post_init__(self) -> None:
        if not (self.step > 0 and np.isfinite(self.step)):
            raise InputError(f"time series step must be a positive number of seconds, got {self.step}")
        if np.ndim(self.data) == 0:
            raise InputError("time series data must have at least one dimension (time)")

    def __len__(self) -> int:
        return len(self.data)

    @property
    def rate(self) -> float:
        return 1.0 / self.step

    @property
    def times(self) -> np.ndarray:
        return self.start + np.arange(len(self)) * self.step

    @property
    def span(self) -> Span:
        return Span(self.start, self.start + len(self) * self.step)

    def index(self, t: float | np.ndarray):
        """Index of the sample whose cell ``[t_i, t_i + step)`` holds ``t``."""
        return to_index(np.asarray(t) - self.start, self.rate, rounding="floor")

    def crop(self, span: Span) -> "TimeSeries":
        i0 = max(0, self.index(span.start))
        i1 = min(len(self), max(i0, to_index(span.end - self.start, self.rate, rounding="ceil")))
        return TimeSeries(self.data[i0:i1], self.start + i0 * self.step, self.step, self.name)

    def sample_at(self, times: np.ndarray) -> np.ndarray:
        """Values at arbitrary times by linear interpolation (NaN outside)."""
        times = np.asarray(times, dtype=np.float64)
        x = (times - self.start) / self.step
        flat = np.asarray(self.data, dtype=np.float64).reshape(len(self), -1)
        out = np.full((len(times), flat.shape[1]), np.nan)
        if len(self) == 0:
            return out.reshape((len(times),) + self.data.shape[1:])
        i0 = np.floor(x).astype(np.int64)
        frac = x - i0
        valid = (x >= 0) & (x <= len(self) - 1)
        i0c = np.clip(i0, 0, len(self) - 1)
        i1c = np.clip(i0 + 1, 0, len(self) - 1)
        a, b = flat[i0c], flat[i1c]
        # Where the neighbour is NaN, use the nearer sample rather than NaN-poisoning.
        interp = a * (1 - frac[:, None]) + b * frac[:, None]
        nearest = np.where((frac < 0.5)[:, None], a, b)
        interp = np.where(np.isnan(interp), nearest, interp)
        out[valid] = interp[valid]
        return out.reshape((len(times),) + self.data.shape[1:])

    def resample(self, step: float, *, start: float | None = None, end: float | None = None) -> "TimeSeries":
        """This series on a new grid (linear interpolation)."""
        start = self.start if start is None else start
        end = self.span.end if end is None else end
        n = max(0, to_index(end - start, 1.0 / step, rounding="floor"))
        times = start + np.arange(n) * step
        return TimeSeries(self.sample_at(times), start, step, self.name)

    def align(self, other: "TimeSeries") -> "TimeSeries":
        """This series resampled onto ``other``'s grid."""
        return self.resample(other.step, start=other.start, end=other.span.end)

    def binarize(self, threshold: float) -> Intervals:
        """Intervals where the value is above ``threshold`` (NaN counts as below)."""
        with np.errstate(invalid="ignore"):
            mask = np.asarray(self.data, dtype=np.float64) > threshold
        return Intervals.from_mask(mask, start=self.start, step=self.step)

    @classmethod
    def from_samples(
        cls, times: np.ndarray, values: np.ndarray, *, step: float, start: float = 0.0,
        end: float | None = None, name: str = "",
    ) -> "TimeSeries":
        """Put irregular samples onto a regular grid.

        Each grid cell takes the last sample whose time falls in it, or holds the
        previous sample while that is less than ``1.5 * step`` old; otherwise NaN.
        Times come from presentation timestamps, so a variable frame rate does
        not skew the grid.
        """
        times = np.asarray(times, dtype=np.float64)
        values = np.asarray(values, dtype=np.float64)
        if times.shape[0] != values.shape[0]:
            raise InputError(f"times and values differ in length: {times.shape[0]} vs {values.shape[0]}")
        if times.size and np.any(np.diff(times) < 0):
            raise InputError("sample times must be non-decreasing")
        end = (times[-1] + step if times.size else start) if end is None else end
        n = max(0, to_index(end - start, 1.0 / step, rounding="ceil"))
        grid = start + np.arange(n) * step
        out = np.full((n,) + values.shape[1:], np.nan)
        if times.size and n:
            # index of the last sample at or before the end of each cell
            k = np.searchsorted(times, grid + step - 1e-9, side="right") - 1
            ok = (k >= 0) & (grid - times[np.clip(k, 0, None)] < 1.5 * step)
            out[ok] = values[k[ok]]
        return cls(out, start, step, name)
