"""Sweep points and baselines travel with every iteration and are pooled like the samples:
over all counted iterations and worker processes, never just the last iteration's."""

from __future__ import annotations

import pytest

from perfbench.analysis.aggregate import assemble_result
from perfbench.definition.suite import BenchmarkDefinition, PythonTarget, Sweep
from perfbench.model import IterationRecord, Measurement, SweepPoint

SIZES = (10.0, 100.0, 1000.0)


def _measurement(samples: list[float]) -> Measurement:
    return Measurement(samples_ns=samples, iterations_per_sample=1, overhead_ns=0.0, overhead_subtracted=False,
                       clock="steady_clock", ticks_per_ns=1.0)


def _sweep_record(index: int, process: int, factor: float, warmup: bool = False) -> IterationRecord:
    """Costs of exactly factor * n ns at each size n, three samples each."""
    points = tuple(SweepPoint(n, _measurement([factor * n] * 3)) for n in SIZES)
    return IterationRecord(index=index, warmup=warmup, wall_ns=1.0, sweep=points, process=process)


def _sweep_definition(iterations: int, processes: int) -> BenchmarkDefinition:
    return BenchmarkDefinition(name="grow", lane="t", target=PythonTarget("bench_x.py", "grow"),
                               sweep=Sweep("n", SIZES), iterations=iterations, processes=processes,
                               warmup_iterations=1)


def test_a_sweep_pools_every_counted_iteration_of_every_process() -> None:
    records = [_sweep_record(0, 0, 99.0, warmup=True), _sweep_record(1, 0, 1.0), _sweep_record(2, 0, 1.0),
               _sweep_record(3, 1, 3.0, warmup=True), _sweep_record(4, 1, 2.0), _sweep_record(5, 1, 2.0)]
    result = assemble_result(_sweep_definition(iterations=4, processes=2), records)
    assert result.ok, result.failure
    assert [p.value for p in result.sweep] == list(SIZES)
    # 4 counted iterations x 3 samples at every size; the warm-ups' (99 n, 3 n) are not counted
    assert [p.measurement.stats.n for p in result.sweep] == [12, 12, 12]
    assert sorted(set(result.sweep[0].measurement.samples_ns)) == [10.0, 20.0]
    assert result.measurement.stats.n == 12 and result.measurement.median == pytest.approx(1500.0)
    exponent = result.metric("exponent")
    # both processes grow exactly linearly: exponent 1 with a zero-width interval between them
    assert exponent.value == pytest.approx(1.0) and (exponent.ci_low, exponent.ci_high) == pytest.approx((1.0, 1.0))
    assert result.labels["exponent_interval"] == "spread between 2 processes"
    stored = IterationRecord.from_dict(records[1].to_dict())
    assert stored.to_dict() == records[1].to_dict() and stored.measurement is stored.sweep[-1].measurement
    assert records[1].to_dict()["measurement"] is None  # the largest point is stored once, in "sweep"


def test_the_exponent_interval_reflects_the_spread_between_processes() -> None:
    def record(index: int, process: int, exponent: float) -> IterationRecord:
        points = tuple(SweepPoint(n, _measurement([n ** exponent] * 2)) for n in SIZES)
        return IterationRecord(index=index, warmup=False, wall_ns=1.0, sweep=points, process=process)

    definition = _sweep_definition(iterations=3, processes=3)
    result = assemble_result(definition, [record(0, 0, 0.9), record(1, 1, 1.0), record(2, 2, 1.1)])
    exponent = result.metric("exponent")
    # repeated exponents 0.9, 1.0, 1.1: s = 0.1, t(0.975, 2) = 4.303, half-width 4.303 * 0.1 / sqrt(3)
    assert exponent.ci_high - exponent.ci_low == pytest.approx(2 * 4.3027 * 0.1 / 3 ** 0.5, rel=1e-3)
    assert exponent.ci_low < exponent.value < exponent.ci_high


def test_one_repetition_falls_back_to_the_regression_interval() -> None:
    points = (SweepPoint(10.0, _measurement([10.0])), SweepPoint(100.0, _measurement([120.0])),
              SweepPoint(1000.0, _measurement([1000.0])))
    definition = BenchmarkDefinition(name="grow", lane="t", target=PythonTarget("bench_x.py", "grow"),
                                     sweep=Sweep("n", SIZES))
    result = assemble_result(definition, [IterationRecord(index=0, warmup=False, wall_ns=1.0, sweep=points)])
    exponent = result.metric("exponent")
    assert result.labels["exponent_interval"] == "regression standard error"
    assert exponent.ci_low < exponent.value < exponent.ci_high


def test_a_baseline_pools_every_counted_iteration_on_both_sides() -> None:
    definition = BenchmarkDefinition(name="pair", lane="t", target=PythonTarget("bench_x.py", "slow"),
                                     baseline=PythonTarget("bench_x.py", "fast"), iterations=4, processes=2)
    records = [IterationRecord(index=i, warmup=False, wall_ns=1.0, process=i // 2,
                               measurement=_measurement([200.0 + i] * 5), baseline=_measurement([100.0] * 4))
               for i in range(4)]
    result = assemble_result(definition, records)
    assert result.measurement.stats.n == 20 and result.baseline.stats.n == 16
    assert result.baseline.median == 100.0
    assert result.metric("ratio").value == pytest.approx(result.measurement.median / 100.0)
    # per-process ratios 2.005 and 2.025: the interval is centred on the pooled ratio
    ratio = result.metric("ratio")
    assert ratio.ci_low < ratio.value < ratio.ci_high
    assert result.metric("speedup").ci_low == pytest.approx(1 / ratio.ci_high)
