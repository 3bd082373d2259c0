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
    low: float | None = None  # the value's 95 % interval, when one could be estimated
    high: float | None = None
    noise: str = ""  # where the interval's noise came from, or why there is none
    noise_kind: str = "single"  # processes | batches | independent | single | extreme (see analysis/intervals)
    noise_units: int = 1  # the processes, batches or runs the interval stands on
    # A statistic of the samples that needs an interval to be judged (a percentile, the
    # median ...): without one the samples are too few. A figure the workload reported once,
    # or an observed extreme, is judged on its value and says it had no interval.
    needs_interval: bool = False

    @property
    def has_interval(self) -> bool:
        return self.low is not None


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


_EXTREMES = ("min", "max")


def _from_stats(stats: SampleStats, name: str, unit: str) -> MetricValue | None:
    field = _STAT_FIELDS.get(name)
    if field is None:
        return None
    value = getattr(stats, field)
    if value is None:
        return None
    if field in _EXTREMES:
        return MetricValue(value, unit, stats.n, noise=f"the observed {field} of {stats.n} samples (no interval)",
                           noise_kind="extreme", noise_units=stats.n)
    bounds = stats.interval(field)
    return MetricValue(value, unit, stats.n, *(bounds or (None, None)), noise=stats.noise,
                       noise_kind=stats.noise_kind, noise_units=stats.noise_units, needs_interval=True)


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
    if result.kind == "load":
        # A load test's statistics are its requests' (every request pooled), not those of its
        # samples (each 1 s window's p99): see load/stored.py.
        from perfbench.load.stored import LATENCY_NAMES

        name = LATENCY_NAMES.get(name, name)
        if result.metric(name) is None:
            return None
        return _from_metric(result, name)
    stats = m.stats
    found = _from_stats(stats, name, "ns")
    if found:
        return found
    if name == "cv":
        if stats.cv is None:
            return None
        return MetricValue(stats.cv, "ratio", stats.n, *(stats.interval("cv") or (None, None)), noise=stats.noise,
                           noise_kind=stats.noise_kind, noise_units=stats.noise_units, needs_interval=True)
    if name == "interference":  # share of samples an interrupt or preemption landed in
        return MetricValue(stats.interference / stats.n, "fraction", stats.n, noise="a count over all samples",
                           noise_kind="single", noise_units=stats.n)
    if name == "throughput":
        if stats.mean <= 0:
            return None
        bounds = stats.interval("mean")
        low, high = (1e9 / bounds[1], 1e9 / bounds[0]) if bounds and bounds[0] > 0 else (None, None)
        return MetricValue(1e9 / stats.mean, "per_s", stats.n, low, high, noise=stats.noise,
                           noise_kind=stats.noise_kind, noise_units=stats.noise_units, needs_interval=True)
    if name.startswith("ticks_") and m.ticks is not None:
        found = _from_stats(m.ticks, name.removeprefix("ticks_"), "ticks")
        if found:
            return found
    if result.metric(name) is None:
        return None
    return _from_metric(result, name)


def _from_metric(result: BenchmarkResult, name: str) -> MetricValue:
    metric = result.metric(name)
    assert metric is not None
    count = None
    match = _PERCENTILE.search(name)
    if match:
        counter = result.metric(name[: match.start()] + "_count") if match.start() > 0 else None
        count = int(counter.value) if counter else None
    if metric.has_interval:
        units = len(result.counted_iterations) or 1
        return MetricValue(metric.value, metric.unit, count, metric.ci_low, metric.ci_high,
                           noise=metric.noise or f"between {units} iterations", noise_kind="processes",
                           noise_units=units)
    return MetricValue(metric.value, metric.unit, count, noise="one observation (no interval)")
