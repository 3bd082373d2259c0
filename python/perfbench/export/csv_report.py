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
plot without reshaping. The README's "CSV columns" lists every column of the four files.

Impossible figures are flagged, not dropped: ``measurement_errors`` on a benchmark's rows and
``measurement_error`` on a metric's row say why the figure is an error of the measurement.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

from perfbench.analysis.plausibility import error_for
from perfbench.export.base import ReportData, report_file
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


def statistic_rows_for(run_id: int, result: BenchmarkResult) -> list[dict[str, object]]:
    """The tidy rows of one result's time statistics (none for a result without a measurement)."""
    if result.measurement is None:
        return []
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


class CsvExporter:
    extension = "csv"

    def write(self, report: ReportData, output_dir: Path) -> Path:
        path = report_file(report, output_dir, self.extension)
        with open(path, "w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=COLUMNS, lineterminator="\r\n", restval="")
            writer.writeheader()
            for result in report.results:
                writer.writerows(rows_for(report.run_id, result))
        with open(report_file(report, output_dir, self.extension, "metrics"), "w", newline="",
                  encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=METRIC_COLUMNS, lineterminator="\r\n", restval="")
            writer.writeheader()
            for result in report.results:
                writer.writerows(metric_rows_for(report.run_id, result, result.labels.get("sweep_param")))
        with open(report_file(report, output_dir, self.extension, "statistics"), "w", newline="",
                  encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=STATISTIC_COLUMNS, lineterminator="\r\n", restval="")
            writer.writeheader()
            for result in report.results:
                writer.writerows(statistic_rows_for(report.run_id, result))
        if report.verdicts:  # the SLO compliance matrix, one row per rule and benchmark
            with open(report_file(report, output_dir, self.extension, "sla"), "w", newline="",
                      encoding="utf-8") as handle:
                writer = csv.DictWriter(handle, fieldnames=VERDICT_COLUMNS, lineterminator="\r\n", restval="")
                writer.writeheader()
                writer.writerows(verdict_rows_for(report))
        return path
