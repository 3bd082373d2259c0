"""Statistics against numpy on fixed data, with the edge cases."""

from __future__ import annotations

import numpy as np
import pytest

from perfbench.analysis.stats import summarize, tukey_outliers

FIXED = np.array([10.0, 12.0, 11.0, 13.0, 10.5, 11.5, 12.5, 50.0, 11.0, 10.0, 9.0, 200.0])


def test_summary_matches_numpy() -> None:
    s = summarize(FIXED)
    assert s.n == FIXED.size
    assert s.mean == pytest.approx(np.mean(FIXED))
    assert s.median == pytest.approx(np.median(FIXED))
    assert s.stdev == pytest.approx(np.std(FIXED, ddof=1))
    assert s.min == 9.0 and s.max == 200.0
    for name, q in (("p90", 90), ("p95", 95), ("p99", 99), ("p999", 99.9)):
        assert getattr(s, name) == pytest.approx(np.percentile(FIXED, q))
    assert s.mad == pytest.approx(np.median(np.abs(FIXED - np.median(FIXED))))
    assert s.cv == pytest.approx(np.std(FIXED, ddof=1) / np.mean(FIXED))


def test_interval_brackets_the_median_and_is_deterministic() -> None:
    rng = np.random.default_rng(1)
    data = rng.lognormal(3.0, 0.2, size=500)
    s = summarize(data)
    assert s.ci_low <= s.median <= s.ci_high
    assert s.ci_high - s.ci_low < 0.1 * s.median
    assert summarize(data).ci_low == s.ci_low


def test_interval_narrows_with_more_samples() -> None:
    rng = np.random.default_rng(2)
    few = summarize(rng.normal(100, 5, size=50))
    many = summarize(rng.normal(100, 5, size=5000))
    assert (many.ci_high - many.ci_low) < (few.ci_high - few.ci_low) / 4


def test_a_single_sample() -> None:
    s = summarize([42.0])
    assert s.n == 1
    assert s.mean == s.median == s.min == s.max == s.p99 == 42.0
    assert s.stdev is None and s.cv is None
    assert s.mad == 0.0
    assert (s.ci_low, s.ci_high) == (None, None)  # one sample supports no interval, not a zero-width one
    assert s.intervals == {} and s.noise_kind == "single"
    assert s.outliers.total == 0


def test_constant_samples_have_zero_mad_and_no_outliers() -> None:
    s = summarize([7.0] * 20)
    assert s.mad == 0.0
    assert s.stdev == 0.0
    assert s.cv == 0.0
    assert s.outliers.total == 0


def test_tukey_fences_classify_without_dropping() -> None:
    # quartiles of 1..8 are 2.75 and 6.25 (IQR 3.5): mild above 11.5, severe above 16.75
    data = np.array([1, 2, 3, 4, 5, 6, 7, 8, 12, 17, -6.0])
    counts = tukey_outliers(data)
    q1, q3 = np.percentile(data, [25, 75])
    iqr = q3 - q1
    expected_high_severe = int(np.sum(data > q3 + 3 * iqr))
    expected_high_mild = int(np.sum((data > q3 + 1.5 * iqr) & (data <= q3 + 3 * iqr)))
    expected_low_mild = int(np.sum((data < q1 - 1.5 * iqr) & (data >= q1 - 3 * iqr)))
    assert (counts.high_severe, counts.high_mild, counts.low_mild) == (
        expected_high_severe, expected_high_mild, expected_low_mild)
    assert counts.total >= 2
    assert summarize(data).n == data.size  # nothing dropped


def test_scaling_to_ticks_keeps_counts_and_cv() -> None:
    s = summarize(FIXED)
    t = s.scaled(2.5)
    assert t.median == pytest.approx(2.5 * s.median)
    assert t.cv == s.cv and t.n == s.n and t.outliers == s.outliers


@pytest.mark.parametrize("bad", [[], [1.0, float("nan")], [[1.0, 2.0]]], ids=["empty", "nan", "2d"])
def test_unusable_input_is_refused(bad: list) -> None:
    with pytest.raises(ValueError):
        summarize(bad)
