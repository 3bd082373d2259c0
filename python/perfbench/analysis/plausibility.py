"""Figures that cannot be: an impossible figure is an error of the measurement, never a result.

A derived figure outside what arithmetic or the machine allows says that the measurement
went wrong, not that the code is fast: ``runtime.pool_efficiency.workers_4`` once read an
efficiency of 1.22 (a 4.89x speed-up on 2 CPUs), because its 1-thread reference got a
smaller share of a busy machine than the 4-thread pool it was compared with.

Each rule below is one check. ``find_measurement_errors`` runs them all where a result is
made (analysis/aggregate.py), and the result carries what they found
(``BenchmarkResult.measurement_errors``, stored with it). Verdicts refuse a rule on such a
figure (MEASUREMENT ERROR, never PASS), and the reports print the error in its place.

A figure with a confidence interval is impossible only when its whole interval is: noise
can carry the point estimate of a 0.99-efficient pool past 1, not a whole interval. A
figure without one is judged as it is, up to float rounding.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from perfbench.model import BenchmarkResult, MeasurementError, Metric

# Relative: how far float arithmetic may move a figure (a maximum that equals the average
# of one window may read a few ulps below it).
ROUNDING = 1e-9

# Parallel speed-ups and cores kept busy: bounded by the CPUs the benchmark could use.
CPU_BOUNDED = ("pool_speedup", "cpu_use", "reference_cpu_use")
# A speed-up per worker, at most 1, and the speed-up it was derived from.
EFFICIENCIES = {"efficiency": "pool_speedup"}
# Timing statistics, by the names SLA rules use; each must lie between min and max.
TIME_FIGURES = ("min", "median", "mean", "p90", "p95", "p99", "p999", "max")
# Names of ns figures that are the difference of two durations: noise may make them negative.
_DIFFERENCE_MARK = "overhead"
# What a rule may call a figure, and the name the checks give it.
_SYNONYMS = {"p50": "median", "p99.9": "p999", "throughput": "mean"}


def _exceeds(value: float, bound: float) -> bool:
    return value > bound + ROUNDING * max(1.0, abs(bound))


def _lowest(metric: Metric) -> float:
    """The lowest the figure can be: its interval's lower end, or the figure itself."""
    return metric.ci_low if metric.ci_low is not None else metric.value


def _shown(metric: Metric) -> str:
    interval = f" (95 % interval {metric.ci_low:.4g} – {metric.ci_high:.4g})" if metric.has_interval else ""
    return f"{metric.name} {metric.value:.4g}{interval}"


def efficiency_above_one(result: BenchmarkResult, cpus: int) -> Iterator[MeasurementError]:
    for name, speedup in EFFICIENCIES.items():
        metric = result.metric(name)
        if metric is not None and _exceeds(_lowest(metric), 1.0):
            figures = (name, speedup) if result.metric(speedup) else (name,)
            yield MeasurementError(
                "efficiency-above-one", figures,
                f"{_shown(metric)} is above 1: no pool does more than its workers' worth of work; "
                "the sequential reference ran under other conditions than the parallel run")


def speedup_above_cpus(result: BenchmarkResult, cpus: int) -> Iterator[MeasurementError]:
    for name in CPU_BOUNDED:
        metric = result.metric(name)
        if metric is not None and _exceeds(_lowest(metric), cpus):
            yield MeasurementError(
                "speedup-above-cpus", (name,),
                f"{_shown(metric)} is above the {cpus} CPU(s) this benchmark could use")


def _maxima(result: BenchmarkResult) -> Iterator[tuple[str, float, dict[str, float]]]:
    """Each maximum with the other figures of its distribution: the timing statistics, and
    a metric ``X_max`` (or ``max_X``) with ``X_avg``, ``X_mean`` and ``X_pNN`` of the same unit."""
    if result.measurement is not None:
        stats = result.measurement.stats
        yield "max", stats.max, {name: getattr(stats, name) for name in TIME_FIGURES if name != "max"}
    for metric in result.metrics:
        stem = (metric.name.removesuffix("_max") if metric.name.endswith("_max")
                else metric.name.removeprefix("max_") if metric.name.startswith("max_") else None)
        if not stem:
            continue
        others = {other.name: other.value for other in result.metrics
                  if other.unit == metric.unit and other.name.startswith(stem + "_")
                  and other.name.removeprefix(stem + "_") in ("avg", "mean", "p50", "p90", "p95", "p99", "p999")}
        yield metric.name, metric.value, others


def max_below_average(result: BenchmarkResult, cpus: int) -> Iterator[MeasurementError]:
    for name, maximum, others in _maxima(result):
        above = {other: value for other, value in others.items() if _exceeds(value, maximum)}
        if above:
            shown = ", ".join(f"{other} {value:.4g}" for other, value in above.items())
            yield MeasurementError("max-below-average", (name, *above),
                                   f"{name} {maximum:.4g} is below {shown} of the same figures: no maximum can be")


def negative_duration(result: BenchmarkResult, cpus: int) -> Iterator[MeasurementError]:
    m = result.measurement
    if m is not None:
        negative = [name for name in TIME_FIGURES if getattr(m.stats, name) < 0]
        if negative:
            why = (f"; the subtracted timer overhead ({m.overhead_ns:.4g} ns per iteration) is more than the "
                   "body costs" if m.overhead_subtracted else "")
            yield MeasurementError("negative-duration", tuple(negative),
                                   ", ".join(f"{name} {getattr(m.stats, name):.4g} ns" for name in negative)
                                   + f" per iteration: a negative duration{why}")
    if result.baseline is not None and result.baseline.median < 0:
        related = tuple(n for n in ("baseline_median", "ratio", "overhead", "speedup") if result.metric(n))
        yield MeasurementError("negative-duration", related,
                               f"the baseline's median {result.baseline.median:.4g} ns is a negative duration")
    for metric in result.metrics:
        if metric.unit == "ns" and _DIFFERENCE_MARK not in metric.name and metric.value < 0:
            yield MeasurementError("negative-duration", (metric.name,),
                                   f"{metric.name} {metric.value:.4g} ns is a negative duration")


def _outside(value: float, low: float, high: float) -> bool:
    return _exceeds(low, value) or _exceeds(value, high)


def interval_excludes_estimate(result: BenchmarkResult, cpus: int) -> Iterator[MeasurementError]:
    if result.measurement is not None:
        stats = result.measurement.stats
        if stats.ci_low is not None and stats.ci_high is not None and _outside(stats.median, stats.ci_low,
                                                                              stats.ci_high):
            yield MeasurementError(
                "interval-excludes-estimate", ("median",),
                f"the 95 % interval of the median, {stats.ci_low:.4g} – {stats.ci_high:.4g} ns, "
                f"excludes the median {stats.median:.4g} ns")
    for metric in result.metrics:
        if metric.has_interval and _outside(metric.value, metric.ci_low, metric.ci_high):  # type: ignore[arg-type]
            yield MeasurementError("interval-excludes-estimate", (metric.name,),
                                   f"{_shown(metric)}: the interval excludes its own estimate")


CHECKS: tuple[Callable[[BenchmarkResult, int], Iterator[MeasurementError]], ...] = (
    efficiency_above_one, speedup_above_cpus, max_below_average, negative_duration, interval_excludes_estimate,
)


def find_measurement_errors(result: BenchmarkResult, cpus: int) -> tuple[MeasurementError, ...]:
    """Every impossible figure of ``result``, measured where ``cpus`` CPUs were usable."""
    return tuple(error for check in CHECKS for error in check(result, cpus))


def error_for(result: BenchmarkResult, figure: str) -> MeasurementError | None:
    """The measurement error that makes ``figure`` (as an SLA rule names it) unusable, if any."""
    if figure.startswith("ticks_"):  # the same statistics, in clock ticks
        figure = figure.removeprefix("ticks_")
    figure = _SYNONYMS.get(figure, figure)
    return next((error for error in result.measurement_errors if figure in error.figures), None)
