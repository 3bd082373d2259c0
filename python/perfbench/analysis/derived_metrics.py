"""Figures a result carries beyond its timing statistics, derived from what the worker
measured: the workload's own metrics, a sweep's growth fit, a comparison with a baseline."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from perfbench.model import Measurement, Metric, SweepPoint
from perfbench.analysis.intervals import figure_over_repeats
from perfbench.analysis.scaling import fit_growth


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


def sweep_metrics(points: Sequence[SweepPoint], fit_on: str, param: str) -> tuple[list[Metric], dict[str, str]]:
    """Exponent and r² of the growth of ``fit_on`` with the swept parameter, and its BigO."""
    fit = fit_growth([p.value for p in points], [_sweep_cost(p, fit_on) for p in points])
    metrics = [Metric("exponent", fit.exponent, "ratio"), Metric("r_squared", fit.r_squared, "ratio")]
    labels = {"big_o": fit.big_o, "growth_of": fit_on, "sweep_param": param,
              "verdict": "linear or better" if fit.linear_or_better() else "worse than linear"}
    return metrics, labels


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
        _, bounds, noise = figure_over_repeats(list(np.log(ratios)), processes)
        noise = noise.replace("iterations", "alternating rounds")
        if bounds is not None:  # the rounds' spread, centred on the ratio of the pooled medians
            half = (bounds[1] - bounds[0]) / 2.0
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
