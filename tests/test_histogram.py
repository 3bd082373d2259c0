"""The C++ latency histogram against numpy on known distributions."""

from __future__ import annotations

import numpy as np
import pytest

from perfbench._core import LatencyHistogram


@pytest.fixture(params=[2, 3], ids=["2-digits", "3-digits"])
def digits(request: pytest.FixtureRequest) -> int:
    return request.param


def test_percentiles_within_the_stated_precision(digits: int) -> None:
    values = np.random.default_rng(0).lognormal(10, 1.2, 200_000).astype(np.uint64)
    h = LatencyHistogram(digits)
    h.record_array(values)
    for q in (0, 50, 90, 99, 99.9, 100):
        exact = np.percentile(values, q, method="inverted_cdf")
        got = h.value_at_percentile(q)
        assert exact <= got <= exact * (1 + 10.0 ** -digits * 2) + 1  # upper edge, never below
    assert h.count == values.size
    assert h.min == values.min() and h.max == values.max()
    assert h.mean == pytest.approx(values.mean())
    assert h.stdev == pytest.approx(values.std(ddof=1), rel=1e-6)


def test_small_values_are_exact() -> None:
    h = LatencyHistogram(3)
    for v in range(1, 1001):
        h.record(v)
    assert h.value_at_percentile(50) == 500
    assert h.value_at_percentile(99) == 990


def test_values_beyond_the_range_are_clamped_and_counted() -> None:
    h = LatencyHistogram(3, highest_trackable=1 << 20)
    h.record(1 << 30)
    assert h.saturated == 1 and h.max == 1 << 20


def test_merge_equals_recording_everything_in_one() -> None:
    rng = np.random.default_rng(3)
    a_values, b_values = rng.integers(1, 10**7, 5000), rng.integers(1, 10**5, 5000)
    a, b, both = LatencyHistogram(3), LatencyHistogram(3), LatencyHistogram(3)
    a.record_array(a_values)
    b.record_array(b_values)
    both.record_array(np.concatenate([a_values, b_values]))
    a.merge(b)
    assert a.nonzero_buckets() == both.nonzero_buckets()
    with pytest.raises(ValueError):
        a.merge(LatencyHistogram(2))


def test_coordinated_omission_correction_fills_in_the_missed_requests() -> None:
    """A 100 ms stall with requests due every 10 ms hides nine more delayed requests."""
    h = LatencyHistogram(3)
    for _ in range(90):
        h.record_corrected(1_000_000, 10_000_000)  # 1 ms responses, on time
    h.record_corrected(100_000_000, 10_000_000)
    assert h.count == 100
    assert h.value_at_percentile(95) >= 40_000_000  # uncorrected it would read 1 ms


def test_empty_histogram_and_bad_arguments() -> None:
    h = LatencyHistogram()
    assert h.count == 0 and h.value_at_percentile(99) == 0 and h.min == 0
    with pytest.raises(ValueError):
        LatencyHistogram(0)
