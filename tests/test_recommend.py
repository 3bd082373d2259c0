"""Recommendations fire on synthetic results with known properties, and only then."""

from __future__ import annotations

import numpy as np
import pytest

from perfbench.model import BenchmarkResult, Failure, IterationRecord, Measurement, Metric
from perfbench.recommend import recommend
from perfbench.sla import rule


def measurement(samples, overhead_ns: float = 0.0) -> Measurement:
    return Measurement(samples_ns=np.asarray(samples, dtype=float), iterations_per_sample=1, overhead_ns=overhead_ns,
                       overhead_subtracted=True, clock="tsc", ticks_per_ns=2.0)


def result(samples, metrics=(), iterations=(), params=None, failure=None, overhead_ns=0.0) -> BenchmarkResult:
    return BenchmarkResult(lane="lane", benchmark="bench", kind="command", measurement=measurement(samples, overhead_ns),
                           metrics=tuple(metrics), iterations=tuple(iterations), params=params or {}, failure=failure)


def rules_fired(results, verdicts=()) -> set[str]:
    return {r.rule for r in recommend(results, verdicts)}


STEADY = np.random.default_rng(0).normal(100e6, 1e6, 200)  # 100 ms, CV 1 %


def test_a_steady_healthy_result_gets_no_advice() -> None:
    assert recommend([result(STEADY)]) == []


def test_high_cv_recommends_isolation_with_the_numbers() -> None:
    noisy = np.random.default_rng(1).normal(100e6, 25e6, 50).clip(1e6)
    (rec,) = recommend([result(noisy)])
    assert rec.rule == "high-cv" and "CV" in rec.evidence and "%" in rec.evidence
    assert rec.priority in (2, 3) and any("taskset" in step or "Pin" in step for step in rec.steps)


def test_wall_far_above_cpu_is_wait_bound() -> None:
    metrics = [Metric("cpu_user_time", 5e6, "ns"), Metric("cpu_system_time", 5e6, "ns"),
               Metric("io_read_bytes", 300e6, "bytes")]
    (rec,) = recommend([result(STEADY, metrics)])
    assert rec.rule == "wait-bound"
    assert "10 % busy" in rec.evidence and "300 MB" in rec.evidence
    busy = [Metric("cpu_user_time", 90e6, "ns"), Metric("cpu_system_time", 5e6, "ns")]
    assert recommend([result(STEADY, busy)]) == []


def iteration(index: int, peak: float) -> IterationRecord:
    return IterationRecord(index=index, warmup=False, wall_ns=1e8, resource_metrics=(Metric("max_rss", peak, "bytes"),))


def test_rss_growing_every_iteration_suggests_a_leak() -> None:
    peaks = [200e6, 250e6, 300e6, 350e6, 400e6]
    iters = [iteration(i, p) for i, p in enumerate(peaks)]
    rec = recommend([result(STEADY, [Metric("rss_growth_per_iteration", 50e6, "bytes")], iters)])
    assert [r.rule for r in rec] == ["rss-growth"]
    assert "+50 MB per iteration" in rec[0].evidence and "200 MB → 250 MB" in rec[0].evidence
    flat = [iteration(i, p) for i, p in enumerate([300e6, 301e6, 299e6, 300e6])]
    assert recommend([result(STEADY, [Metric("rss_growth_per_iteration", 0.1e6, "bytes")], flat)]) == []


def test_a_long_tail_is_reported_with_p99_over_p50() -> None:
    samples = np.concatenate([np.full(190, 1e6), np.full(10, 9e6)])
    rec = recommend([result(samples)])
    assert "tail-latency" in {r.rule for r in rec}
    tail = next(r for r in rec if r.rule == "tail-latency")
    assert "9.0×" in tail.evidence or "9×" in tail.evidence


def test_low_parallel_efficiency_points_at_contention() -> None:
    metrics = [Metric("efficiency", 0.35, "ratio"), Metric("speedup", 1.4, "ratio")]
    (rec,) = recommend([result(STEADY, metrics, params={"workers": 4})])
    assert rec.rule == "contention" and "0.35" in rec.evidence and "4 workers" in rec.evidence


def test_passing_close_to_a_limit_warns_about_headroom() -> None:
    near = result(np.full(200, 380e6))
    verdict = rule("p95 < 400ms").evaluate(near)
    assert verdict.status == "pass"
    recs = recommend([near], [verdict])
    assert "sla-headroom" in {r.rule for r in recs}
    far = rule("p95 < 2s").evaluate(near)
    assert "sla-headroom" not in rules_fired([near], [far])


def test_failures_come_first_and_insufficient_samples_are_explained() -> None:
    failed_iteration = IterationRecord(index=0, warmup=False, wall_ns=None, failure=Failure("exit", "exited with status 2"))
    r = result(STEADY, iterations=[failed_iteration], failure=Failure("exit", "exited with status 2"))
    few = result(np.full(20, 1e6))
    verdict = rule("p99 < 1s").evaluate(few)
    recs = recommend([r, few], [verdict])
    assert recs[0].rule == "failures" and recs[0].priority == 1
    assert "insufficient-samples" in {x.rule for x in recs}


def test_overhead_dominating_a_tiny_body() -> None:
    assert "overhead" in rules_fired([result(np.full(200, 10.0), overhead_ns=3.0)])


@pytest.mark.parametrize("attribute", ["evidence", "steps", "estimated_improvement", "effort"])
def test_every_recommendation_is_complete(attribute: str) -> None:
    noisy = np.random.default_rng(1).normal(100e6, 25e6, 50).clip(1e6)
    for rec in recommend([result(noisy, [Metric("efficiency", 0.2, "ratio")])]):
        assert getattr(rec, attribute)
        assert 1 <= rec.priority <= 5
