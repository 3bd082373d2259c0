"""SLA rules: parsing, each severity path, tiers, and refusing unsupported verdicts."""

from __future__ import annotations

import numpy as np
import pytest

from perfbench.model import BenchmarkResult, Failure, Measurement, Metric
from perfbench.sla import RuleError, Threshold, evaluate_all, format_value, rule, tiers, worst_severity


def result_with(samples: list[float] | np.ndarray, metrics: tuple[Metric, ...] = (), clock: str = "tsc",
                segments: list[tuple[int, int]] | None = None) -> BenchmarkResult:
    m = Measurement(samples_ns=np.asarray(samples, dtype=float), iterations_per_sample=1, overhead_ns=0.0,
                    overhead_subtracted=True, clock=clock, ticks_per_ns=2.0, segments=segments)
    return BenchmarkResult(lane="lane", benchmark="bench", kind="workload", measurement=m, metrics=metrics)


MILLIS = result_with(np.full(300, 20e6))  # 300 samples of 20 ms: enough for an interval of p99


@pytest.mark.parametrize(("text", "kind", "value"), [
    ("p99 < 2ms", "duration", 2e6), ("mean < 5m", "duration", 300e9), ("max_rss < 512MB", "size", 512e6),
    ("cpu_avg < 30%", "percent", 0.3), ("throughput > 10/s", "rate", 10.0), ("error_rate < 1%", "percent", 0.01),
    ("ticks_p99 <= 8", "number", 8.0), ("p99.9 < 250ns", "duration", 250.0),
    ("items_per_s > 1M/s", "rate", 1e6), ("items_per_s > 2G/s", "rate", 2e9),
    ("bytes_per_s > 1GB/s", "byte rate", 1e9), ("bytes_per_s >= 512MiB/s", "byte rate", 512 * 1024**2),
    ("bytes_per_s > 60MB/m", "byte rate", 1e6), ("alloc_bytes_per_op < 1KB", "size", 1e3),
    ("disk_write_rate < 10MB/s", "byte rate", 10e6), ("machine_net_recv_rate < 1GiB/m", "byte rate", 2**30 / 60),
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
    verdict = tiered.evaluate(result_with(np.full(300, p99_ms * 1e6)))
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
    # one process: an interval of p99 needs 3 batches of 100 samples
    verdict = rule("p99 < 1s").evaluate(result_with(np.full(299, 1e3)))
    assert verdict.status == "insufficient" and "300" in verdict.message
    assert rule("p99 < 1s").evaluate(result_with(np.full(300, 1e3))).status == "pass"
    assert rule("p99.9 < 1s").evaluate(result_with(np.full(999, 1e3))).status == "insufficient"
    assert rule("p99.9 < 1s").evaluate(result_with(np.full(3000, 1e3))).status == "pass"
    assert rule("median < 1s").evaluate(result_with([1e3] * 15)).status == "pass"  # 3 batches of 5
    assert rule("median < 1s").evaluate(result_with([1e3] * 14)).status == "insufficient"
    single = rule("median < 1s").evaluate(result_with([1e3], segments=[(0, 1)]))
    assert single.status == "insufficient" and "one run" in single.message


def test_a_tight_interval_clearly_meeting_the_rule_passes_and_one_clearly_breaking_it_fails() -> None:
    rng = np.random.default_rng(11)
    tight = result_with(rng.normal(1e6, 1e3, 2000))  # 1 ms +- 0.1 %
    passed = rule("median < 1.1ms").evaluate(tight)
    assert passed.status == "pass" and passed.low < 1e6 < passed.high < 1.1e6
    failed = rule("median < 0.9ms", severity="critical").evaluate(tight)
    assert (failed.status, failed.severity, failed.label) == ("violated", "critical", "CRITICAL")
    assert failed.low > 0.9e6


def test_an_interval_straddling_the_limit_is_unsure_and_says_what_would_settle_it() -> None:
    rng = np.random.default_rng(12)
    offsets = [0.9, 1.0, 1.1]  # three processes that drew different layouts
    samples = np.concatenate([1e6 * o + rng.normal(0, 1e2, 400) for o in offsets])
    straddling = result_with(samples, segments=[(p, 400) for p in range(3)])
    verdict = rule("median < 1.02ms").evaluate(straddling)
    assert verdict.status == "unsure" and verdict.label == "UNSURE"
    assert verdict.low < 1.02e6 < verdict.high
    assert verdict.between == ("PASS", "ERROR") and verdict.severity == "error"
    assert "processes" in verdict.settle and "between 3 processes" in verdict.noise
    # tiers: an interval across the acceptable limit is UNSURE between WARNING and ERROR
    tiered = tiers(target="median < 0.5ms", acceptable="median < 1.02ms", critical="median < 5ms")
    verdict = tiered.evaluate(straddling)
    assert (verdict.status, verdict.between, verdict.severity) == ("unsure", ("WARNING", "ERROR"), "error")


def test_unsure_fails_a_run_only_when_asked() -> None:
    from perfbench.sla import fails_run

    rng = np.random.default_rng(12)
    samples = np.concatenate([1e6 * o + rng.normal(0, 1e2, 400) for o in (0.9, 1.0, 1.1)])
    unsure = rule("median < 1.02ms", severity="warning").evaluate(result_with(samples, segments=[(p, 400) for p in range(3)]))
    assert unsure.status == "unsure"
    assert not fails_run(unsure)
    assert not fails_run(unsure, fail_on_unsure=True)  # its worse outcome is a warning
    assert fails_run(unsure, fail_on="warning", fail_on_unsure=True)


def test_correlated_samples_are_not_passed_on_a_falsely_narrow_interval() -> None:
    # One process, its samples drifting slowly (AR(1), phi = 0.98): the true median is 1 ms,
    # so "median < 999.95us" is broken. An i.i.d. bootstrap over these 3,000 samples gives an
    # interval several times too narrow that lies wholly below the limit -- a false PASS;
    # batches see the drift and say UNSURE.
    from scipy import signal

    rng = np.random.default_rng(4)
    drift = signal.lfilter([1.0], [1.0, -0.98], rng.normal(0, 1.0, 3500))[500:]
    samples = 1e6 + 1e3 * drift
    verdict = rule("median < 999.95us").evaluate(result_with(samples))
    naive = np.median(samples[np.random.default_rng(0).integers(0, samples.size, (400, samples.size))], axis=1)
    naive_low, naive_high = np.quantile(naive, [0.025, 0.975])
    assert naive_high < 999.95e3  # the naive interval would have passed it
    assert (verdict.high - verdict.low) > 4 * (naive_high - naive_low)
    assert verdict.status == "unsure" and verdict.low < 1e6 < verdict.high


def test_histogram_percentiles_are_judged_by_their_own_count() -> None:
    metrics = (Metric("latency_p99", 5e6, "ns"), Metric("latency_count", 50, "count"))
    assert rule("latency_p99 < 10ms").evaluate(result_with([1.0], metrics)).status == "insufficient"
    metrics = (Metric("latency_p99", 5e6, "ns"), Metric("latency_count", 5000, "count"))
    assert rule("latency_p99 < 10ms").evaluate(result_with([1.0], metrics)).status == "pass"


def test_derived_metrics_ticks_cv_and_throughput() -> None:
    r = result_with(np.full(300, 3.5))  # 3.5 ns at 2 ticks/ns: 7 ticks, resolved to one tick
    assert rule("ticks_p99 <= 8").evaluate(r).status == "pass"
    assert rule("ticks_p99 < 6").evaluate(r).status == "violated"
    # 7 ticks measured to +- half a tick cannot tell "< 7" apart
    assert rule("ticks_p99 < 7").evaluate(r).status == "unsure"
    assert rule("throughput > 200M/s").evaluate(r).status == "pass"
    assert rule("cv < 0.01").evaluate(r).status == "pass"


def test_byte_rates_are_judged_and_shown_with_their_unit() -> None:
    r = result_with(np.full(200, 20e6), (Metric("disk_read_rate", 516e3, "bytes_per_s"),))
    verdict = rule("disk_read_rate < 1MB/s").evaluate(r)
    assert verdict.status == "pass" and verdict.message == "disk_read_rate = 516 KB/s"
    assert rule("disk_read_rate < 1k/s").evaluate(r).status == "invalid"  # an event rate is not a byte rate
    assert format_value(516e3, "bytes_per_s") == "516 KB/s"


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
