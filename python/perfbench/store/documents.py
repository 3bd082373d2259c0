"""The JSON documents a store keeps, the same for every backend, and how a result is read
back from them.

Samples are stored once: in the iterations, each iteration's record holding its own (its
measurement, its sweep points, its baseline). A result keeps, for its measurement and for
each pooled sweep point and its pooled baseline, the statistics (``SampleStats.to_dict()``,
whatever fields statistics have, so fields added to them flow through unchanged) and how
it was taken (``Measurement.to_dict()`` without the samples). Reading pools the counted,
successful iterations' samples again and hands the stored statistics back with them, so no
bootstrap is computed again.

The pooling rule is ``analysis.aggregate``'s: every counted, successful iteration's samples
in run order (a command's iteration is one sample, its wall time; a sweep point pools the
iterations that measured that size; a baseline, those that measured it beside the target).
``check_pooled`` holds a result to it when it is written, so a measurement whose samples
its iterations would not give back is refused rather than stored without them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from perfbench.analysis.stats import SampleStats
from perfbench.model import BenchmarkResult, Failure, IterationRecord, Measurement, MeasurementError, Metric, SweepPoint
from perfbench.sla import Verdict

_Samples = Callable[[IterationRecord], Sequence[float] | np.ndarray | None]


def _pooled(iterations: Sequence[IterationRecord], samples_of: _Samples) -> np.ndarray:
    taken = [samples_of(r) for r in iterations if r.ok and not r.warmup]
    return np.concatenate([np.asarray(s, dtype=np.float64) for s in taken if s is not None] or [np.empty(0)])


def target_samples(iterations: Sequence[IterationRecord]) -> np.ndarray:
    return _pooled(iterations, lambda r: r.measurement.samples_ns if r.measurement is not None
                   else None if r.wall_ns is None else [r.wall_ns])


def sweep_samples(iterations: Sequence[IterationRecord], value: float) -> np.ndarray:
    return _pooled(iterations, lambda r: next((p.measurement.samples_ns for p in r.sweep if p.value == value), None))


def baseline_samples(iterations: Sequence[IterationRecord]) -> np.ndarray:
    return _pooled(iterations, lambda r: r.baseline.samples_ns if r.baseline is not None and r.measurement is not None
                   else None)


def check_pooled(result: BenchmarkResult) -> None:
    """A result is stored without its samples only if its iterations give every one back."""
    pooled = [(result.measurement, target_samples(result.iterations))] if result.measurement else []
    pooled += [(p.measurement, sweep_samples(result.iterations, p.value)) for p in result.sweep]
    pooled += [(result.baseline, baseline_samples(result.iterations))] if result.baseline else []
    for measurement, samples in pooled:
        if not np.array_equal(measurement.samples_ns, samples):
            raise ValueError(f"{result.key}: a measurement of {measurement.samples_ns.size} samples that its "
                             "iterations do not give back: the store keeps samples once, in the iterations, and "
                             "rebuilds every measurement by pooling them")


def summary(measurement: Measurement) -> dict[str, Any]:
    """How a pooled measurement was taken (without its samples) and its statistics."""
    document = measurement.to_dict()
    del document["samples_ns"]
    return {"measurement": document, "stats": measurement.stats.to_dict()}


def from_summary(document: Mapping[str, Any], samples: np.ndarray) -> Measurement:
    return Measurement.from_dict({**document["measurement"], "samples_ns": samples},
                                 stats=SampleStats.from_dict(document["stats"]))


def sweep(points: Sequence[SweepPoint]) -> list[dict[str, Any]]:
    return [{"value": p.value, **summary(p.measurement)} for p in points]


def sweep_from(document: Sequence[Mapping[str, Any]], iterations: Sequence[IterationRecord]) -> tuple[SweepPoint, ...]:
    return tuple(SweepPoint(float(p["value"]), from_summary(p, sweep_samples(iterations, p["value"])))
                 for p in document)


def result_document(result: BenchmarkResult) -> dict[str, Any]:
    """Everything of a result but its iterations, as JSON-able documents (``result_from``
    reads them back with the iterations): the same for a store and an exported file."""
    m = result.measurement
    target = summary(m) if m else {"measurement": None, "stats": None}
    return {"lane": result.lane, "benchmark": result.benchmark, "kind": result.kind, "params": dict(result.params),
            "failure": result.failure.to_dict() if result.failure else None, **target,
            "metrics": [metric.to_dict() for metric in result.metrics], "sweep": sweep(result.sweep),
            "baseline": summary(result.baseline) if result.baseline else None, "labels": dict(result.labels),
            "measurement_errors": [error.to_dict() for error in result.measurement_errors]}


def result_from(document: Mapping[str, Any], iterations: Sequence[IterationRecord]) -> BenchmarkResult:
    """A result from its documents (``lane``, ``benchmark``, ``kind``, ``params``, ``failure``,
    ``measurement`` and ``stats``, ``metrics``, ``sweep``, ``baseline``, ``labels``,
    ``measurement_errors``: each as the functions above write it) and the iterations whose
    samples it pools: how a store and an imported file give a result back."""
    how, failure = document["measurement"], document["failure"]
    return BenchmarkResult(
        lane=document["lane"], benchmark=document["benchmark"], kind=document["kind"], params=document["params"],
        measurement=from_summary(document, target_samples(iterations)) if how else None,
        failure=Failure(**failure) if failure else None,
        metrics=tuple(Metric(**m) for m in document["metrics"]),
        sweep=sweep_from(document["sweep"], iterations),
        baseline=from_summary(document["baseline"], baseline_samples(iterations)) if document["baseline"] else None,
        labels=document["labels"], iterations=tuple(iterations),
        measurement_errors=tuple(MeasurementError.from_dict(e) for e in document["measurement_errors"]))


def verdict(v: Verdict) -> dict[str, Any]:
    """Every field of the verdict, as Verdict.to_dict gives them."""
    return v.to_dict()


def verdict_from(document: Mapping[str, Any]) -> Verdict:
    return Verdict.from_dict(document)
