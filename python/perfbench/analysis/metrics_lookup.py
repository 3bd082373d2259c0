"""Naming the figures of a result: what ``p99``, ``ticks_p99``, ``throughput`` or a
workload's own ``latency_p99`` mean, in which unit, and from how many samples."""

from __future__ import annotations

import dataclasses
import re

from perfbench.model import BenchmarkResult
from perfbench.analysis.stats import SampleStats

_STAT_FIELDS = {
    "mean": "mean", "median": "median", "min": "min", "max": "max", "stdev": "stdev",
    "p50": "p50", "p90": "p90", "p95": "p95", "p99": "p99", "p99.9": "p999", "p999": "p999",
}
_PERCENTILE = re.compile(r"(?:^|_)p(?P<digits>[0-9]+(?:\.[0-9]+)?)$")

TIME_STATISTICS = tuple(_STAT_FIELDS)

# Per-call counts from the core's perf_event_open group (cpp/src/hardware_counters.cpp), each
# from the measurement's counter of that name, and their ratio.
HARDWARE_COUNTER_METRICS = {"instructions_per_op": "instructions", "cycles_per_op": "cycles",
                            "branch_misses_per_op": "branch_misses"}
INSTRUCTIONS_PER_CYCLE = "instructions_per_cycle"


@dataclasses.dataclass(frozen=True, slots=True)
class MetricValue:
    value: float
    unit: str
    sample_count: int | None  # how many observations a percentile was taken from, if known


def percentile_of(name: str) -> float | None:
    """The quantile a metric name denotes: p50 -> 0.5, p99.9 and p999 -> 0.999, else None."""
    match = _PERCENTILE.search(name)
    if not match:
        return None
    digits = match["digits"]
    if "." in digits:
        value = float(digits)
    elif len(digits) <= 2 or digits == "100":
        value = float(digits)
    else:  # p999 -> 99.9, p9999 -> 99.99
        value = float(digits[:2] + "." + digits[2:])
    return value / 100.0 if value <= 100 else None


def _from_stats(stats: SampleStats, name: str, unit: str) -> MetricValue | None:
    field = _STAT_FIELDS.get(name)
    if field is None:
        return None
    value = getattr(stats, field)
    return None if value is None else MetricValue(value, unit, stats.n)


def unmeasurable_reason(result: BenchmarkResult, name: str) -> str | None:
    """Why ``name`` could not be measured for this result, when it is a figure this machine
    cannot give (hardware counters without a PMU or permission), else None."""
    if name not in HARDWARE_COUNTER_METRICS and name != INSTRUCTIONS_PER_CYCLE:
        return None
    counters = result.measurement.counters if result.measurement is not None else {}
    if counters.get("available"):
        return None
    return str(counters.get("reason") or "the benchmark's measurement recorded no hardware counts")


def lookup_metric(result: BenchmarkResult, name: str) -> MetricValue | None:
    m = result.measurement
    if m is None:
        return None
    found = _from_stats(m.stats, name, "ns")
    if found:
        return found
    if name == "cv":
        return None if m.stats.cv is None else MetricValue(m.stats.cv, "ratio", m.stats.n)
    if name == "throughput":
        return MetricValue(1e9 / m.stats.mean, "per_s", m.stats.n) if m.stats.mean > 0 else None
    if name.startswith("ticks_") and m.ticks is not None:
        found = _from_stats(m.ticks, name.removeprefix("ticks_"), "ticks")
        if found:
            return found
    metric = result.metric(name)
    if metric is None:
        return None
    count = None
    match = _PERCENTILE.search(name)
    if match:
        counter = result.metric(name[: match.start()] + "_count") if match.start() > 0 else None
        count = int(counter.value) if counter else None
    return MetricValue(metric.value, metric.unit, count)
