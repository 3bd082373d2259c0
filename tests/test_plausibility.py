"""Every plausibility check finds its impossible figure in a constructed result, and stays
silent on a possible one; the error travels with the result through the store, and an SLA
rule on the figure is a MEASUREMENT ERROR, never a pass."""

from __future__ import annotations

import csv
import dataclasses
from pathlib import Path

import numpy as np
from perfbench.analysis.aggregate import assemble_result
from perfbench.analysis.plausibility import error_for, find_measurement_errors
from perfbench.definition.suite import BenchmarkDefinition, WorkloadTarget
from perfbench.export.base import ReportData
from perfbench.export.csv_report import CsvExporter
from perfbench.export.html_report import HtmlExporter
from perfbench.resources.environment import collect_environment
from perfbench.model import BenchmarkResult, IterationRecord, Measurement, MeasurementError, Metric
from perfbench.sla import rule, worst_severity
from perfbench.store import open_store

CPUS = 2


def measurement(samples, overhead_ns: float = 0.0, metrics=()) -> Measurement:
    return Measurement(samples_ns=np.asarray(samples, dtype=float), iterations_per_sample=1, overhead_ns=overhead_ns,
                       overhead_subtracted=overhead_ns > 0, clock="tsc", ticks_per_ns=2.0, metrics=metrics)


STEADY = np.random.default_rng(0).normal(100e6, 1e6, 200)


def result(metrics=(), samples=STEADY, overhead_ns: float = 0.0, baseline=None) -> BenchmarkResult:
    return BenchmarkResult(lane="heavy", benchmark="pool", kind="workload",
                           measurement=measurement(samples, overhead_ns),
                           metrics=tuple(metrics), baseline=baseline)


def checks_found(r: BenchmarkResult) -> list[tuple[str, tuple[str, ...]]]:
    return [(e.check, e.figures) for e in find_measurement_errors(r, CPUS)]


def test_possible_figures_raise_no_error() -> None:
    possible = [Metric("efficiency", 0.97, "ratio", 0.9, 1.02), Metric("pool_speedup", 1.94, "ratio", 1.8, 2.04),
                Metric("cpu_use", 1.99, "ratio"), Metric("cpu_avg", 0.45, "fraction"),
                Metric("cpu_max", 0.60, "fraction"), Metric("cpu_p95", 0.55, "fraction"),
                Metric("runtime_overhead", -2e3, "ns"), Metric("job_set_time", 1e7, "ns")]
    assert checks_found(result(possible)) == []


def test_an_efficiency_above_one_beyond_its_interval_is_an_error() -> None:
    impossible = [Metric("efficiency", 1.22, "ratio", 1.15, 1.30), Metric("pool_speedup", 4.89, "ratio", 4.6, 5.2)]
    found = find_measurement_errors(result(impossible), 8)
    assert [(e.check, e.figures) for e in found] == [("efficiency-above-one", ("efficiency", "pool_speedup"))]
    assert "1.22" in found[0].message and "1.15" in found[0].message


def test_an_efficiency_above_one_within_its_interval_is_noise() -> None:
    assert checks_found(result([Metric("efficiency", 1.01, "ratio", 0.98, 1.04)])) == []


def test_an_efficiency_above_one_without_an_interval_is_an_error() -> None:
    assert checks_found(result([Metric("efficiency", 1.01, "ratio")])) == [("efficiency-above-one", ("efficiency",))]


def test_a_speedup_above_the_cpu_count_is_an_error() -> None:
    found = find_measurement_errors(result([Metric("pool_speedup", 4.89, "ratio", 4.2, 5.3)]), CPUS)
    assert [(e.check, e.figures) for e in found] == [("speedup-above-cpus", ("pool_speedup",))]
    assert "2 CPU(s)" in found[0].message
    assert checks_found(result([Metric("cpu_use", 2.4, "ratio")])) == [("speedup-above-cpus", ("cpu_use",))]


def test_a_max_below_its_average_is_an_error() -> None:
    found = checks_found(result([Metric("cpu_avg", 0.475, "fraction"), Metric("cpu_max", 0.449, "fraction")]))
    assert found == [("max-below-average", ("cpu_max", "cpu_avg"))]
    peak = checks_found(result([Metric("rss_avg", 30e6, "bytes"), Metric("max_rss", 20e6, "bytes")]))
    assert peak == [("max-below-average", ("max_rss", "rss_avg"))]
    tail = checks_found(result([Metric("latency_p99", 9e3, "ns"), Metric("latency_max", 8e3, "ns")]))
    assert tail == [("max-below-average", ("latency_max", "latency_p99"))]


def test_a_negative_duration_is_an_error() -> None:
    # An overhead estimate larger than the body: the subtraction leaves most samples negative.
    samples = np.random.default_rng(2).normal(-0.2, 0.05, 300)
    (error,) = find_measurement_errors(result(samples=samples, overhead_ns=1.5), CPUS)
    assert error.check == "negative-duration" and {"median", "mean", "min"} <= set(error.figures)
    assert "timer overhead" in error.message
    assert checks_found(result([Metric("setup_time", -5.0, "ns")])) == [("negative-duration", ("setup_time",))]
    baseline = measurement(-np.abs(STEADY))
    assert checks_found(result([Metric("ratio", -1.0, "ratio")], baseline=baseline)) == [
        ("negative-duration", ("ratio",))]


def test_an_interval_that_excludes_its_estimate_is_an_error() -> None:
    found = checks_found(result([Metric("pool_speedup", 1.5, "ratio", 1.6, 1.9)]))
    assert found == [("interval-excludes-estimate", ("pool_speedup",))]
    # The median's own interval: statistics as a defective estimator could have made them.
    m = measurement(STEADY)
    stats = m.stats
    object.__setattr__(m, "_stats", dataclasses.replace(stats, ci_low=stats.median * 1.1, ci_high=stats.median * 1.2))
    broken = BenchmarkResult(lane="l", benchmark="b", kind="workload", measurement=m)
    assert checks_found(broken) == [("interval-excludes-estimate", ("median",))]


def test_an_sla_rule_on_an_impossible_figure_is_a_measurement_error_not_a_pass() -> None:
    impossible = result([Metric("efficiency", 1.22, "ratio", 1.15, 1.30)])
    impossible = dataclasses.replace(impossible, measurement_errors=find_measurement_errors(impossible, CPUS))
    verdict = rule("efficiency > 0.5").evaluate(impossible)
    assert verdict.status == "measurement-error" and verdict.label == "MEASUREMENT ERROR"
    assert verdict.measured is None and "1.22" in verdict.message
    assert worst_severity([verdict]) is None  # not a failed check: re-measure
    assert rule("median < 1s").evaluate(impossible).status == "pass"  # other figures are unaffected


def test_a_rule_finds_the_error_under_any_name_of_its_figure() -> None:
    error = MeasurementError("negative-duration", ("median", "mean"), "median -1 ns")
    r = dataclasses.replace(result(), measurement_errors=(error,))
    assert error_for(r, "p50") is error and error_for(r, "ticks_median") is error
    assert error_for(r, "throughput") is error and error_for(r, "p99") is None


def test_assembling_a_result_checks_it() -> None:
    definition = BenchmarkDefinition(name="pool", lane="heavy", target=WorkloadTarget("runtime.pool_efficiency"))
    m = measurement(STEADY, metrics=[{"name": "efficiency", "value": 1.22, "unit": "ratio", "ci_low": 1.15,
                                      "ci_high": 1.3}])
    assembled = assemble_result(definition, [IterationRecord(index=0, warmup=False, wall_ns=1e9, measurement=m)])
    assert [e.check for e in assembled.measurement_errors] == ["efficiency-above-one"]
    assert assembled.metric("efficiency").ci_low == 1.15


def test_measurement_errors_are_stored_with_the_result(tmp_path: Path) -> None:
    error = MeasurementError("max-below-average", ("cpu_max", "cpu_avg"), "cpu_max 0.449 is below cpu_avg 0.475")
    made = dataclasses.replace(result([Metric("cpu_avg", 0.475, "fraction"), Metric("cpu_max", 0.449, "fraction")]),
                               measurement_errors=(error,))
    # samples are stored once, in the iterations: the constructed measurement is one iteration's
    made = dataclasses.replace(made, iterations=(IterationRecord(index=0, warmup=False, wall_ns=0.0,
                                                                 measurement=made.measurement),))
    with open_store(tmp_path / "results.db") as store:
        run_id = store.begin_run({}, "test")
        store.finish_result(store.begin_result(run_id, made.lane, made.benchmark, made.kind, {}), made)
        (stored,) = store.results(run_id)
    assert stored.result.measurement_errors == (error,)


def test_reports_show_the_error_in_place_of_the_figure(tmp_path: Path) -> None:
    impossible = result([Metric("cpu_avg", 0.475, "fraction"), Metric("cpu_max", 0.449, "fraction"),
                         Metric("cpu_core_avg", 0.95, "ratio")])
    impossible = dataclasses.replace(impossible, measurement_errors=find_measurement_errors(impossible, CPUS))
    verdict = rule("cpu_max < 90%").evaluate(impossible)
    report = ReportData(run_id=1, started_at="now", status="complete", command="test",
                        environment=collect_environment(),
                        noise_warnings=(), results=(impossible,), verdicts=(verdict,))
    html = HtmlExporter().write(report, tmp_path).read_text()
    # value and interval of cpu_avg and cpu_max, not of cpu_core_avg
    assert html.count('<td class="measurement-error"') == 4
    assert "cpu_max 0.449 is below cpu_avg 0.475" in html and "MEASUREMENT ERROR" in html
    CsvExporter().write(report, tmp_path)
    with open(tmp_path / "perfbench-run-1-metrics.csv", newline="") as handle:
        flagged = {row["metric"]: row["measurement_error"] for row in csv.DictReader(handle)}
    assert flagged["cpu_core_avg"] == "" and "is below cpu_avg" in flagged["cpu_max"] and flagged["cpu_avg"]
