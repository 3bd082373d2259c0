"""CSV (RFC 4180: CRLF line ends, quoted when needed), one row per benchmark x statistic set.

The statistic sets are ``ns`` (per iteration, always) and ``ticks`` (per iteration, when a
cycle counter took the samples). A failed benchmark has one row with its reason and empty
statistics, so a spreadsheet shows it rather than silently missing it.

``ci95_low``/``ci95_high`` are the median's 95 % interval (``mean_ci95_*``, ``p99_ci95_*``
the mean's and p99's; empty where the samples support none) and ``interval_from`` says
where its noise was measured; ``interference`` counts the samples an interrupt or a
preemption landed in.

A second file, ``...-metrics.csv``, holds every other figure in long form (one row per
benchmark x metric: workload figures, resource aggregates, growth fits, baseline ratios,
throughput in the benchmark's own units, allocations and hardware counts per call, sweep
points), with the 95 % interval where one is known, since those differ from benchmark to
benchmark. A third, ``...-sla.csv``, is the SLO compliance matrix: one row per rule and
benchmark, with the figure's interval, the verdict, what would settle an UNSURE one and what
disturbed the measurement.

A fourth, ``...-statistics.csv``, is the tidy form of the time statistics: one row per run x
benchmark x statistic (mean, median, stdev, min, max, p50, p90, p95, p99, p99.9, mad), the
unit in the column names (``value_ns``, ``ci95_low_ns``, ``ci95_high_ns``: the statistic's
95 % interval where the samples support one), ready for ``pandas.read_csv`` and a pivot or a
plot without reshaping. A load benchmark's rows are its latency spectra over every request
instead (min, p50 ... p99.99, max corrected; the same prefixed ``uncorrected_``).

A fifth, ``...-load-timeline.csv``, written when the run has load benchmarks: one row per load
benchmark x iteration x second, with every column of the load test's timeline (requests
scheduled, sent, answered, by status class and error kind; the window's corrected,
uncorrected and send-lag percentiles in ns; its rate and error rate). The README's "CSV
columns" lists every column of the five files.

Impossible figures are flagged, not dropped: ``measurement_errors`` on a benchmark's rows and
``measurement_error`` on a metric's row say why the figure is an error of the measurement.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

from perfbench.analysis.plausibility import error_for
from perfbench.export.base import ReportData, report_file
from perfbench.export.load_figures import LoadFigures, all_load_figures, load_figures
from perfbench.load.result import percentile_label
from perfbench.model import BenchmarkResult
from perfbench.analysis.stats import SampleStats

COLUMNS = (
    "run_id", "lane", "benchmark", "kind", "params", "status", "failure_kind", "failure_message",
    "unit", "n", "mean", "median", "stdev", "min", "max", "p50", "p90", "p95", "p99", "p99.9",
    "mad", "cv", "robust_cv", "ci95_low", "ci95_high", "mean_ci95_low", "mean_ci95_high", "p99_ci95_low",
    "p99_ci95_high", "interval_from", "interference", "outliers_low_severe", "outliers_low_mild",
    "outliers_high_mild", "outliers_high_severe", "iterations_per_sample", "overhead_ns",
    "overhead_subtracted", "loop_overhead_ns", "clock", "ticks_per_ns", "measurement_errors",
)


def _stat_columns(stats: SampleStats) -> dict[str, object]:
    o = stats.outliers
    return {
        "n": stats.n, "mean": stats.mean, "median": stats.median, "stdev": stats.stdev, "min": stats.min,
        "max": stats.max, "p50": stats.p50, "p90": stats.p90, "p95": stats.p95, "p99": stats.p99,
        "p99.9": stats.p999, "mad": stats.mad, "cv": stats.cv, "ci95_low": stats.ci_low,
        "ci95_high": stats.ci_high, "robust_cv": stats.robust_cv,
        **{f"{name}_ci95_{end}": bounds[index] if bounds else None for name in ("mean", "p99")
           for bounds in [stats.interval(name)] for index, end in enumerate(("low", "high"))},
        "interval_from": stats.noise, "interference": stats.interference,
        "outliers_low_severe": o.low_severe, "outliers_low_mild": o.low_mild,
        "outliers_high_mild": o.high_mild, "outliers_high_severe": o.high_severe,
    }


def rows_for(run_id: int, result: BenchmarkResult) -> list[dict[str, object]]:
    base: dict[str, object] = {
        "run_id": run_id, "lane": result.lane, "benchmark": result.benchmark, "kind": result.kind,
        "params": json.dumps(dict(result.params), sort_keys=True) if result.params else "",
        "status": "ok" if result.ok else "failed",
        "failure_kind": result.failure.kind if result.failure else "",
        "failure_message": result.failure.message if result.failure else "",
        # Impossible figures (analysis/plausibility.py): the row's figures they name are not results.
        "measurement_errors": " | ".join(f"{e.check}: {e.message}" for e in result.measurement_errors),
    }
    m = result.measurement
    if m is None:
        return [base]
    base.update({"iterations_per_sample": m.iterations_per_sample, "overhead_ns": m.overhead_ns,
                 "overhead_subtracted": m.overhead_subtracted, "loop_overhead_ns": m.loop_overhead_ns, "clock": m.clock, "ticks_per_ns": m.ticks_per_ns})
    rows = [{**base, "unit": "ns", **_stat_columns(m.stats)}]
    if m.ticks is not None:
        rows.append({**base, "unit": "ticks", **_stat_columns(m.ticks)})
    return rows


METRIC_COLUMNS = ("run_id", "lane", "benchmark", "metric", "value", "unit", "ci95_low", "ci95_high", "sweep_param",
                  "sweep_value", "measurement_error")


def metric_rows_for(run_id: int, result: BenchmarkResult, sweep_param: str | None) -> list[dict[str, object]]:
    base = {"run_id": run_id, "lane": result.lane, "benchmark": result.benchmark}
    rows = [{**base, "metric": m.name, "value": m.value, "unit": m.unit, "ci95_low": m.ci_low, "ci95_high": m.ci_high,
             "measurement_error": error.message if (error := error_for(result, m.name)) else ""}
            for m in result.metrics]
    for point in result.sweep:
        figures = [("median", point.measurement.median, "ns")]
        figures += [(m["name"], m["value"], m["unit"]) for m in point.measurement.metrics]
        rows += [{**base, "metric": name, "value": value, "unit": unit, "sweep_param": sweep_param or "",
                  "sweep_value": point.value} for name, value, unit in figures]
    return rows


STATISTIC_COLUMNS = ("run_id", "lane", "benchmark", "statistic", "value_ns", "ci95_low_ns", "ci95_high_ns",
                     "samples", "interval_from", "measurement_error")
_TIDY_STATISTICS = (("mean", "mean"), ("median", "median"), ("stdev", "stdev"), ("min", "min"), ("max", "max"),
                    ("p50", "p50"), ("p90", "p90"), ("p95", "p95"), ("p99", "p99"), ("p99.9", "p999"), ("mad", "mad"))


def load_statistic_rows(run_id: int, result: BenchmarkResult, figures: LoadFigures) -> list[dict[str, object]]:
    """A load benchmark's tidy rows: its spectra over every request (``p99``: corrected, as its SLA
    rules read it; ``uncorrected_p99``), not statistics of its samples (window medians), which
    would say "p99" of a figure that is not a latency's p99. The interval is the load metric's
    (between 1 s windows) where it has one."""
    metrics = {m.name: m for m in result.metrics}
    rows = []
    for prefix, metric_prefix, values in (("", "latency_", figures.corrected_ns),
                                          ("uncorrected_", "uncorrected_", figures.uncorrected_ns)):
        count = metrics.get(f"{metric_prefix}count")
        for percentile, value in zip(figures.percentiles, values):
            statistic = prefix + percentile_label(percentile)
            metric = metrics.get(metric_prefix + percentile_label(percentile).replace(".", ""))
            bounded = metric is not None and metric.has_interval
            error = error_for(result, statistic)
            rows.append({"run_id": run_id, "lane": result.lane, "benchmark": result.benchmark, "statistic": statistic,
                         "value_ns": value, "ci95_low_ns": metric.ci_low if bounded else None,  # type: ignore[union-attr]
                         "ci95_high_ns": metric.ci_high if bounded else None,  # type: ignore[union-attr]
                         "samples": int(count.value) if count is not None else None,
                         "interval_from": metric.noise if bounded else "",  # type: ignore[union-attr]
                         "measurement_error": error.message if error else ""})
    return rows


def statistic_rows_for(run_id: int, result: BenchmarkResult) -> list[dict[str, object]]:
    """The tidy rows of one result's time statistics (none for a result without a measurement;
    a load benchmark's spectra, ``load_statistic_rows``)."""
    if result.measurement is None:
        return []
    figures = load_figures(result)
    if figures is not None:
        return load_statistic_rows(run_id, result, figures)
    stats = result.measurement.stats
    rows = []
    for name, attribute in _TIDY_STATISTICS:
        bounds = stats.interval(attribute)
        error = error_for(result, attribute)
        rows.append({"run_id": run_id, "lane": result.lane, "benchmark": result.benchmark, "statistic": name,
                     "value_ns": getattr(stats, attribute), "ci95_low_ns": bounds[0] if bounds else None,
                     "ci95_high_ns": bounds[1] if bounds else None, "samples": stats.n,
                     "interval_from": stats.noise if bounds else "", "measurement_error": error.message if error else ""})
    return rows


VERDICT_COLUMNS = ("run_id", "benchmark", "rule", "expression", "metric", "measured", "unit", "ci95_low", "ci95_high",
                   "interval_from", "status", "label", "severity", "between", "settle", "environment", "message")


def verdict_rows_for(report: ReportData) -> list[dict[str, object]]:
    return [{"run_id": report.run_id, "benchmark": v.benchmark, "rule": v.rule, "expression": v.expression,
             "metric": v.metric, "measured": v.measured, "unit": v.unit, "ci95_low": v.low, "ci95_high": v.high,
             "interval_from": v.noise, "status": v.status, "label": v.label, "severity": v.severity,
             "between": "-".join(v.between) if v.between else "", "settle": v.settle,
             "environment": v.environment, "message": v.message} for v in report.verdicts]


LOAD_TIMELINE_COLUMNS = (
    "run_id", "lane", "benchmark", "iteration", "second", "span_s", "scheduled", "sent", "completed", "ok",
    "rate_limited", "status_1xx", "status_2xx", "status_3xx", "status_4xx", "status_5xx", "connect_refused",
    "connect_failed", "reset", "timeout", "malformed", "cancelled", "waited_for_connection", "connections_opened",
    "corrected_p50", "corrected_p99", "uncorrected_p50", "uncorrected_p99", "lag_p50", "lag_p99", "lag_max", "rate",
    "error_rate")


def load_timeline_rows(report: ReportData) -> list[dict[str, object]]:
    """Every load benchmark's per-second rows, each iteration's in turn (a column the record
    lacks, from an older engine, stays empty)."""
    return [{**{k: v for k, v in row.items() if k in LOAD_TIMELINE_COLUMNS}, "run_id": report.run_id,
             "lane": figures.lane, "benchmark": figures.benchmark}
            for figures in all_load_figures(report.results) for row in figures.timeline]


def _write_rows(path: Path, columns: tuple[str, ...], rows: list[dict[str, object]]) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, lineterminator="\r\n", restval="")
        writer.writeheader()
        writer.writerows(rows)
    return path


class CsvExporter:
    extension = "csv"

    def write(self, report: ReportData, output_dir: Path) -> Path:
        def part(name: str = "") -> Path:
            return report_file(report, output_dir, self.extension, name)

        results = report.results
        path = _write_rows(part(), COLUMNS, [row for r in results for row in rows_for(report.run_id, r)])
        _write_rows(part("metrics"), METRIC_COLUMNS, [row for r in results for row in
                                                      metric_rows_for(report.run_id, r, r.labels.get("sweep_param"))])
        _write_rows(part("statistics"), STATISTIC_COLUMNS,
                    [row for r in results for row in statistic_rows_for(report.run_id, r)])
        if report.verdicts:  # the SLO compliance matrix, one row per rule and benchmark
            _write_rows(part("sla"), VERDICT_COLUMNS, verdict_rows_for(report))
        timeline = load_timeline_rows(report)
        if timeline:
            _write_rows(part("load-timeline"), LOAD_TIMELINE_COLUMNS, timeline)
        return path
