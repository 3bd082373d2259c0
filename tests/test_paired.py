"""The paired verdict of an interleaved A/B run (analysis/paired.py) on constructed data."""

from __future__ import annotations

import math

import numpy as np
import pytest

from perfbench.analysis.comparison import compare_results
from perfbench.analysis.paired import compare_paired, paired_change, process_medians
from perfbench.model import BenchmarkResult, Failure, Measurement


def result_of(levels: list[float], *, seed: int, name: str = "a", samples: int = 40,
              within: float = 0.002) -> BenchmarkResult:
    """A result whose k-th process's samples sit around ``levels[k]`` ns, with normal noise of
    relative size ``within`` inside each process."""
    rng = np.random.default_rng(seed)
    parts = [level * (1 + within * rng.standard_normal(samples)) for level in levels]
    measurement = Measurement(samples_ns=np.concatenate(parts), iterations_per_sample=1000, overhead_ns=0.0,
                              overhead_subtracted=False, clock="steady_clock", ticks_per_ns=1.0,
                              segments=[(k, samples) for k in range(len(levels))])
    return BenchmarkResult("suite", name, "python", measurement)


def drifting_pairs(pairs: int, scale: float, *, drift: float, spread: float, seed: int,
                   name: str = "a") -> tuple[BenchmarkResult, BenchmarkResult]:
    """A and B over ``pairs`` pairs: the machine's state moves both processes of a pair by the
    same factor (``drift`` between pairs), each process adds its own ``spread``; B is
    ``scale`` times A."""
    rng = np.random.default_rng(seed)
    machine = np.exp(drift * rng.standard_normal(pairs))
    a = 1000.0 * machine * np.exp(spread * rng.standard_normal(pairs))
    b = 1000.0 * scale * machine * np.exp(spread * rng.standard_normal(pairs))
    return result_of(list(a), seed=seed + 1, name=name), result_of(list(b), seed=seed + 2, name=name)


def test_process_medians_follow_the_order_processes_first_ran_in() -> None:
    samples = np.array([5.0, 5.0, 5.0, 1.0, 1.0, 9.0, 9.0, 9.0, 5.0])
    m = Measurement(samples_ns=samples, iterations_per_sample=1, overhead_ns=0.0, overhead_subtracted=False,
                    clock="steady_clock", ticks_per_ns=1.0, segments=[(7, 3), (2, 2), (4, 3), (7, 1)])
    assert process_medians(m) == [5.0, 1.0, 9.0]


def test_the_pairs_are_the_log_ratios_of_matched_process_medians() -> None:
    a = result_of([1000.0, 2000.0, 1500.0], seed=1, within=0.0)
    b = result_of([1100.0, 2400.0, 1500.0], seed=2, within=0.0)
    change = paired_change("suite/a", a.measurement, b.measurement)
    assert change.log_ratios == pytest.approx((math.log(1.1), math.log(1.2), 0.0))
    assert change.dof == 2
    assert change.se == pytest.approx(np.std(change.log_ratios, ddof=1) / math.sqrt(3))


def test_identical_sides_read_same_with_no_change() -> None:
    a = result_of([1000.0, 1010.0, 990.0, 1005.0, 995.0, 1000.0], seed=3)
    comparison, _ = compare_paired([a], [a])
    verdict = comparison.verdicts[0]
    assert verdict.status == "same"
    assert verdict.change == 0.0
    assert verdict.noise == "6 interleaved pairs of processes"


def test_drift_shared_by_a_pair_cancels_where_two_pooled_sides_cannot_see_through_it() -> None:
    """The machine moves each pair by ~8 %, each process by 0.5 % on its own: pooled sides read
    unsure about a 30 % slowdown; the pairs measure it within a per cent or two."""
    a, b = drifting_pairs(6, 1.30, drift=0.08, spread=0.005, seed=10)
    paired = compare_paired([a], [b])[0].verdicts[0]
    assert paired.status == "slower" and paired.regression
    assert paired.low < 0.30 < paired.high and paired.high - paired.low < 0.03
    pooled = compare_results([a], [b]).verdicts[0]
    assert pooled.high - pooled.low > 5 * (paired.high - paired.low)


def test_a_thirty_percent_slowdown_reads_slower_and_its_mirror_faster() -> None:
    a, b = drifting_pairs(6, 1.30, drift=0.03, spread=0.02, seed=20)
    slower = compare_paired([a], [b], thresholds={"suite/a": 0.05})[0].verdicts[0]
    assert slower.status == "slower" and slower.threshold == 0.05 and slower.threshold_requested
    faster = compare_paired([b], [a], thresholds={"suite/a": 0.05})[0].verdicts[0]
    assert faster.status == "faster" and not faster.regression
    assert slower.change == pytest.approx(1 / (1 + faster.change) - 1)


def test_one_pair_hit_by_another_tenant_does_not_hide_a_five_percent_slowdown() -> None:
    """Ten pairs read +5 % within about a per cent; one more was hit for its whole run and reads
    +60 %. The trimmed mean leaves it out: slower beyond a 1 % threshold, at about +5 %. A plain
    mean over the eleven would read +9 % with an interval several times wider."""
    rng = np.random.default_rng(60)
    ratios = list(1.05 * np.exp(0.01 * rng.standard_normal(10))) + [1.60]
    a = result_of([1000.0] * 11, seed=61, within=0.0)
    b = result_of([1000.0 * r for r in ratios], seed=62, within=0.0)
    change = paired_change("suite/a", a.measurement, b.measurement)
    assert change.trimmed == 1 and change.dof == 11 - 2 - 1
    assert math.expm1(change.mean) == pytest.approx(0.05, abs=0.01)
    plain_se = np.std(change.log_ratios, ddof=1) / math.sqrt(11)
    assert change.se < plain_se / 3
    verdict = compare_paired([a], [b], thresholds={"suite/a": 0.01})[0].verdicts[0]
    assert verdict.status == "slower" and verdict.low > 0.01


def test_too_few_pairs_give_no_interval_and_say_how_many_to_run() -> None:
    a, b = drifting_pairs(2, 1.30, drift=0.0, spread=0.01, seed=30)
    verdict = compare_paired([a], [b])[0].verdicts[0]
    assert verdict.status == "unsure" and verdict.low is None
    assert verdict.change == pytest.approx(0.30, abs=0.05)
    assert "2 pairs give no interval" in verdict.settle and "--processes 3" in verdict.settle


def test_unsure_says_how_many_more_pairs_would_settle_it() -> None:
    # A 6 % change against a 5 % threshold, pairs spread by 3 %: the interval straddles +5 %.
    a = result_of([1000.0] * 4, seed=40, within=0.0)
    b = result_of([1060.0 * f for f in (1.03, 0.97, 1.03, 0.97)], seed=41, within=0.0)
    verdict = compare_paired([a], [b], thresholds={"suite/a": 0.05})[0].verdicts[0]
    assert verdict.status == "unsure"
    assert verdict.more_processes is not None and verdict.more_processes >= 1
    assert f"--processes {4 + verdict.more_processes}" in verdict.settle


def test_one_sided_and_failed_benchmarks_are_reported_not_judged() -> None:
    a, b = drifting_pairs(4, 1.0, drift=0.0, spread=0.01, seed=50)
    only_a = result_of([1000.0] * 4, seed=51, name="only-a")
    only_b = result_of([1000.0] * 4, seed=52, name="only-b")
    crashed = BenchmarkResult("suite", "a", "python", None, failure=Failure("crash", "worker killed by SIGSEGV"))
    comparison, _ = compare_paired([a, only_a], [b, only_b])
    assert [v.status for v in comparison.verdicts] == ["same", "only-in-base", "only-in-current"]
    assert comparison.compared == 1
    failed = compare_paired([a], [crashed])[0].verdicts[0]
    assert failed.status == "not-compared" and failed.reason == "B: worker killed by SIGSEGV"


def test_the_suite_correction_applies_to_pairs_too() -> None:
    """A change that reads slower alone reads unsure among 50 benchmarks: the decision
    interval widens with Holm, as for any comparison."""
    pairs = [drifting_pairs(6, 1.0, drift=0.02, spread=0.01, seed=100 + i, name=f"b{i}") for i in range(49)]
    a, b = result_of([1000.0] * 6, seed=60, within=0.0), result_of(
        [1000.0 * 1.075 * f for f in (1.01, 0.99, 1.012, 0.988, 1.0, 1.0)], seed=61, within=0.0)
    alone = compare_paired([a], [b])[0].verdicts[0]
    assert alone.status == "slower"
    in_suite = compare_paired([a, *(p[0] for p in pairs)], [b, *(p[1] for p in pairs)])[0]
    assert in_suite.verdicts[0].status == "unsure"
    assert not in_suite.slower and not in_suite.faster
