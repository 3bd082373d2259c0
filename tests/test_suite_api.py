"""Sweeps and baselines run through real worker processes."""

from __future__ import annotations

import pytest

from perfbench.execution.runner import results_of, run_benchmarks
from perfbench.measuring.sampling import SamplingOptions
from perfbench.sla import rule
from perfbench.definition.suite import BenchmarkDefinition, PythonTarget, Sweep

SOURCE = """
DATA = [float(i) for i in range(40_000)]

def total(n=1000):
    return sum(DATA[: int(n)])

def total_twice(n=1000):
    sum(DATA[: int(n)])
    return sum(DATA[: int(n)])
"""

FAST = SamplingOptions(budget_seconds=0.1)


def test_a_sweep_recovers_linear_growth_and_keeps_every_point(write_module) -> None:
    path = write_module("bench_sweep.py", SOURCE)
    definition = BenchmarkDefinition(
        name="total", lane="sweeps", target=PythonTarget(str(path), "total"), sampling=FAST,
        sweep=Sweep(param="n", values=(1000, 4000, 16000, 32000)),
        # 1.5, not 1.15: the rule passes only when the exponent's whole 95 % interval is below
        # the limit, and under load 5 the interval of a true 1.0 reached 1.15 (UNSURE, rightly).
        sla=(rule("exponent <= 1.5", name="better than n^1.5"),))
    (result,) = results_of(run_benchmarks([definition]))
    assert result.ok, result.failure
    assert [p.value for p in result.sweep] == [1000, 4000, 16000, 32000]
    assert result.metric("exponent").value == pytest.approx(1.0, abs=0.2)
    assert result.labels["big_o"] in ("O(n)", "O(n log n)")
    assert result.measurement.median == result.sweep[-1].measurement.median
    assert definition.sla[0].evaluate(result).status == "pass"


def test_a_baseline_is_measured_alternately_and_compared(write_module) -> None:
    path = write_module("bench_pair.py", SOURCE)
    definition = BenchmarkDefinition(
        name="twice", lane="pairs", target=PythonTarget(str(path), "total_twice", params={"n": 20000}),
        baseline=PythonTarget(str(path), "total", params={"n": 20000}), sampling=FAST)
    (result,) = results_of(run_benchmarks([definition]))
    assert result.ok, result.failure
    assert result.baseline is not None
    assert result.metric("ratio").value == pytest.approx(2.0, rel=0.2)
    assert result.metric("overhead").value == pytest.approx(result.metric("ratio").value - 1)
    assert result.metric("speedup").value == pytest.approx(1 / result.metric("ratio").value)
    assert rule("overhead < 5%").evaluate(result).severity == "error"


def test_a_sweep_on_a_metric_the_workload_does_not_report_is_an_analysis_failure(write_module) -> None:
    path = write_module("bench_sweep2.py", SOURCE)
    definition = BenchmarkDefinition(
        name="total", lane="sweeps", target=PythonTarget(str(path), "total"), sampling=FAST,
        sweep=Sweep(param="n", values=(1000, 2000), fit_on="no_such_metric"))
    (result,) = results_of(run_benchmarks([definition]))
    assert result.failure.kind == "analysis" and "no_such_metric" in result.failure.message


def test_sweep_values_must_increase() -> None:
    with pytest.raises(ValueError):
        Sweep(param="n", values=(10, 5))


# Exactly 6 samples of 1 call each per measurement (the budget is never what stops it).
EXACT = SamplingOptions(budget_seconds=5.0, warmup_seconds=0.0, iterations=1, min_samples=3, max_samples=6)


def test_real_workers_carry_sweep_points_in_every_iteration(write_module) -> None:
    path = write_module("bench_pool_sweep.py", SOURCE)
    definition = BenchmarkDefinition(
        name="total", lane="sweeps", target=PythonTarget(str(path), "total"), sampling=EXACT,
        sweep=Sweep(param="n", values=(1000, 4000, 16000)), iterations=4, processes=2, warmup_iterations=1)
    (result,) = results_of(run_benchmarks([definition]))
    assert result.ok, result.failure
    counted = result.counted_iterations
    assert [r.process for r in counted] == [0, 0, 1, 1]
    assert all(len(r.sweep) == 3 and r.measurement is r.sweep[-1].measurement for r in counted)
    assert [p.measurement.stats.n for p in result.sweep] == [4 * 6] * 3
    assert result.measurement.stats.n == 4 * 6
    assert result.metric("exponent").has_interval


def test_real_workers_carry_the_baseline_in_every_iteration(write_module) -> None:
    path = write_module("bench_pool_pair.py", SOURCE)
    definition = BenchmarkDefinition(
        name="twice", lane="pairs", target=PythonTarget(str(path), "total_twice", params={"n": 2000}),
        baseline=PythonTarget(str(path), "total", params={"n": 2000}), sampling=EXACT, iterations=4, processes=2)
    (result,) = results_of(run_benchmarks([definition]))
    assert result.ok, result.failure
    assert all(r.baseline is not None for r in result.counted_iterations)
    # BASELINE_ROUNDS alternating rounds of max(min_samples 3, ceil(6 / rounds)) = 3 samples per side,
    # per iteration; every round's samples are one segment, so the rounds pair up for the ratio
    from perfbench.execution.worker import BASELINE_ROUNDS
    assert result.baseline.stats.n == result.measurement.stats.n == 4 * BASELINE_ROUNDS * 3
    assert len(result.measurement.segments) == len(result.baseline.segments) == 4 * BASELINE_ROUNDS
    assert result.metric("ratio").has_interval
