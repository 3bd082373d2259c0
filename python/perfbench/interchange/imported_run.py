"""What a file read for import becomes: an ``ImportedRun``, a run with results, iterations
and verdicts in perfbench's own model, ready to be stored like a run that happened here.

The foreign formats share how their figures become results (``result_from_iterations``):
each figure the tool took in one go (a Google Benchmark repetition, a pyperf value, a
pytest-benchmark round) is one sample, the time per iteration over the iterations it
timed, exactly as perfbench's own samples are; the iteration records say which process
took it, so the intervals are made the way ``analysis/intervals.py`` makes them for a
native run (between processes only where there were processes).

A file that gives only summary statistics gets ``aggregate_only_result``: the figures it
has, as metrics without intervals, and no samples invented for them.
"""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from perfbench import __version__
from perfbench.analysis.derived_metrics import workload_metrics
from perfbench.analysis.plausibility import find_measurement_errors
from perfbench.model import BenchmarkResult, Failure, IterationRecord, Measurement, Metric, pool_measurements
from perfbench.sla import Verdict

# The failure kind of a result that a file gave only summary statistics for: no samples, so
# no measurement (a Failure says why a result has none), its figures kept as metrics. Not a
# benchmark that could not run: a run of such results is complete.
AGGREGATE_ONLY = "aggregate-only"

# RunMetadata.source of each format's runs (store/interface.py): the tool that measured them.
SOURCES = ("perfbench", "google-benchmark", "pyperf", "pytest-benchmark")


@dataclasses.dataclass(frozen=True, slots=True)
class FileSource:
    """The file a run was read from, recorded with the run (``environment["imported"]``)."""

    path: str
    sha256: str  # of the file's bytes: the same file imported twice is recognisable

    @staticmethod
    def of(path: Path, content: bytes) -> FileSource:
        return FileSource(str(path), hashlib.sha256(content).hexdigest())

    def provenance(self, format_name: str, format_version: str | int | None, source: str,
                   tool: Mapping[str, Any]) -> dict[str, Any]:
        """``source``: the tool that measured the run (one of SOURCES); ``tool``: what the file
        says about that tool and the machine, as it says it."""
        return {"format": format_name, "format_version": format_version, "source": source,
                "file": self.path, "sha256": self.sha256,
                "imported_at": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
                "imported_by": f"perfbench {__version__}", "tool": dict(tool)}


@dataclasses.dataclass(frozen=True, slots=True)
class ImportedRun:
    """A run read from a file, in the shape the store keeps runs."""

    file: str  # the file, for messages
    format: str  # its format, for people: "Google Benchmark JSON"
    source: str  # one of SOURCES: the tool that measured the run (RunMetadata.source)
    started_at: str | None  # ISO 8601 as the file gives it; None: the file does not say
    finished_at: str | None
    status: str  # complete | failed | interrupted, as a native run's
    command: str
    # perfbench's environment keys where the file has them (hostname, cpu, python, git, ...),
    # and "imported": FileSource.provenance
    environment: Mapping[str, Any]
    results: tuple[BenchmarkResult, ...]
    verdicts: tuple[Verdict, ...] = ()
    notes: tuple[str, ...] = ()  # what the reader could not carry over as it was, for the user to read
    # A perfbench export's run metadata as it was recorded (RunMetadata's fields: config_hash,
    # git_commit, git_branch, git_dirty, host, host_id) and the noise seen while it ran; None
    # and empty for other tools' files, whose git state and host come from their environment
    # (storing.run_metadata).
    metadata: Mapping[str, Any] | None = None
    noise: Mapping[str, Any] = dataclasses.field(default_factory=dict)


def run_status(results: Sequence[BenchmarkResult]) -> str:
    """A run's status from its results, as a native run's: failed if one could not run."""
    failed = any(r.failure is not None and r.failure.kind != AGGREGATE_ONLY for r in results)
    return "failed" if failed else "complete"


def figure(samples_ns: Sequence[float], iterations_per_sample: int, clock: str, process: int,
           metrics: Sequence[Mapping[str, Any]] = (), warmup_samples: int = 0) -> Measurement:
    """The samples one process took in one go, each the time per iteration over
    ``iterations_per_sample`` iterations. Nothing is subtracted: the tool's own overhead
    handling is already in its figures."""
    samples = [float(s) for s in samples_ns]
    return Measurement(samples_ns=samples, iterations_per_sample=iterations_per_sample, overhead_ns=0.0,
                       overhead_subtracted=False, clock=clock, ticks_per_ns=1.0, warmup_samples=warmup_samples,
                       wall_seconds=sum(samples) * iterations_per_sample / 1e9, stopped_by_budget=False,
                       counters={"available": False, "reason": "not in the imported file"}, metrics=metrics,
                       segments=[(process, len(samples))])


def result_from_iterations(lane: str, benchmark: str, kind: str, iterations: Sequence[IterationRecord], *,
                           params: Mapping[str, Any] | None = None, labels: Mapping[str, str] | None = None,
                           cpus: int | None = None) -> BenchmarkResult:
    """A result pooled from its iterations as a native one is (the counted, successful
    iterations' samples in order; the figures each reported, with an interval over them; the
    worst peak RSS; the share of iterations that failed). ``cpus``: the CPUs of the machine
    that measured it, for the checks of impossible figures."""
    counted = [r for r in iterations if not r.warmup]
    measured = [r for r in counted if r.ok and r.measurement is not None]
    failed = next((r for r in iterations if not r.ok), None)
    measurement = pool_measurements([r.measurement for r in measured]) if measured else None  # type: ignore[misc]
    metrics = workload_metrics([r.measurement for r in measured], [r.process for r in measured])  # type: ignore[misc]
    peaks = [value for r in measured if (value := r.metric_value("max_rss")) is not None]
    if peaks:  # the worst process's, as a native result's
        metrics.append(Metric("max_rss", max(peaks), "bytes"))
    if counted:
        metrics.append(Metric("error_rate", sum(1 for r in counted if not r.ok) / len(counted), "fraction"))
    return _checked(BenchmarkResult(lane=lane, benchmark=benchmark, kind=kind, measurement=measurement,
                                    failure=failed.failure if failed else None, params=dict(params or {}),
                                    metrics=tuple(metrics), labels=dict(labels or {}), iterations=tuple(iterations)),
                    cpus)


def aggregate_only_result(lane: str, benchmark: str, kind: str, *, figures_ns: Mapping[str, float | None],
                          count: int, where: str, missing: str, params: Mapping[str, Any] | None = None,
                          labels: Mapping[str, str] | None = None) -> BenchmarkResult:
    """A result the file gives only summary statistics for (``figures_ns``: mean, median,
    stdev, min, max ... over ``count`` figures taken ``where``). They are kept as metrics,
    without intervals: the tool's figures come from one process, and a spread between the
    rounds of one process is not the spread a rerun sees (analysis/intervals.py), so no
    interval here would be honest. No measurement: no samples are invented, and a verdict
    on the result reads NOT EVALUATED. ``missing``: how to get the samples next time."""
    noise = f"aggregate-only: the tool's summary of {count} {where}; no samples, so no interval"
    metrics = tuple(Metric(name, float(value), "ns", noise=noise) for name, value in figures_ns.items()
                    if value is not None)
    failure = Failure(AGGREGATE_ONLY, f"the file holds only summary statistics of {count} {where}, no samples: "
                                      f"kept as metrics ({', '.join(m.name for m in metrics)}), without "
                                      f"intervals; {missing}")
    return BenchmarkResult(lane=lane, benchmark=benchmark, kind=kind, measurement=None, failure=failure,
                           params=dict(params or {}), metrics=metrics, labels=dict(labels or {}))


def _checked(result: BenchmarkResult, cpus: int | None) -> BenchmarkResult:
    """With its impossible figures found, as a native result's are where it is made; ``cpus``
    is the measuring machine's (unknown: no speed-up is beyond it)."""
    return dataclasses.replace(result, measurement_errors=find_measurement_errors(result, cpus or sys.maxsize))
