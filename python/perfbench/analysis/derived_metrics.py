"""Figures a result carries beyond its timing statistics, derived from what the worker
measured: the workload's own metrics, a sweep's growth fit, a comparison with a baseline,
throughput in the benchmark's own units, hardware counts per call. Each gets a 95 %
interval where independent repetitions make one honest (analysis/group_spread.py)."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence

import numpy as np

from perfbench.analysis.group_spread import interval_around
from perfbench.analysis.intervals import figure_over_repeats, t_interval
from perfbench.analysis.metrics_lookup import HARDWARE_COUNTER_METRICS, INSTRUCTIONS_PER_CYCLE
from perfbench.analysis.scaling import GrowthFit, fit_growth
from perfbench.model import Measurement, Metric, SweepPoint


def workload_metrics(measurements: Sequence[Measurement], processes: Sequence[int]) -> list[Metric]:
    """The figures the workload reported about itself, once per counted iteration: each is the
    mean over the iterations, with an interval over them where there are enough (nothing one
    iteration reported is dropped). Where one iteration is all there is, the interval the
    workload estimated itself (e.g. over its rounds) is kept. ``processes`` gives the process
    of each measurement."""
    by_name: dict[str, tuple[str, list[float], list[int], list[tuple[float, float]]]] = {}
    for measurement, process in zip(measurements, processes, strict=True):
        for m in measurement.metrics:
            unit, values, where, own = by_name.setdefault(str(m["name"]), (str(m["unit"]), [], [], []))
            values.append(float(m["value"]))
            where.append(process)
            if "ci_low" in m:
                own.append((float(m["ci_low"]), float(m["ci_high"])))
    metrics = []
    for name, (unit, values, where, own) in by_name.items():
        value, bounds, noise = figure_over_repeats(values, where)
        if bounds is None and len(values) == 1 and own:
            bounds, noise = own[0], "the workload's own interval (its rounds, in one process)"
        metrics.append(Metric(name, value, unit, *(bounds or (None, None)), noise=noise))
    return metrics


def _sweep_cost(point: SweepPoint, fit_on: str) -> float:
    if fit_on == "median":
        return point.measurement.median
    for metric in point.measurement.metrics:
        if metric["name"] == fit_on:
            return float(metric["value"])
    raise ValueError(f"sweep fit_on={fit_on!r}: the workload reported no metric of that name")


def _fit(points: Sequence[SweepPoint], fit_on: str) -> GrowthFit:
    return fit_growth([p.value for p in points], [_sweep_cost(p, fit_on) for p in points])


def _with_interval(name: str, value: float, unit: str, interval: tuple[float, float] | None,
                   bounds: tuple[float, float] = (-float("inf"), float("inf"))) -> Metric:
    if interval is None:
        return Metric(name, value, unit)
    return Metric(name, value, unit, ci_low=max(bounds[0], interval[0]), ci_high=min(bounds[1], interval[1]))


def sweep_metrics(points: Sequence[SweepPoint], fit_on: str, param: str,
                  repeated: Sequence[Sequence[SweepPoint]] = (), repeated_by: str = "",
                  ) -> tuple[list[Metric], dict[str, str]]:
    """Exponent and r² of the growth of ``fit_on`` with the swept parameter, with their 95 %
    intervals, and its BigO. ``points`` are pooled over all counted iterations; ``repeated``
    holds the same sweep per independent repetition (``repeated_by``: "processes" or
    "iterations"), whose spread gives the intervals when there are two or more; else the
    exponent's interval is the regression's (see scaling.py) and r² has none."""
    fit = _fit(points, fit_on)
    # a repetition that lacks a size (cut short) is no repetition of the same sweep
    fits = [_fit(group, fit_on) for group in repeated if len(group) == len(points)]
    if len(fits) > 1:
        exponent_ci = interval_around(fit.exponent, [f.exponent for f in fits])
        r_squared_ci = interval_around(fit.r_squared, [f.r_squared for f in fits])
        source = f"spread between {len(fits)} {repeated_by}"
    else:
        exponent_ci, r_squared_ci = fit.exponent_interval(), None
        source = "regression standard error" if exponent_ci else "none (two sizes, one repetition)"
    metrics = [dataclasses.replace(_with_interval("exponent", fit.exponent, "ratio", exponent_ci),
                                   noise=source if exponent_ci else ""),
               dataclasses.replace(_with_interval("r_squared", fit.r_squared, "ratio", r_squared_ci, bounds=(0.0, 1.0)),
                                   noise=source if r_squared_ci else "")]
    labels = {"big_o": fit.big_o, "growth_of": fit_on, "sweep_param": param, "exponent_interval": source,
              "verdict": "linear or better" if fit.linear_or_better() else "worse than linear"}
    return metrics, labels


def hardware_counter_metrics(repeated: Sequence[Sequence[Measurement]]) -> list[Metric]:
    """Instructions, cycles and branch misses per call, and instructions per cycle: the mean
    over every measurement that counted them (grouped by independent repetition; with two
    or more groups, their spread gives the intervals). None where the machine has no counts:
    an SLA rule on them then reads NOT MEASURABLE, with the reason."""
    counted = [[m.counters for m in group if m.counters.get("available")] for group in repeated]
    counted = [group for group in counted if group]
    if not counted:
        return []

    def mean_of(counters: Sequence[Mapping[str, float]], key: str) -> float:
        return sum(float(c[key]) for c in counters) / len(counters)

    everything = [c for group in counted for c in group]
    metrics = []
    for name, key in HARDWARE_COUNTER_METRICS.items():
        value = mean_of(everything, key)
        interval = interval_around(value, [mean_of(g, key) for g in counted]) if len(counted) > 1 else None
        metrics.append(_with_interval(name, value, "count", interval, bounds=(0.0, math.inf)))

    def ipc(counters: Sequence[Mapping[str, float]]) -> float:
        cycles = mean_of(counters, "cycles")
        return mean_of(counters, "instructions") / cycles if cycles > 0 else math.nan

    value = ipc(everything)
    if math.isfinite(value):
        interval = interval_around(value, [ipc(g) for g in counted]) if len(counted) > 1 else None
        metrics.append(_with_interval(INSTRUCTIONS_PER_CYCLE, value, "ratio", interval, bounds=(0.0, math.inf)))
    return metrics


# The unit of each throughput metric "<unit>_per_s" (model.METRIC_UNITS).
THROUGHPUT_UNITS = {"items": "per_s", "bytes": "bytes_per_s"}


def throughput_metrics(measured: Measurement, work_per_call: Mapping[str, float]) -> list[Metric]:
    """``items_per_s`` / ``bytes_per_s``: the work of one call over its mean time (the mean,
    as for ``throughput``: total work over total time), with the interval of the mean time
    turned over, as ``throughput``'s (analysis/intervals: between processes, else batches)."""
    stats = measured.stats
    bounds = stats.interval("mean")
    metrics = []
    for unit, amount in work_per_call.items():
        rate = amount * 1e9 / stats.mean if stats.mean > 0 else float("inf")
        interval = (amount * 1e9 / bounds[1], amount * 1e9 / bounds[0]) if bounds and bounds[0] > 0 else None
        metric = _with_interval(f"{unit}_per_s", rate, THROUGHPUT_UNITS[unit], interval, bounds=(0.0, math.inf))
        metrics.append(dataclasses.replace(metric, noise=stats.noise if interval else ""))
    return metrics


def _round_medians(measurement: Measurement) -> list[float]:
    samples = measurement.samples_ns
    medians, start = [], 0
    for _, count in measurement.segments:
        medians.append(float(np.median(samples[start:start + count])))
        start += count
    return medians


def paired_round_ratios(measured: Measurement, baseline: Measurement) -> tuple[np.ndarray, list[int]]:
    """Target over baseline, one ratio per alternating round (the worker measures target and
    baseline in turn, round after round, so drift on a noisy machine moves both sides of a
    round alike: the round is the unit of a paired comparison). Empty when the two sides'
    rounds do not pair up."""
    if len(measured.segments) != len(baseline.segments) or len(measured.segments) < 2:
        return np.array([]), []
    ratios = np.array(_round_medians(measured)) / np.array(_round_medians(baseline))
    return ratios, [process for process, _ in measured.segments]


def baseline_metrics(measured: Measurement, baseline: Measurement) -> list[Metric]:
    """Side-by-side comparison on medians (robust to the odd preempted sample), with the
    interval of the ratio over the paired alternating rounds."""
    ratio = measured.median / baseline.median if baseline.median > 0 else float("inf")
    ratios, processes = paired_round_ratios(measured, baseline)
    bounds, noise = None, "one round (no interval)"
    if ratios.size and np.all(ratios > 0) and np.all(np.isfinite(ratios)) and math.isfinite(ratio) and ratio > 0:
        # In log space: a ratio and its inverse (the speed-up) get the same interval, and
        # neither can cross zero however noisy the rounds.
        logs = np.log(ratios)
        distinct = sorted(set(processes))
        if len(distinct) >= 3:  # the process is the unit of noise: each process's mean log ratio is one unit
            units = np.array([np.mean(logs[[p == process for p in processes]]) for process in distinct])
            noise = f"between {len(distinct)} processes ({logs.size} alternating rounds)"
        else:
            units = logs
            where = "one process" if len(distinct) == 1 else f"{len(distinct)} processes"
            noise = f"between {logs.size} alternating rounds in {where}"
        found = t_interval(float(np.mean(units)), units)
        if found is not None:  # the rounds' spread, centred on the ratio of the pooled medians
            half = (found[1] - found[0]) / 2.0
            bounds = (ratio * math.exp(-half), ratio * math.exp(half))
    low, high = bounds if bounds is not None else (None, None)

    def inverted(value: float | None) -> float | None:
        return 1.0 / value if value is not None and value > 0 else None

    return [
        Metric("baseline_median", baseline.median, "ns"),
        Metric("ratio", ratio, "ratio", low, high, noise=noise if low is not None else ""),
        Metric("overhead", ratio - 1.0, "fraction", None if low is None else low - 1.0,
               None if high is None else high - 1.0, noise=noise if low is not None else ""),
        Metric("speedup", 1.0 / ratio if ratio > 0 else float("inf"), "ratio",
               inverted(high), inverted(low), noise=noise if low is not None else ""),
    ]
