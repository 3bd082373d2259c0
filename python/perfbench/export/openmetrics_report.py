"""OpenMetrics text (Prometheus' exposition format), for an operations team's dashboards and
alerts: gauges for every benchmark statistic, and a state set per SLA verdict, each labelled
by lane, benchmark, run and host.

* ``perfbench_benchmark_seconds{statistic=...}``: the time per iteration (median, mean,
  min, max, stdev, p50, p90, p95, p99, p99.9, and the median's 95 % interval as
  ``median_ci95_low`` / ``median_ci95_high`` where the samples support one), in seconds as
  OpenMetrics asks (not for a load benchmark: see below);
* ``perfbench_benchmark_samples``: how many samples the figures stand on;
* ``perfbench_benchmark_failed``: 1 for a benchmark that could not run (crash, timeout,
  exception), 0 otherwise;
* ``perfbench_sla_verdict``: a state set per rule, one sample per outcome with 1 on the one
  the rule came to (pass, warning, error, critical, unsure, insufficient, not-evaluated,
  not-measurable, invalid, measurement-error);

for each load benchmark (kind ``load``; export/load_figures.py):

* ``perfbench_load_latency_seconds{kind="corrected|uncorrected",quantile=...}``: the latency
  spectrum over every request of its counted iterations (quantile 0 is the minimum, 1 the
  maximum);
* ``perfbench_load_rate{kind="achieved|target"}``: responses per second, and the schedule's
  rate (absent for a closed loop);
* ``perfbench_load_errors{kind=...}``: requests that failed, by kind (connect_refused,
  connect_failed, reset, timeout, malformed, rate_limited, status_4xx, status_5xx, cancelled),
  and ``perfbench_load_error_ratio``: the share of finished requests that failed;
* ``perfbench_load_send_lag_seconds{quantile="0.5|0.99|1"}``: how late the generator sent;
* ``perfbench_load_memory_growth_ratio{process="generator|server"}``: RSS growth after the
  warm-up (where enough samples were taken);
* ``perfbench_load_valid``: 1 when every iteration was a valid measurement of the server, 0
  when one was not (generator-bound);

with a comparison (``report --baseline NAME`` / ``--compare RUN``), labelled also by
``base_run``:

* ``perfbench_change_ratio{bound=...}``: the change of the median, current / base - 1
  (``estimate``), with its 95 % interval (``ci95_low`` / ``ci95_high``) where it has one;
* ``perfbench_regression_verdict``: a state set per benchmark over the comparison's verdicts
  (slower, unsure, faster, same, only-in-base, only-in-current, not-compared).

``host`` is the run's host id (``resources.host_fingerprint``), the one ``compare`` refuses
to mix. Label values are escaped as the format requires (backslash, double quote, newline).
"""

from __future__ import annotations

import math
from pathlib import Path

from perfbench.analysis.comparison import STATUSES
from perfbench.export.base import ReportData, write_text_report
from perfbench.export.load_figures import all_load_figures
from perfbench.model import BenchmarkResult
from perfbench.resources.host_fingerprint import describes_a_host, host_fingerprint, host_id
from perfbench.sla import Verdict

VERDICT_STATES = ("pass", "warning", "error", "critical", "unsure", "insufficient", "not-evaluated",
                  "not-measurable", "invalid", "measurement-error")
_STATISTICS = ("median", "mean", "min", "max", "stdev", "p50", "p90", "p95", "p99", "p999")


def _escaped(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _labels(**labels: str) -> str:
    return "{" + ",".join(f'{name}="{_escaped(value)}"' for name, value in labels.items()) + "}"


def _number(value: float) -> str:
    return repr(float(value)) if math.isfinite(value) else ("NaN" if math.isnan(value) else
                                                             ("+Inf" if value > 0 else "-Inf"))


def _state(verdict: Verdict) -> str:
    return verdict.severity if verdict.status == "violated" and verdict.severity else verdict.status


def _statistics(result: BenchmarkResult) -> list[tuple[str, float]]:
    """Time per iteration; none for a load benchmark, whose samples are window medians (its
    latencies are ``perfbench_load_latency_seconds``)."""
    measurement = result.measurement
    if measurement is None or result.kind == "load":
        return []
    stats = measurement.stats
    figures = [(name if name != "p999" else "p99.9", getattr(stats, name)) for name in _STATISTICS]
    if stats.ci_low is not None and stats.ci_high is not None:
        figures += [("median_ci95_low", stats.ci_low), ("median_ci95_high", stats.ci_high)]
    return [(name, value / 1e9) for name, value in figures if value is not None]


def report_host(report: ReportData) -> str:
    """The run's host id, or "unknown" for a run that recorded no host (an import)."""
    return host_id(host_fingerprint(report.environment)) if describes_a_host(report.environment) else "unknown"


def _quantile(percentile: float) -> str:
    return f"{percentile / 100:g}"


def _load_lines(report: ReportData, run: str, host: str) -> list[str]:
    loads = all_load_figures(report.results)
    if not loads:
        return []
    families: dict[str, list[str]] = {
        "perfbench_load_latency_seconds": ["# TYPE perfbench_load_latency_seconds gauge",
                                           "# UNIT perfbench_load_latency_seconds seconds",
                                           "# HELP perfbench_load_latency_seconds Load test latency per request, "
                                           "corrected (from the intended send time) and uncorrected."],
        "perfbench_load_rate": ["# TYPE perfbench_load_rate gauge",
                                "# HELP perfbench_load_rate Load test responses per second (achieved) and the "
                                "schedule's rate (target)."],
        "perfbench_load_errors": ["# TYPE perfbench_load_errors gauge",
                                  "# HELP perfbench_load_errors Load test requests that failed, by kind."],
        "perfbench_load_error_ratio": ["# TYPE perfbench_load_error_ratio gauge",
                                       "# HELP perfbench_load_error_ratio Share of finished load test requests "
                                       "that failed."],
        "perfbench_load_send_lag_seconds": ["# TYPE perfbench_load_send_lag_seconds gauge",
                                            "# UNIT perfbench_load_send_lag_seconds seconds",
                                            "# HELP perfbench_load_send_lag_seconds How late the load generator sent "
                                            "its requests."],
        "perfbench_load_memory_growth_ratio": ["# TYPE perfbench_load_memory_growth_ratio gauge",
                                               "# HELP perfbench_load_memory_growth_ratio RSS growth after the "
                                               "warm-up, of the load generator and of the built-in server."],
        "perfbench_load_valid": ["# TYPE perfbench_load_valid gauge",
                                 "# HELP perfbench_load_valid 1 if every iteration measured the server, 0 if the "
                                 "load generator could not keep its schedule."],
    }
    for f in loads:
        labels = dict(lane=f.lane, benchmark=f.benchmark, run=run, host=host)
        latency = families["perfbench_load_latency_seconds"]
        for kind, values in (("corrected", f.corrected_ns), ("uncorrected", f.uncorrected_ns)):
            latency += [f"perfbench_load_latency_seconds{_labels(**labels, kind=kind, quantile=_quantile(p))} "
                        f"{_number(value / 1e9)}" for p, value in zip(f.percentiles, values)]
        rates = [("achieved", f.achieved_rate)] + ([("target", f.target_rate)] if f.target_rate is not None else [])
        families["perfbench_load_rate"] += [f"perfbench_load_rate{_labels(**labels, kind=kind)} {_number(value)}"
                                            for kind, value in rates]
        families["perfbench_load_errors"] += [f"perfbench_load_errors{_labels(**labels, kind=kind)} {count}"
                                              for kind, count in f.errors.items()]
        families["perfbench_load_error_ratio"].append(f"perfbench_load_error_ratio{_labels(**labels)} "
                                                      f"{_number(f.error_rate)}")
        families["perfbench_load_send_lag_seconds"] += [
            f"perfbench_load_send_lag_seconds{_labels(**labels, quantile=quantile)} {_number(value / 1e9)}"
            for quantile, value in (("0.5", f.lag_p50_ns), ("0.99", f.lag_p99_ns), ("1", f.lag_max_ns))]
        families["perfbench_load_memory_growth_ratio"] += [
            f"perfbench_load_memory_growth_ratio{_labels(**labels, process=process)} {_number(growth)}"
            for process, growth in (("generator", f.generator_growth), ("server", f.server_growth))
            if growth is not None]
        families["perfbench_load_valid"].append(f"perfbench_load_valid{_labels(**labels)} {int(f.verdict == 'valid')}")
    # a family none of the benchmarks has a figure for (memory growth, too few samples) is left out
    return [line for lines in families.values() if not lines[-1].startswith("#") for line in lines]


def _comparison_lines(report: ReportData, run: str, host: str) -> list[str]:
    if report.comparison is None:
        return []
    base_run = str(report.comparison.base.run.id)
    lines = ["# TYPE perfbench_change_ratio gauge",
             "# HELP perfbench_change_ratio Change of the median against the base run (current / base - 1)."]
    states = ["# TYPE perfbench_regression_verdict stateset",
              "# HELP perfbench_regression_verdict What each benchmark's comparison with the base run came to."]
    for verdict in report.comparison.verdicts:
        labels = dict(lane=verdict.lane, benchmark=verdict.benchmark, run=run, host=host, base_run=base_run)
        for bound, value in (("estimate", verdict.change), ("ci95_low", verdict.low), ("ci95_high", verdict.high)):
            if value is not None:
                lines.append(f"perfbench_change_ratio{_labels(**labels, bound=bound)} {_number(value)}")
        states += [f"perfbench_regression_verdict{_labels(**labels, perfbench_regression_verdict=state)} "
                   f"{int(state == verdict.status)}" for state in STATUSES]
    return lines + states


def openmetrics(report: ReportData) -> str:
    """The report as OpenMetrics text, ``# EOF`` included."""
    host = report_host(report)
    run = str(report.run_id)
    labels = {result.key: dict(lane=result.lane, benchmark=result.benchmark, run=run, host=host)
              for result in report.results}
    lines = ["# TYPE perfbench_benchmark_seconds gauge", "# UNIT perfbench_benchmark_seconds seconds",
             "# HELP perfbench_benchmark_seconds Time per iteration, by statistic."]
    lines += [f"perfbench_benchmark_seconds{_labels(**labels[result.key], statistic=statistic)} {_number(value)}"
              for result in report.results for statistic, value in _statistics(result)]
    lines += ["# TYPE perfbench_benchmark_samples gauge",
              "# HELP perfbench_benchmark_samples Samples the figures stand on."]
    lines += [f"perfbench_benchmark_samples{_labels(**labels[result.key])} {result.measurement.stats.n}"
              for result in report.results if result.measurement is not None]
    lines += ["# TYPE perfbench_benchmark_failed gauge",
              "# HELP perfbench_benchmark_failed 1 if the benchmark could not run."]
    lines += [f"perfbench_benchmark_failed{_labels(**labels[result.key])} {int(result.could_not_run)}"
              for result in report.results]
    lines += ["# TYPE perfbench_sla_verdict stateset",
              "# HELP perfbench_sla_verdict What each SLA rule came to."]
    for verdict in report.verdicts:
        lane, _, benchmark = verdict.benchmark.partition("/")
        reached = _state(verdict)
        for state in VERDICT_STATES:
            lines.append("perfbench_sla_verdict" + _labels(lane=lane, benchmark=benchmark, rule=verdict.rule,
                                                           run=run, host=host, perfbench_sla_verdict=state)
                         + f" {int(state == reached)}")
    lines += _load_lines(report, run, host)
    lines += _comparison_lines(report, run, host)
    lines.append("# EOF")
    return "\n".join(lines) + "\n"


class OpenMetricsExporter:
    extension = "prom"

    def write(self, report: ReportData, output_dir: Path) -> Path:
        return write_text_report(report, output_dir, self.extension, openmetrics(report))
