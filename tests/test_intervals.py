"""Confidence intervals honest about where the noise is (analysis/intervals.py), on
constructed data whose true values are known."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import signal

from perfbench.analysis import intervals
from perfbench.analysis.stats import summarize


def ar1(rng: np.random.Generator, n: int, phi: float) -> np.ndarray:
    """A stationary AR(1) series around 0: neighbours correlated like samples inside a process."""
    noise = rng.normal(0.0, 1.0, n + 500)
    return signal.lfilter([1.0], [1.0, -phi], noise)[500:]


def naive_bootstrap_median(data: np.ndarray, rng: np.random.Generator) -> tuple[float, float]:
    medians = np.median(data[rng.integers(0, data.size, size=(400, data.size))], axis=1)
    low, high = np.quantile(medians, [0.025, 0.975])
    return float(low), float(high)


def test_correlated_samples_get_an_interval_that_covers_where_the_naive_one_does_not() -> None:
    rng = np.random.default_rng(7)
    ours = naive = 0
    trials = 100
    for _ in range(trials):
        data = 100.0 + ar1(rng, 2000, phi=0.95)  # true median 100
        s = summarize(data)
        ours += s.ci_low <= 100.0 <= s.ci_high
        low, high = naive_bootstrap_median(data, rng)
        naive += low <= 100.0 <= high
    # batch intervals over 20 batches keep close to the nominal 95 %; treating 2,000
    # correlated samples as independent covers the truth in well under half the trials
    assert ours >= 0.85 * trials
    assert naive <= 0.5 * trials


def test_between_processes_the_interval_comes_from_the_spread_of_the_processes() -> None:
    rng = np.random.default_rng(3)
    offsets = np.array([0.95, 1.0, 1.05, 0.98, 1.03])  # what each process drew once
    parts = [100.0 * offset + rng.normal(0.0, 0.01, 500) for offset in offsets]
    samples = np.concatenate(parts)
    s = summarize(samples, segments=[(p, 500) for p in range(5)])
    assert s.noise_kind == "processes" and s.noise_units == 5
    per_process = np.array([np.median(part) for part in parts])
    from scipy import stats as scipy_stats
    half = scipy_stats.t.ppf(0.975, 4) * per_process.std(ddof=1) / np.sqrt(5)
    assert s.ci_high - s.ci_low == pytest.approx(2 * half, rel=1e-9)
    # the samples inside each process are tight: an interval over samples would be ~0.002 wide
    assert s.ci_high - s.ci_low > 4.0


def test_segments_of_one_process_stay_one_unit() -> None:
    data = np.arange(200, dtype=float)
    s = summarize(data, segments=[(0, 50), (0, 50), (1, 100)])  # two processes: too few, batches
    assert s.noise_kind == "batches" and "2 processes" in s.noise


def test_independent_runs_get_a_bootstrap_interval() -> None:
    s = summarize([1.00, 1.10, 0.90, 1.05, 0.95], segments=[(p, 1) for p in range(5)])
    assert s.noise_kind == "independent" and s.noise_units == 5
    assert 0.9 <= s.ci_low <= s.median <= s.ci_high <= 1.1


def test_an_interval_never_excludes_its_point_estimate() -> None:
    # every process's median (5) lies above the point given (each process is skewed the same way)
    one = np.array([1.0, 1.0, 5.0, 5.0, 5.0])
    units = intervals.NoiseUnits("processes", (one, one.copy(), one.copy()), processes=3)
    low, high = intervals.interval(units, "median", point=2.0)
    assert low <= 2.0 <= high


def test_quantised_samples_get_at_least_the_resolution() -> None:
    s = summarize([10.0] * 400, resolution=0.5)
    assert s.ci_low == pytest.approx(9.75) and s.ci_high == pytest.approx(10.25)


def test_a_percentile_needs_enough_samples_in_every_unit() -> None:
    rng = np.random.default_rng(5)
    s = summarize(rng.normal(10, 1, 250))  # 2 batches of 100+ for p99: too few units
    assert s.interval("p99") is None and s.interval("median") is not None
    s = summarize(rng.normal(10, 1, 400))
    assert s.interval("p99") is not None


def test_intervals_survive_a_round_trip_and_scaling() -> None:
    from perfbench.analysis.stats import SampleStats

    s = summarize(np.random.default_rng(1).normal(50, 2, 1000))
    again = SampleStats.from_dict(s.to_dict())
    assert again == s
    ticks = s.scaled(2.0)
    assert ticks.interval("median") == pytest.approx(tuple(2 * v for v in s.interval("median")))
    assert ticks.interval("cv") == s.interval("cv")
