"""Recommendations fire on synthetic results with known properties, and only then."""

from __future__ import annotations

import dataclasses

import numpy as np

from perfbench.model import BenchmarkResult, Failure, IterationRecord, Measurement, MeasurementError, Metric
from perfbench.recommend import recommend
from perfbench.sla import rule


def measurement(samples, overhead_ns: float = 0.0) -> Measurement:
    return Measurement(samples_ns=np.asarray(samples, dtype=float), iterations_per_sample=1, overhead_ns=overhead_ns,
                       overhead_subtracted=True, clock="tsc", ticks_per_ns=2.0)


def result(samples, metrics=(), iterations=(), params=None, failure=None, overhead_ns=0.0) -> BenchmarkResult:
    return BenchmarkResult(lane="lane", benchmark="bench", kind="command", measurement=measurement(samples, overhead_ns),
                           metrics=tuple(metrics), iterations=tuple(iterations), params=params or {}, failure=failure)


def evidence(rec) -> str:
    (finding,) = rec.findings
    return finding.evidence


def rules_fired(results, verdicts=()) -> set[str]:
    return {r.rule for r in recommend(results, verdicts)}


STEADY = np.random.default_rng(0).normal(100e6, 1e6, 200)  # 100 ms, CV 1 %


def test_a_steady_healthy_result_gets_no_advice() -> None:
    assert recommend([result(STEADY)]) == []


def test_high_cv_recommends_isolation_with_the_numbers() -> None:
    noisy = np.random.default_rng(1).normal(100e6, 25e6, 50).clip(1e6)
    (rec,) = recommend([result(noisy)])
    assert rec.rule == "high-cv" and "CV" in evidence(rec) and "%" in evidence(rec)
    assert rec.priority in (2, 3) and any("taskset" in step or "Pin" in step for step in rec.steps)


def test_wall_far_above_cpu_is_wait_bound() -> None:
    metrics = [Metric("cpu_user_time", 5e6, "ns"), Metric("cpu_system_time", 5e6, "ns"),
               Metric("io_read_bytes", 300e6, "bytes")]
    (rec,) = recommend([result(STEADY, metrics)])
    assert rec.rule == "wait-bound"
    assert "10 % busy" in evidence(rec) and "300 MB" in evidence(rec)
    assert rec.findings[0].estimate == "up to 90 % of wall time is waiting that could overlap or disappear"
    busy = [Metric("cpu_user_time", 90e6, "ns"), Metric("cpu_system_time", 5e6, "ns")]
    assert recommend([result(STEADY, busy)]) == []


def iteration(index: int, peak: float) -> IterationRecord:
    return IterationRecord(index=index, warmup=False, wall_ns=1e8, resource_metrics=(Metric("max_rss", peak, "bytes"),))


def test_rss_growing_every_iteration_suggests_a_leak() -> None:
    peaks = [200e6, 250e6, 300e6, 350e6, 400e6]
    iters = [iteration(i, p) for i, p in enumerate(peaks)]
    rec = recommend([result(STEADY, [Metric("rss_growth_per_iteration", 50e6, "bytes")], iters)])
    assert [r.rule for r in rec] == ["rss-growth"]
    assert "+50 MB per iteration" in evidence(rec[0]) and "200 MB → 250 MB" in evidence(rec[0])
    flat = [iteration(i, p) for i, p in enumerate([300e6, 301e6, 299e6, 300e6])]
    assert recommend([result(STEADY, [Metric("rss_growth_per_iteration", 0.1e6, "bytes")], flat)]) == []


def test_a_long_tail_is_reported_with_p99_over_p50() -> None:
    samples = np.concatenate([np.full(190, 1e6), np.full(10, 9e6)])
    rec = recommend([result(samples)])
    assert "tail-latency" in {r.rule for r in rec}
    tail = next(r for r in rec if r.rule == "tail-latency")
    assert "9.0× p50" in evidence(tail)
    assert tail.findings[0].estimate == "up to 8 ms off p99"  # p99 - p50, measured


def test_low_parallel_efficiency_points_at_contention() -> None:
    metrics = [Metric("efficiency", 0.35, "ratio"), Metric("pool_speedup", 1.4, "ratio"),
               Metric("hardware_threads", 2, "count")]
    (rec,) = recommend([result(STEADY, metrics, params={"workers": 4})])
    assert rec.rule == "contention" and "0.35" in evidence(rec) and "1.40× on 4 workers" in evidence(rec)
    assert rec.findings[0].estimate == "up to +43 % throughput with 2 cores kept busy"  # 2 / 1.4


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


def test_every_recommendation_has_evidence_steps_and_effort() -> None:
    noisy = np.random.default_rng(1).normal(100e6, 25e6, 50).clip(1e6)
    recs = recommend([result(noisy, [Metric("efficiency", 0.2, "ratio")])])
    assert {r.rule for r in recs} == {"high-cv", "contention"}
    for rec in recs:
        assert rec.steps and rec.effort in ("low", "medium", "high") and 1 <= rec.priority <= 5
        assert all(f.evidence for f in rec.findings)


def test_an_estimate_comes_from_the_numbers_or_is_left_out() -> None:
    noisy = np.random.default_rng(1).normal(100e6, 25e6, 50).clip(1e6)
    (rec,) = recommend([result(noisy)])
    s = result(noisy).measurement.stats
    assert rec.findings[0].estimate.startswith(f"CV ~{100 * 1.4826 * s.mad / s.median:.2g} %")
    # No measured figure says how much batching, a fix or a longer run would gain: no estimate.
    tiny = recommend([result(np.full(200, 10.0), overhead_ns=3.0)])
    assert [(r.rule, r.findings[0].estimate) for r in tiny] == [("overhead", None)]


def test_the_same_advice_is_one_item_listing_its_benchmarks_strongest_first() -> None:
    rng = np.random.default_rng(5)
    results = [dataclasses.replace(result(rng.normal(100e6, spread, 60).clip(1e6)), benchmark=f"b{i}")
               for i, spread in enumerate((15e6, 40e6, 25e6))]
    (rec,) = recommend(results + [result(STEADY)])
    assert rec.rule == "high-cv" and rec.benchmarks == ("lane/b1", "lane/b2", "lane/b0")


def test_what_failed_comes_first() -> None:
    near = result(np.full(200, 380e6))
    error, warning = rule("p95 < 100ms").evaluate(near), rule("p95 < 200ms", severity="warning").evaluate(near)
    unsure = dataclasses.replace(rule("p95 < 400ms").evaluate(near), status="unsure",
                                 message="p95 interval 350 ms – 420 ms straddles 400 ms")
    noisy = result(np.random.default_rng(1).normal(100e6, 25e6, 50).clip(1e6))
    recs = recommend([near, noisy], [rule("p95 < 2s").evaluate(near), warning, unsure, error])
    assert [(r.rule, r.priority) for r in recs][:3] == [("sla-violated", 1), ("sla-violated", 2), ("sla-unsure", 2)]
    assert recs[0].findings[0].estimate == "280 ms (280 %) beyond the limit"
    assert recs[0].title == "SLA rules violated (error, critical)" and evidence(recs[0]).startswith("'p95 < 100ms': ")
    assert "straddles" in evidence(recs[2])


def test_an_unsure_rule_says_what_would_settle_it() -> None:
    straddling = result(np.random.default_rng(0).normal(100e6, 30e6, 60).clip(1e6))
    verdict = rule("median < 100ms").evaluate(straddling)
    assert verdict.status == "unsure"
    (rec,) = [r for r in recommend([straddling], [verdict]) if r.rule == "sla-unsure"]
    assert rec.priority == 2 and evidence(rec).startswith("'median < 100ms': median = ")
    assert "to settle it: " in evidence(rec) and "--processes" in evidence(rec)


def test_violations_of_any_rule_with_the_same_severity_are_one_item_showing_each() -> None:
    slow = result(np.full(200, 380e6))
    verdicts = [rule(expression, severity="warning").evaluate(slow) for expression in ("p95 < 100ms", "median < 1ms")]
    (rec,) = recommend([slow], verdicts)
    assert rec.priority == 2 and [f.evidence.split(":")[0] for f in rec.findings] == ["'p95 < 100ms'", "'median < 1ms'"]


def test_impossible_figures_are_advice_to_measure_again_not_about_the_code() -> None:
    impossible = dataclasses.replace(
        result(STEADY, [Metric("efficiency", 1.22, "ratio")]),
        measurement_errors=(MeasurementError("efficiency-above-one", ("efficiency",), "efficiency 1.22 is above 1"),))
    recs = recommend([impossible])
    assert [(r.rule, r.priority) for r in recs] == [("measurement-error", 2)]
    assert evidence(recs[0]) == "efficiency 1.22 is above 1"
