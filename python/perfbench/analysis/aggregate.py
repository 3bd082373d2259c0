"""From a benchmark's iterations to its result: pooled statistics, derived metrics and
resource figures over the counted iterations (warm-ups are recorded, never counted)."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Sequence

import numpy as np

from perfbench.analysis.derived_metrics import (baseline_metrics, hardware_counter_metrics, sweep_metrics,
                                                throughput_metrics, workload_metrics)
from perfbench.analysis.group_spread import repetitions
from perfbench.analysis.intervals import figure_over_repeats
from perfbench.analysis.plausibility import find_measurement_errors
from perfbench.model import (BenchmarkResult, Failure, IterationRecord, Measurement, Metric, SweepPoint,
                             pool_measurements)
from perfbench.definition.suite import BenchmarkDefinition
from perfbench.load.stored import LoadSummary, load_measurement_errors, load_metrics, load_records

# How a resource figure of several iterations combines: peaks and maxima take the
# maximum (the worst iteration is the one an SLA must hold for), everything else the mean.
_MAXIMUM_SUFFIXES = ("_max", "_p95", "_p99", "max_rss", "threads_max")


def _combine_resource_metrics(iterations: Sequence[IterationRecord]) -> list[Metric]:
    by_name: dict[str, list[tuple[Metric, int]]] = {}
    for record in iterations:
        for metric in record.resource_metrics:
            by_name.setdefault(metric.name, []).append((metric, record.process))
    combined = []
    for name, found in by_name.items():
        values = [m.value for m, _ in found]
        if name.endswith(_MAXIMUM_SUFFIXES):  # the worst iteration: an observed extreme, no interval
            combined.append(Metric(name, max(values), found[0][0].unit))
            continue
        value, bounds, noise = figure_over_repeats(values, [process for _, process in found])
        combined.append(Metric(name, value, found[0][0].unit, *(bounds or (None, None)), noise=noise))
    return combined


def _rss_growth(iterations: Sequence[IterationRecord]) -> list[Metric]:
    """Least-squares slope of each iteration's peak RSS: a leak shows as steady growth."""
    peaks = [(r.index, r.metric_value("max_rss")) for r in iterations]
    points = [(i, v) for i, v in peaks if v is not None]
    if len(points) < 3:
        return []
    x, y = np.array(points, dtype=float).T
    slope = float(np.polyfit(x, y, 1)[0])
    return [Metric("rss_growth_per_iteration", slope, "bytes")]


def _command_measurement(ok: Sequence[IterationRecord], overhead_ns: float) -> Measurement:
    return Measurement(samples_ns=[r.wall_ns for r in ok], iterations_per_sample=1, overhead_ns=overhead_ns,
                       overhead_subtracted=False, clock="clock_monotonic", ticks_per_ns=1.0,
                       wall_seconds=sum(r.wall_ns for r in ok) / 1e9, warmup_samples=0,
                       segments=[(r.process, 1) for r in ok])


def pooled_sweep(records: Sequence[IterationRecord]) -> tuple[SweepPoint, ...]:
    """Each size's samples from every record, pooled as the target's samples are (a record
    without the size adds nothing to it)."""
    values = list(dict.fromkeys(point.value for record in records for point in record.sweep))
    return tuple(SweepPoint(value, pool_measurements([p.measurement for r in records for p in r.sweep
                                                      if p.value == value]))
                 for value in values)


def pooled_baseline(records: Sequence[IterationRecord]) -> tuple[Measurement, Measurement] | None:
    """(target, baseline), each pooled over the records that measured both side by side."""
    pairs = [(r.measurement, r.baseline) for r in records if r.measurement is not None and r.baseline is not None]
    if not pairs:
        return None
    return pool_measurements([m for m, _ in pairs]), pool_measurements([b for _, b in pairs])


def _sweep_figures(definition: BenchmarkDefinition, ok: Sequence[IterationRecord]
                   ) -> tuple[tuple[SweepPoint, ...], list[Metric], dict[str, str]]:
    """The sweep pooled over every counted iteration, its growth fit and labels; the fit's
    intervals come from the spread between the repetitions (processes, else iterations)."""
    assert definition.sweep is not None
    points = pooled_sweep(ok)
    if not points:
        return (), [], {}
    repeated_by, groups = repetitions(ok)
    metrics, labels = sweep_metrics(points, definition.sweep.fit_on, definition.sweep.param,
                                    repeated=[pooled_sweep(group) for group in groups], repeated_by=repeated_by)
    return points, metrics, labels


def _baseline_figures(ok: Sequence[IterationRecord]) -> tuple[Measurement | None, list[Metric]]:
    pooled = pooled_baseline(ok)
    if pooled is None:
        return None, []
    return pooled[1], baseline_metrics(*pooled)


def assemble_result(definition: BenchmarkDefinition, records: Sequence[IterationRecord], *,
                    setup_ns: float | None = None, spawn_overhead_ns: float = 0.0,
                    interrupted: bool = False) -> BenchmarkResult:
    counted = [r for r in records if not r.warmup]
    ok = [r for r in counted if r.ok]
    failures = [r for r in records if not r.ok]
    failure = None
    if failures:
        first = failures[0]
        where = "warm-up" if first.warmup else "iteration"
        assert first.failure is not None
        failure = Failure(first.failure.kind, f"{first.failure.message} ({where} {first.index + 1} of "
                          f"{definition.total_iterations})", first.failure.detail)
    elif interrupted:
        failure = Failure("interrupted", f"interrupted after {len(counted)} of {definition.iterations} iterations")
    elif len(counted) < definition.iterations:
        failure = Failure("interrupted", f"only {len(counted)} of {definition.iterations} iterations ran")

    measurement = None
    metrics: list[Metric] = []
    labels: dict[str, str] = {}
    points: tuple[SweepPoint, ...] = ()
    baseline = None
    if ok:
        if definition.kind == "command":
            measurement = _command_measurement(ok, spawn_overhead_ns)
            for name, field in (("cpu_user_time", "cpu_user_seconds"), ("cpu_system_time", "cpu_system_seconds")):
                metrics.append(Metric(name, 1e9 * float(np.mean([getattr(r, field) for r in ok])), "ns"))
            for name, field in (("io_read_bytes", "io_read_bytes"), ("io_write_bytes", "io_write_bytes")):
                metrics.append(Metric(name, float(np.mean([getattr(r, field) for r in ok])), "bytes"))
        else:
            measured = [r for r in ok if r.measurement is not None]
            measurement = pool_measurements([r.measurement for r in measured])  # type: ignore[misc]
            metrics += workload_metrics([r.measurement for r in measured], [r.process for r in measured])  # type: ignore[misc]
            metrics += throughput_metrics(measurement, definition.work_per_call)
            metrics += hardware_counter_metrics([[r.measurement for r in group if r.measurement is not None]
                                                 for group in repetitions(ok)[1]])
        if definition.sweep is not None:
            try:
                points, fit, labels = _sweep_figures(definition, ok)
                metrics += fit
            except ValueError as error:  # e.g. fit_on names a metric the workload never reported
                points = pooled_sweep(ok)
                failure = failure or Failure("analysis", f"measured, but the sweep cannot be fitted: {error}")
        if definition.baseline is not None:
            baseline, compared = _baseline_figures(ok)
            metrics += compared
        metrics += _combine_resource_metrics(ok)
        metrics += _rss_growth(ok)
    load = LoadSummary(load_records(ok)) if definition.kind == "load" and load_records(ok) else None
    if load is not None:
        metrics += load_metrics(load)  # its error_rate is the requests', not the iterations'
    elif counted:
        metrics.append(Metric("error_rate", sum(1 for r in counted if not r.ok) / len(counted), "fraction"))
    if setup_ns is not None:
        metrics.append(Metric("setup_time", setup_ns, "ns"))
    if measurement is None and failure is None:
        failure = Failure("interrupted", "no iteration finished")
    result = BenchmarkResult(lane=definition.lane, benchmark=definition.name, kind=definition.kind,
                             measurement=measurement, failure=failure, params=dict(definition.target.params),
                             metrics=tuple(metrics), sweep=points, baseline=baseline, labels=labels,
                             iterations=tuple(records))
    errors = find_measurement_errors(result, _usable_cpus()) + tuple(load_measurement_errors(load) if load else ())
    return dataclasses.replace(result, measurement_errors=errors)


def _usable_cpus() -> int:
    # The CPUs this process may run on (its workers inherit them), not every CPU the
    # machine has: under taskset or a cpuset, a speed-up beyond the allowed CPUs is impossible.
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1
