"""What the dashboard's charts draw, computed in Python so that the page carries small data
rather than raw samples: a histogram of each benchmark's samples (bins, not the samples),
its history with the steps and baselines to mark, its resource time series thinned to a
few hundred points, and each lane's medians side by side.

Every figure is rounded to four significant digits in the unit the chart shows: more would
be noise in a chart and cost bytes (a 200-benchmark dashboard with 500 runs of history
each carries 100,000 history points).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from perfbench.export.load_figures import ERROR_COLUMNS, LoadFigures
from perfbench.model import BenchmarkResult, Measurement
from perfbench.units import duration_scale

if TYPE_CHECKING:
    from perfbench.analysis.trend import BenchmarkTrend

# Bins: the square root of the samples, within these bounds (30 samples in 40 bins would draw
# a comb; 1,000,000 in 1,000 bins would cost bytes and show nothing more).
HISTOGRAM_BINS = (10, 40)
# The range a histogram draws: out to this many times the 10-90 % spread beyond the 10th and
# 90th percentiles. A few interrupted samples at 30x the median (the default suite's
# nanosecond workloads have them) would otherwise squeeze the distribution into one bin; any
# group of 10 % of the samples or more lies inside, so a second mode is always drawn. What
# lies beyond is counted ("below", "above"), not hidden.
HISTOGRAM_FENCE = 3.0
# Most points drawn per resource figure (CPU, RSS, IO) over all of a benchmark's iterations.
RESOURCE_POINTS = 600
MIB = 1024.0 * 1024.0


@dataclasses.dataclass(frozen=True, slots=True)
class RunMark:
    """A run to mark on history charts (a saved baseline, the compared base run)."""

    run_id: int
    label: str


def rounded(values: Sequence[float] | np.ndarray, digits: int = 4) -> list[float | None]:
    """``values`` to ``digits`` significant digits of their largest magnitude (NaN: None)."""
    array = np.asarray(values, dtype=np.float64)
    finite = array[np.isfinite(array)]
    if finite.size == 0:
        return [None] * array.size
    largest = float(np.max(np.abs(finite)))
    decimals = digits - 1 - int(np.floor(np.log10(largest))) if largest > 0 else 0
    # decimals >= 0 divides by an exact power of ten, so each value prints as its short decimal
    shown = np.round(array, max(decimals, 0)) if decimals >= 0 else np.round(array / 10.0 ** -decimals) * 10.0 ** -decimals
    return [None if v != v else v for v in shown.tolist()]


def each_rounded(values: Sequence[float], digits: int = 4) -> list[float | None]:
    """Each value to ``digits`` significant digits of its own (NaN and zero: None), for a log
    axis, where a p50 a thousand times below the maximum must keep its digits."""
    return [float(f"{v:.{digits}g}") if v == v and v > 0 else None for v in (float(x) for x in values)]


def _or_nan(value: float | None, divisor: float) -> float:
    return np.nan if value is None else value / divisor


def distribution(measurement: Measurement, divisor: float) -> dict[str, Any]:
    """A histogram of the samples (per iteration, in the unit of ``divisor``), the median and
    its interval, and how many samples lie below and above the range drawn."""
    samples = measurement.samples_ns / divisor
    stats = measurement.stats
    smallest, largest = float(samples.min()), float(samples.max())
    p10, p90 = (float(q) for q in np.quantile(samples, (0.1, 0.9)))
    low = max(smallest, p10 - HISTOGRAM_FENCE * (p90 - p10))
    high = min(largest, p90 + HISTOGRAM_FENCE * (p90 - p10))
    if high <= low:  # every sample alike (a coarse clock): one narrow bin around the value
        low, high = low - 0.5 * abs(low or 1.0) * 1e-3, high + 0.5 * abs(high or 1.0) * 1e-3
    bins = int(np.clip(round(np.sqrt(samples.size)), *HISTOGRAM_BINS))
    counts, edges = np.histogram(samples, bins=bins, range=(low, high))
    median, ci_low, ci_high = rounded([stats.median / divisor, _or_nan(stats.ci_low, divisor), _or_nan(stats.ci_high, divisor)])
    return {"edges": rounded(edges, 5), "counts": counts.tolist(), "below": int(np.count_nonzero(samples < low)),
            "above": int(np.count_nonzero(samples > high)), "n": int(samples.size), "median": median, "low": ci_low, "high": ci_high}


def history(trend: BenchmarkTrend, divisor: float, marks: Sequence[RunMark], current_run: int) -> dict[str, Any] | None:
    """The benchmark's measured runs (median and interval per run), its steps, and the marked
    runs that lie in its history; None without at least two measured runs to draw."""
    points = trend.history.measured
    if len(points) < 2:
        return None
    runs = {p.run_id for p in points}
    return {
        "run": [p.run_id for p in points],
        "median": rounded([p.median / divisor for p in points]),  # type: ignore[operator]
        "low": rounded([_or_nan(p.ci_low, divisor) for p in points]),
        "high": rounded([_or_nan(p.ci_high, divisor) for p in points]),
        "steps": [{"run": s.run_id, "label": "step" if s.step.change is None else f"step {100 * s.step.change:+.1f} %"}
                  for s in trend.steps],
        "marks": [{"run": m.run_id, "label": m.label} for m in marks if m.run_id in runs],
        "current": current_run if current_run in runs else None,
    }


def _thinned(length: int, most: int) -> np.ndarray:
    return np.unique(np.linspace(0, length - 1, num=min(length, most)).round().astype(int))


def resources(result: BenchmarkResult) -> dict[str, Any] | None:
    """The resource time series of a command benchmark's counted iterations, one line per
    iteration: CPU in % of one core, RSS in MiB, cumulative storage reads and writes in MiB;
    None when it recorded none (sampling turned off). A micro-benchmark's worker is sampled
    too, but over its 0.1 s iterations that is two or three ticks of the worker's own
    process: nothing a chart shows."""
    if result.kind != "command":
        return None
    series = [i.resources["timeseries"] for i in result.counted_iterations
              if i.resources and len(i.resources.get("timeseries") or ()) >= 2]
    if not series:
        return None
    per_line = max(20, RESOURCE_POINTS // len(series))
    lines: dict[str, list[list[float | None]]] = {"t": [], "cpu": [], "rss": [], "read": [], "write": []}
    for samples in series:
        kept = [samples[i] for i in _thinned(len(samples), per_line)]
        lines["t"].append(rounded([s["t"] for s in kept]))
        lines["cpu"].append(rounded([s["cpu_core_percent"] for s in kept]))
        lines["rss"].append(rounded([s["rss_bytes"] / MIB for s in kept]))
        lines["read"].append(rounded([s["read_bytes"] / MIB for s in kept]))
        lines["write"].append(rounded([s["write_bytes"] / MIB for s in kept]))
    return lines


def nines(percentile: float) -> float:
    """Where a percentile lies on the spectrum's "nines" axis: -log10(1 - p/100), so p90 is 1,
    p99 2, p99.9 3; the maximum is drawn one nine beyond the last percentile below it."""
    return -float(np.log10(1.0 - percentile / 100.0)) if percentile < 100 else np.nan


def load_timeline(figures: LoadFigures, divisor: float) -> dict[str, Any]:
    """The per-second rows of every iteration, one after the other on one axis (each iteration's
    start marked): the achieved rate and the scheduled one, corrected and uncorrected p50 and
    p99 (in the unit of ``divisor``; None where the second had no successful response: a log
    axis cannot draw a zero), and each error kind that occurred, stacked (bottom, top) per second."""
    rows = figures.timeline
    seconds = list(range(len(rows)))
    starts = [index for index, row in enumerate(rows) if index == 0 or row["iteration"] != rows[index - 1]["iteration"]]

    def latency(column: str) -> list[float | None]:
        return each_rounded([row[column] / divisor for row in rows])

    errors: dict[str, dict[str, list[float]]] = {}
    bottom = np.zeros(len(rows))
    for kind in ERROR_COLUMNS:
        counts = np.array([float(row.get(kind, 0)) for row in rows])
        if counts.any():
            errors[kind] = {"bottom": bottom.tolist(), "top": (bottom + counts).tolist()}
            bottom = bottom + counts
    return {
        "second": seconds, "iteration_starts": starts[1:],
        "rate": rounded([row["rate"] for row in rows]),
        "scheduled": rounded([row["scheduled"] / row["span_s"] if row["span_s"] > 0 else 0.0 for row in rows]),
        **{column: latency(column) for column in ("corrected_p50", "corrected_p99", "uncorrected_p50", "uncorrected_p99")},
        "errors": errors,
    }


def load_spectrum(figures: LoadFigures, divisor: float) -> dict[str, Any]:
    """The corrected and uncorrected spectra on the nines axis (see ``nines``)."""
    finite = [nines(p) for p in figures.percentiles if p < 100]
    x = [nines(p) if p < 100 else max(finite) + 1.0 for p in figures.percentiles]
    return {"x": rounded(x), "labels": [label for label, _, _ in figures.spectrum],
            "corrected": each_rounded([v / divisor for v in figures.corrected_ns]),
            "uncorrected": each_rounded([v / divisor for v in figures.uncorrected_ns])}


def load_charts(figures: LoadFigures) -> dict[str, Any]:
    """A load benchmark's timeline and spectra, in one unit of time."""
    divisor, unit = duration_scale(figures.corrected(99.0) or figures.corrected(100.0) or 1.0)
    return {"unit": unit, "timeline": load_timeline(figures, divisor), "spectrum": load_spectrum(figures, divisor)}


def benchmark_charts(result: BenchmarkResult, trend: BenchmarkTrend | None, marks: Sequence[RunMark],
                     current_run: int, load: LoadFigures | None = None) -> dict[str, Any]:
    """Everything the charts of one benchmark's section draw, in one unit of time. A load
    benchmark (``load``: its figures) has window medians for samples, not a distribution of
    times per iteration: its section draws its timeline and spectra instead."""
    reference = result.measurement.median if result.measurement is not None else (
        trend.history.measured[-1].median if trend is not None and trend.history.measured else 1.0)
    divisor, unit = duration_scale(reference or 1.0)
    return {
        "unit": unit,
        "distribution": (distribution(result.measurement, divisor) if result.measurement is not None and load is None
                         else None),
        "history": history(trend, divisor, marks, current_run) if trend is not None else None,
        "resources": resources(result),
        "load": load_charts(load) if load is not None else None,
    }


def lane_medians(results: Sequence[BenchmarkResult]) -> dict[str, Any]:
    """Each lane's benchmark medians (ns per iteration), for the lane comparison's strip chart."""
    lanes: dict[str, list[float]] = {}
    for result in results:
        lanes.setdefault(result.lane, [])
        if result.measurement is not None:
            lanes[result.lane].append(result.measurement.median)
    return {"lanes": list(lanes), "medians": [rounded(medians) for medians in lanes.values()]}


def run_marks(baselines: Sequence[Any], base_run: int | None, base_how: str = "") -> tuple[RunMark, ...]:
    """The saved baselines and the compared base run as marks, one per run (names joined)."""
    labels: dict[int, list[str]] = {}
    for baseline in baselines:
        labels.setdefault(baseline.run_id, []).append(f"baseline {baseline.name}")
    if base_run is not None and base_run not in labels:
        labels[base_run] = [f"compared with ({base_how})" if base_how else "compared with"]
    return tuple(RunMark(run_id, ", ".join(names)) for run_id, names in sorted(labels.items()))
