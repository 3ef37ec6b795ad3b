"""TimeSeries: grid arithmetic, resampling, and irregular samples from variable-rate video."""
import numpy as np
import pytest

from vigvision.errors import InputError
from vigvision.series import TimeSeries
from vigvision.time import Span


def test_times_span_and_crop():
    ts = TimeSeries(np.arange(10.0), start=1.0, step=0.5)
    assert ts.times[-1] == 5.5 and ts.span == Span(1.0, 6.0)
    c = ts.crop(Span(2.0, 3.0))
    assert c.start == 2.0 and c.data.tolist() == [2.0, 3.0]


def test_resample_linear_and_align():
    ts = TimeSeries(np.array([0.0, 10.0, 20.0]), start=0.0, step=1.0)
    up = ts.resample(0.5)
    assert up.data[:5].tolist() == [0.0, 5.0, 10.0, 15.0, 20.0]
    other = TimeSeries(np.zeros(4), start=0.25, step=0.5)
    assert ts.align(other).data[:3].tolist() == [2.5, 7.5, 12.5]


def test_nan_is_kept_as_missing_not_zero():
    ts = TimeSeries(np.array([1.0, np.nan, np.nan, np.nan, 5.0]), start=0.0, step=1.0)
    out = ts.sample_at(np.array([2.0]))
    assert np.isnan(out[0])
    assert ts.binarize(0.5).to_list() == [(0.0, 1.0), (4.0, 5.0)]


def test_from_samples_variable_rate():
    # Frames at an irregular rate; a 0.1 s grid must take each cell's latest frame,
    # and a long dropout (> 1.5 cells) must read as missing, not as a held value.
    times = np.array([0.0, 0.033, 0.1, 0.2, 0.21, 0.3, 0.9, 1.0])
    values = np.arange(len(times), dtype=float)
    ts = TimeSeries.from_samples(times, values, step=0.1, end=1.1)
    assert ts.data.tolist()[:4] == [1.0, 2.0, 4.0, 5.0]
    assert np.isnan(ts.data[5]) and np.isnan(ts.data[7])
    assert ts.data[9] == 6.0 and ts.data[10] == 7.0


def test_rejects_bad_step_and_mismatch():
    with pytest.raises(InputError):
        TimeSeries(np.zeros(3), start=0, step=0)
    with pytest.raises(InputError, match="differ in length"):
        TimeSeries.from_samples(np.zeros(3), np.zeros(2), step=0.1)
