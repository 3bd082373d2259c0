"""Every metric name an SLA rule can judge, with its unit: the one table the rule parser
checks names and units against, so that a typo (``medain < 1s``) is refused where it is
written, with a did-you-mean, instead of running everything and failing as INVALID RULE.

Three kinds of name:

* statistics of the samples (``median``, ``p99``, ``p99.9``, any ``pNN``, ``ticks_*``) and
  figures derived from them (``cv``, ``throughput``, ``interference``);
* figures the runner measures around any benchmark: resources, command rusage, setup,
  a baseline comparison, a sweep's growth fit (``KNOWN``);
* figures a built-in C++ workload reports about itself (``latency_p99``,
  ``throughput_msgs_per_s``): free-form, known only to the workload, so a rule on a
  workload benchmark may name anything; the result says at run time if it is missing.

``tests/test_metric_names.py`` runs real benchmarks and checks that every figure they
produce is in this table: a new figure without an entry fails there.
"""

from __future__ import annotations

import difflib
import re

# Statistics of the samples, in ns per iteration (see analysis/metrics_lookup).
TIME_STATISTICS = ("mean", "median", "min", "max", "stdev", "p50", "p90", "p95", "p99", "p99.9", "p999")
PERCENTILE_NAME = re.compile(r"^p[0-9]+(\.[0-9]+)?$")

KNOWN: dict[str, str] = {
    **{name: "ns" for name in TIME_STATISTICS},
    # derived from the samples
    "cv": "ratio", "throughput": "per_s", "interference": "fraction",
    # the runner, around every benchmark
    "error_rate": "fraction", "setup_time": "ns",
    # the resource sampler (resources/resource_sampler.py, ResourceSummary.metrics)
    "cpu_avg": "fraction", "cpu_max": "fraction", "cpu_p95": "fraction", "cpu_core_avg": "ratio",
    "system_cpu_avg": "fraction", "machine_steal_avg": "fraction", "rss_avg": "bytes", "rss_p95": "bytes", "max_rss": "bytes",
    # (disk bytes are the benchmark's process tree's; network bytes are the whole machine's)
    "disk_read_bytes": "bytes", "disk_write_bytes": "bytes",
    "disk_read_rate": "bytes_per_s", "disk_write_rate": "bytes_per_s",
    "machine_net_sent_bytes": "bytes", "machine_net_recv_bytes": "bytes",
    "machine_net_sent_rate": "bytes_per_s", "machine_net_recv_rate": "bytes_per_s",
    "ctx_switches": "count", "threads_max": "count", "sampler_cpu": "fraction",
    "rss_growth_per_iteration": "bytes",
    # commands: the launcher's wait4 rusage
    "cpu_user_time": "ns", "cpu_system_time": "ns", "io_read_bytes": "bytes", "io_write_bytes": "bytes",
    # a side-by-side baseline
    "baseline_median": "ns", "ratio": "ratio", "overhead": "fraction", "speedup": "ratio",
    # a sweep's growth fit (a Python benchmark's numeric parameter, or a built-in sweep)
    "exponent": "ratio", "r_squared": "ratio",
    # the work per call a Python benchmark declares (items=..., bytes=...) over time per call
    "items_per_s": "per_s", "bytes_per_s": "bytes_per_s",
    # what one call of a Python benchmark allocates (the worker's allocation-counting pass)
    "alloc_bytes_per_op": "bytes", "alloc_blocks_per_op": "count",
    # hardware counters per call (perf_event_open), where the machine has them
    "instructions_per_op": "count", "cycles_per_op": "count", "branch_misses_per_op": "count",
    "instructions_per_cycle": "ratio",
    # a load test (load/stored.py): the statistics above are its requests' corrected latency
    **{f"latency_{s}": "ns" for s in ("min", "p50", "p90", "p95", "p99", "p999", "max", "mean")},
    "latency_count": "count", "uncorrected_p50": "ns", "uncorrected_p99": "ns", "uncorrected_p999": "ns",
    "uncorrected_max": "ns", "uncorrected_count": "count", "lag_p50": "ns", "lag_p99": "ns", "lag_max": "ns",
    "rate": "per_s", "target_rate": "per_s", "rate_of_target": "fraction", "rate_limited_share": "fraction",
    "other_error_rate": "fraction",
    "requests": "count", "client_cpu_per_request": "ns", "generator_rss_growth": "fraction",
    "server_rss_growth": "fraction", "recovery_time": "ns",
}


def unit_of(metric: str) -> str | None:
    """The unit the runner reports ``metric`` in, or None for a name it does not report
    itself (a workload's own figure, or a typo)."""
    if metric in KNOWN:
        return KNOWN[metric]
    if PERCENTILE_NAME.match(metric):
        return "ns"
    if metric.startswith("ticks_"):
        statistic = metric.removeprefix("ticks_")
        if statistic in TIME_STATISTICS or PERCENTILE_NAME.match(statistic):
            return "ticks"
    return None


def did_you_mean(metric: str) -> str | None:
    close = difflib.get_close_matches(metric, list(KNOWN) + [f"ticks_{s}" for s in TIME_STATISTICS], n=1,
                                      cutoff=0.6)
    return close[0] if close else None
