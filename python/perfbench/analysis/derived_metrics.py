"""Figures a result carries beyond its timing statistics, derived from what the worker
measured: the workload's own metrics, a sweep's growth fit, a comparison with a baseline."""

from __future__ import annotations

from collections.abc import Sequence

from perfbench.model import Measurement, Metric, SweepPoint
from perfbench.analysis.scaling import fit_growth


def workload_metrics(measurement: Measurement) -> list[Metric]:
    return [Metric(str(m["name"]), float(m["value"]), str(m["unit"]),
                   float(m["ci_low"]) if "ci_low" in m else None, float(m["ci_high"]) if "ci_high" in m else None)
            for m in measurement.metrics]


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


def baseline_metrics(measured: Measurement, baseline: Measurement) -> list[Metric]:
    """Side-by-side comparison on medians (robust to the odd preempted sample)."""
    ratio = measured.median / baseline.median if baseline.median > 0 else float("inf")
    return [
        Metric("baseline_median", baseline.median, "ns"),
        Metric("ratio", ratio, "ratio"),
        Metric("overhead", ratio - 1.0, "fraction"),
        Metric("speedup", 1.0 / ratio if ratio > 0 else float("inf"), "ratio"),
    ]
