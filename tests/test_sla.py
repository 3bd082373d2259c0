"""SLA rules: parsing, each severity path, tiers, and refusing unsupported verdicts."""

from __future__ import annotations

import numpy as np
import pytest

from perfbench.model import BenchmarkResult, Failure, Measurement, Metric
from perfbench.sla import RuleError, Threshold, evaluate_all, rule, tiers, worst_severity


def result_with(samples: list[float] | np.ndarray, metrics: tuple[Metric, ...] = (), clock: str = "tsc") -> BenchmarkResult:
    m = Measurement(samples_ns=np.asarray(samples, dtype=float), iterations_per_sample=1, overhead_ns=0.0,
                    overhead_subtracted=True, clock=clock, ticks_per_ns=2.0)
    return BenchmarkResult(lane="lane", benchmark="bench", kind="workload", measurement=m, metrics=metrics)


MILLIS = result_with(np.full(200, 20e6))  # 200 samples of 20 ms


@pytest.mark.parametrize(("text", "kind", "value"), [
    ("p99 < 2ms", "duration", 2e6), ("mean < 5m", "duration", 300e9), ("max_rss < 512MB", "size", 512e6),
    ("cpu_avg < 30%", "percent", 0.3), ("throughput > 10/s", "rate", 10.0), ("error_rate < 1%", "percent", 0.01),
    ("ticks_p99 <= 8", "number", 8.0), ("p99.9 < 250ns", "duration", 250.0),
    ("items_per_s > 1M/s", "rate", 1e6), ("items_per_s > 2G/s", "rate", 2e9),
    ("bytes_per_s > 1GB/s", "byte rate", 1e9), ("bytes_per_s >= 512MiB/s", "byte rate", 512 * 1024**2),
    ("bytes_per_s > 60MB/m", "byte rate", 1e6), ("alloc_bytes_per_op < 1KB", "size", 1e3),
])
def test_expressions_parse_into_base_units(text: str, kind: str, value: float) -> None:
    threshold = Threshold.parse(text)
    assert threshold.kind == kind
    assert threshold.value == pytest.approx(value)


@pytest.mark.parametrize("bad", ["p99", "p99 < ", "p99 ~ 2ms", "p99 < 2 parsecs", "< 2ms"])
def test_malformed_expressions_are_refused_with_the_accepted_forms(bad: str) -> None:
    with pytest.raises(RuleError):
        Threshold.parse(bad)


def test_severity_must_be_known() -> None:
    with pytest.raises(RuleError, match="severity"):
        rule("p99 < 2ms", severity="fatal")


@pytest.mark.parametrize("severity", ["warning", "error", "critical"])
def test_a_violated_rule_carries_its_severity(severity: str) -> None:
    verdict = rule("p99 < 10ms", severity=severity).evaluate(MILLIS)
    assert verdict.status == "violated" and verdict.severity == severity
    assert verdict.measured == pytest.approx(20e6)
    assert rule("p99 < 30ms", severity=severity).evaluate(MILLIS).status == "pass"


@pytest.mark.parametrize(("p99_ms", "expected"), [
    (5, ("pass", None)), (20, ("violated", "warning")), (70, ("violated", "error")), (150, ("violated", "critical")),
], ids=["meets-target", "within-acceptable", "within-critical", "beyond-critical"])
def test_tiers(p99_ms: float, expected: tuple[str, str | None]) -> None:
    tiered = tiers(target="p99 < 10ms", acceptable="p99 < 50ms", critical="p99 < 100ms")
    verdict = tiered.evaluate(result_with(np.full(150, p99_ms * 1e6)))
    assert (verdict.status, verdict.severity) == expected


def test_higher_is_better_tiers() -> None:
    tiered = tiers(target="msgs > 100k/s", acceptable="msgs > 50k/s", critical="msgs > 10k/s")
    for rate, severity in ((150e3, None), (60e3, "warning"), (20e3, "error"), (5e3, "critical")):
        verdict = tiered.evaluate(result_with([1.0], metrics=(Metric("msgs", rate, "per_s"),)))
        assert verdict.severity == severity


def test_percentiles_from_too_few_samples_are_refused_not_passed() -> None:
    few = result_with(np.full(99, 1e3))
    verdict = rule("p99 < 1s").evaluate(few)
    assert verdict.status == "insufficient" and verdict.label == "INSUFFICIENT SAMPLES"
    assert "100" in verdict.message
    assert rule("p99 < 1s").evaluate(result_with(np.full(100, 1e3))).status == "pass"
    assert rule("p99.9 < 1s").evaluate(result_with(np.full(999, 1e3))).status == "insufficient"
    assert rule("p99.9 < 1s").evaluate(result_with(np.full(1000, 1e3))).status == "pass"
    assert rule("median < 1s").evaluate(result_with([1e3])).status == "pass"


def test_histogram_percentiles_are_judged_by_their_own_count() -> None:
    metrics = (Metric("latency_p99", 5e6, "ns"), Metric("latency_count", 50, "count"))
    assert rule("latency_p99 < 10ms").evaluate(result_with([1.0], metrics)).status == "insufficient"
    metrics = (Metric("latency_p99", 5e6, "ns"), Metric("latency_count", 5000, "count"))
    assert rule("latency_p99 < 10ms").evaluate(result_with([1.0], metrics)).status == "pass"


def test_derived_metrics_ticks_cv_and_throughput() -> None:
    r = result_with(np.full(200, 4.0))  # 4 ns at 2 ticks/ns
    assert rule("ticks_p99 <= 8").evaluate(r).status == "pass"
    assert rule("ticks_p99 < 8").evaluate(r).status == "violated"
    assert rule("throughput > 200M/s").evaluate(r).status == "pass"
    assert rule("cv < 0.01").evaluate(r).status == "pass"


def test_unit_mismatch_and_unknown_metrics_are_invalid_rules() -> None:
    assert rule("p99 < 512MB").evaluate(MILLIS).status == "invalid"
    verdict = rule("nonexistent < 3").evaluate(MILLIS)
    assert verdict.status == "invalid" and "nonexistent" in verdict.message


def test_failed_benchmarks_are_not_evaluated() -> None:
    failed = BenchmarkResult(lane="l", benchmark="b", kind="workload", measurement=None,
                             failure=Failure("crash", "worker killed by SIGSEGV"))
    assert rule("p99 < 1ms").evaluate(failed).status == "not-evaluated"


def test_every_failure_is_collected_and_the_worst_severity_reported() -> None:
    verdicts = evaluate_all([(MILLIS, [rule("p99 < 10ms", severity="warning"), rule("mean < 1ms", severity="critical"),
                                       rule("max < 1s")])])
    assert [v.status for v in verdicts] == ["violated", "violated", "pass"]
    assert worst_severity(verdicts) == "critical"
    assert worst_severity(verdicts[2:]) is None


def test_tiers_must_judge_one_metric() -> None:
    with pytest.raises(RuleError, match="same metric"):
        tiers(target="p99 < 10ms", acceptable="p50 < 50ms")
