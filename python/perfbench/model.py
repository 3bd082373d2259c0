"""Immutable results: what a measurement is, what a benchmark produced, what a run holds.

Everything here converts to and from plain JSON-able dicts; that dict form is what the
worker sends back and what the store keeps (never pickle).

Format history (``SCHEMA_VERSION``):
  1  Measurement, BenchmarkResult (metrics, sweep points, baseline, labels, iterations),
     IterationRecord (its ``resources`` is ResourceSummary.to_dict(), time series included),
     Failure.
  2  IterationRecord carries what its iteration measured beyond the samples: ``sweep`` (its
     points; ``measurement`` is then the largest size's point, stored once, in ``sweep``) and
     ``baseline`` (the measurement taken side by side). Records of format 1 read as records
     without them.
  3  BenchmarkResult.measurement_errors: figures found impossible where the result was made
     (MeasurementError); absent in older data, read as none.
  4  IterationRecord.load: what a load test iteration measured (load/stored.py: counters,
     serialised histograms, the per-second timeline, memory series); absent before, read as none.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import numpy as np

from perfbench.measuring.wire_pooling import pool_wire
from perfbench.analysis.stats import SampleStats, summarize

if TYPE_CHECKING:
    import pandas as pd

SCHEMA_VERSION = 4

TICK_CLOCKS = ("tsc", "cntvct_el0")


class Measurement:
    """One timed benchmark: per-iteration samples in ns and how they were taken.

    Immutable: attributes cannot be set and ``samples_ns`` is a read-only numpy array
    (for measurements taken in this process, a view of the C++ buffer, not a copy).
    """

    __slots__ = (
        "_samples_ns", "_iterations_per_sample", "_overhead_ns", "_loop_overhead_ns", "_overhead_subtracted",
        "_clock", "_ticks_per_ns", "_target_sample_ns", "_warmup_samples",
        "_calibration_rounds", "_wall_seconds", "_stopped_by_budget", "_counters",
        "_metrics", "_segments", "_stats",
    )

    def __init__(self, *, samples_ns: np.ndarray | list[float], iterations_per_sample: int,
                 overhead_ns: float, overhead_subtracted: bool, clock: str, ticks_per_ns: float,
                 loop_overhead_ns: float = 0.0,
                 target_sample_ns: float = 0.0, warmup_samples: int = 0, calibration_rounds: int = 0,
                 wall_seconds: float = 0.0, stopped_by_budget: bool = True,
                 counters: Mapping[str, Any] | None = None,
                 metrics: list[Mapping[str, Any]] | tuple[Mapping[str, Any], ...] = (),
                 segments: Sequence[Sequence[int]] | None = None,
                 stats: SampleStats | None = None) -> None:
        """``stats``: the samples' statistics when already known (read back from a store),
        so they are not computed again; by default they are computed on first use."""
        samples = np.asarray(samples_ns, dtype=np.float64)
        if samples.ndim != 1 or samples.size == 0:
            raise ValueError("a measurement needs at least one sample")
        if iterations_per_sample < 1:
            raise ValueError("iterations_per_sample must be >= 1")
        if not ticks_per_ns > 0:
            raise ValueError("ticks_per_ns must be positive")
        if stats is not None and stats.n != samples.size:
            raise ValueError(f"statistics of {stats.n} samples given for a measurement of {samples.size}")
        if samples.flags.writeable:  # someone else could still write to it: keep a private copy
            samples = samples.copy()
            samples.flags.writeable = False
        setter = object.__setattr__
        setter(self, "_samples_ns", samples)
        setter(self, "_iterations_per_sample", int(iterations_per_sample))
        setter(self, "_overhead_ns", float(overhead_ns))
        setter(self, "_loop_overhead_ns", float(loop_overhead_ns))
        setter(self, "_overhead_subtracted", bool(overhead_subtracted))
        setter(self, "_clock", str(clock))
        setter(self, "_ticks_per_ns", float(ticks_per_ns))
        setter(self, "_target_sample_ns", float(target_sample_ns))
        setter(self, "_warmup_samples", int(warmup_samples))
        setter(self, "_calibration_rounds", int(calibration_rounds))
        setter(self, "_wall_seconds", float(wall_seconds))
        setter(self, "_stopped_by_budget", bool(stopped_by_budget))
        setter(self, "_counters", MappingProxyType(dict(counters or {"available": False, "reason": "not recorded"})))
        setter(self, "_metrics", tuple(MappingProxyType(dict(m)) for m in metrics))
        runs = tuple((int(process), int(count)) for process, count in (segments or ((0, samples.size),)))
        if sum(count for _, count in runs) != samples.size or any(count < 1 for _, count in runs):
            raise ValueError(f"segments {list(runs)} do not partition the {samples.size} samples")
        setter(self, "_segments", runs)
        setter(self, "_stats", stats)  # None: computed on first use (workers never need it)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("Measurement is immutable")

    def __delattr__(self, name: str) -> None:
        raise AttributeError("Measurement is immutable")

    def __repr__(self) -> str:
        return (f"Measurement(median={self.median:.4g} ns, n={self._samples_ns.size}, "
                f"iterations_per_sample={self.iterations_per_sample}, clock={self.clock!r})")

    # -- how it was taken
    samples_ns = property(lambda self: self._samples_ns, doc="per-iteration ns, one per sample (read-only)")
    iterations_per_sample = property(lambda self: self._iterations_per_sample)
    overhead_ns = property(lambda self: self._overhead_ns,
                           doc="fixed cost of a sample (clock reads, the call) per iteration; what is subtracted")
    loop_overhead_ns = property(lambda self: self._loop_overhead_ns,
                                doc="the empty loop's own cost per iteration; reported, never subtracted "
                                    "(it overlaps with real bodies on out-of-order cores)")
    overhead_subtracted = property(lambda self: self._overhead_subtracted)
    clock = property(lambda self: self._clock)
    ticks_per_ns = property(lambda self: self._ticks_per_ns)
    target_sample_ns = property(lambda self: self._target_sample_ns)
    warmup_samples = property(lambda self: self._warmup_samples)
    calibration_rounds = property(lambda self: self._calibration_rounds)
    wall_seconds = property(lambda self: self._wall_seconds)
    stopped_by_budget = property(lambda self: self._stopped_by_budget)
    counters = property(lambda self: self._counters, doc="hardware counts per iteration, or why there are none")
    metrics = property(lambda self: self._metrics, doc="figures the workload measured about itself")
    segments = property(lambda self: self._segments,
                        doc="(process, count) per run of samples one process took in one go, in sample order: "
                            "what the confidence intervals treat as independent")

    @property
    def resolution_ns(self) -> float:
        """The smallest step a sample can resolve, per iteration: one clock unit (a tick, or a
        ns for the OS clocks) over the iterations per sample."""
        unit_ns = 1.0 / self._ticks_per_ns if self._clock in TICK_CLOCKS else 1.0
        return unit_ns / self._iterations_per_sample

    # -- statistics, in ns per iteration
    @property
    def stats(self) -> SampleStats:
        if self._stats is None:
            object.__setattr__(self, "_stats", summarize(self._samples_ns, self._segments, self.resolution_ns))
        return self._stats

    median = property(lambda self: self.stats.median)
    mean = property(lambda self: self.stats.mean)
    stdev = property(lambda self: self.stats.stdev)
    min = property(lambda self: self.stats.min)
    max = property(lambda self: self.stats.max)

    @property
    def percentiles(self) -> Mapping[str, float]:
        s = self.stats
        return MappingProxyType({"p50": s.p50, "p90": s.p90, "p95": s.p95, "p99": s.p99, "p99.9": s.p999})

    @property
    def ticks(self) -> SampleStats | None:
        """Statistics in clock ticks per iteration when a cycle counter took the samples."""
        return self.stats.scaled(self._ticks_per_ns) if self._clock in TICK_CLOCKS else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "samples_ns": self._samples_ns.tolist(),
            "iterations_per_sample": self._iterations_per_sample,
            "overhead_ns": self._overhead_ns,
            "loop_overhead_ns": self._loop_overhead_ns,
            "overhead_subtracted": self._overhead_subtracted,
            "clock": self._clock,
            "ticks_per_ns": self._ticks_per_ns,
            "target_sample_ns": self._target_sample_ns,
            "warmup_samples": self._warmup_samples,
            "calibration_rounds": self._calibration_rounds,
            "wall_seconds": self._wall_seconds,
            "stopped_by_budget": self._stopped_by_budget,
            "counters": dict(self._counters),
            "metrics": [dict(m) for m in self._metrics],
            "segments": [list(segment) for segment in self._segments],
        }

    @staticmethod
    def from_dict(data: Mapping[str, Any], stats: SampleStats | None = None) -> Measurement:
        return Measurement(**data, stats=stats)

    def to_dataframe(self) -> pd.DataFrame:
        """One row per sample in the order taken: ``sample`` (index), ``process`` (which
        process took it, from ``segments``), ``ns`` (per iteration)."""
        from perfbench.frames.columns import measurement_frame  # pandas, only when asked for

        return measurement_frame(self)

    def _repr_html_(self) -> str:
        """Jupyter's view: the median with its interval, and the main statistics."""
        from perfbench.frames.html_views import measurement_html

        return measurement_html(self)


def pool_measurements(rounds: list[Measurement]) -> Measurement:
    """One measurement from several rounds taken with the same iterations per sample (the
    worker fixes them after the first round); see wire_pooling.pool_wire."""
    if len(rounds) == 1:
        return rounds[0]
    return Measurement.from_dict(pool_wire([r.to_dict() for r in rounds]))


@dataclasses.dataclass(frozen=True, slots=True)
class Failure:
    """Why a benchmark produced no measurement."""

    # "crash" (signal), "timeout", "exception", "exit" (non-zero status), "setup", "memory"
    # (beyond the memory limit), "interrupted" (Ctrl-C), "analysis" (measured, not analysable)
    kind: str
    message: str  # one line a user can act on
    detail: str = ""  # traceback or stderr tail

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclasses.dataclass(frozen=True, slots=True)
class MeasurementError:
    """A figure that cannot be (an efficiency above 1, a maximum below its average, ...):
    an error of the measurement, reported in place of the figure, never as a result. The
    rules that find them live in analysis/plausibility.py."""

    check: str  # the rule that found it, e.g. "efficiency-above-one"
    figures: tuple[str, ...]  # the figures it makes unusable, by the names SLA rules use
    message: str  # one line with the numbers and what they contradict

    def to_dict(self) -> dict[str, Any]:
        return {"check": self.check, "figures": list(self.figures), "message": self.message}

    @staticmethod
    def from_dict(data: Mapping[str, Any]) -> MeasurementError:
        return MeasurementError(str(data["check"]), tuple(data["figures"]), str(data["message"]))


METRIC_UNITS = ("ns", "bytes", "per_s", "bytes_per_s", "ticks", "count", "ratio", "fraction")


@dataclasses.dataclass(frozen=True, slots=True)
class Metric:
    """A named figure with its unit (one of METRIC_UNITS): reported by a workload, or
    derived from measurements (a growth exponent, a ratio to a baseline)."""

    name: str
    value: float
    unit: str
    # The 95 % confidence interval of the value where it is known (None: not estimated, e.g. a
    # figure from one observation). Verdicts read it: a rule is judged on the whole interval.
    ci_low: float | None = None
    ci_high: float | None = None
    noise: str = ""  # how the interval was made, e.g. "between 5 iterations"

    def __post_init__(self) -> None:
        if self.unit not in METRIC_UNITS:
            raise ValueError(f"metric {self.name!r}: unit {self.unit!r} is not one of {', '.join(METRIC_UNITS)}")
        if (self.ci_low is None) != (self.ci_high is None):
            raise ValueError(f"metric {self.name!r}: an interval needs both ends")

    @property
    def has_interval(self) -> bool:
        return self.ci_low is not None

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"name": self.name, "value": self.value, "unit": self.unit}
        if self.ci_low is not None:
            data.update(ci_low=self.ci_low, ci_high=self.ci_high)
        if self.noise:
            data["noise"] = self.noise
        return data


@dataclasses.dataclass(frozen=True, slots=True)
class SweepPoint:
    """One size of a scalability sweep: the parameter's value and what it measured."""

    value: float
    measurement: Measurement

    def to_dict(self) -> dict[str, Any]:
        return {"value": self.value, "measurement": self.measurement.to_dict()}

    @staticmethod
    def from_dict(data: Mapping[str, Any]) -> SweepPoint:
        return SweepPoint(float(data["value"]), Measurement.from_dict(data["measurement"]))


@dataclasses.dataclass(frozen=True, slots=True)
class IterationRecord:
    """One iteration of a benchmark: a process run for a command, a sampling round for a
    micro-benchmark. Warm-up iterations are recorded but never counted in statistics."""

    index: int  # position in the run order, warm-ups first
    warmup: bool
    wall_ns: float | None  # None when the iteration did not run to its end (timeout, crash)
    failure: Failure | None = None
    cpu_user_seconds: float | None = None  # commands: exact, from wait4 rusage of the tree
    cpu_system_seconds: float | None = None
    exit_code: int | None = None
    io_read_bytes: int | None = None  # commands: rusage block counts x 512
    io_write_bytes: int | None = None
    measurement: Measurement | None = None  # micro-benchmarks: this round's samples
    # A sweep's points, measured in this iteration (``measurement`` is then the largest size's).
    sweep: tuple[SweepPoint, ...] = ()
    baseline: Measurement | None = None  # the baseline measured alternately with the target
    resources: Mapping[str, Any] | None = None  # ResourceSummary.to_dict(), time series included
    resource_metrics: tuple[Metric, ...] = ()  # that summary's figures (cpu_avg, max_rss, ...)
    stderr_tail: str = ""
    # Which process measured it, numbered from 0 within the benchmark: the worker process of a
    # micro-benchmark (its counted iterations may be spread over several), or for a command the
    # iteration itself (each runs as a new process). The process is the unit of noise: what a
    # process draws once (address-space layout, pages, hash seed) moves all of its samples.
    process: int = 0
    # A load test's iteration: its figures as load/stored.py writes them (LoadRecord reads them).
    load: Mapping[str, Any] | None = None

    def __post_init__(self) -> None:
        if self.sweep:
            largest = self.sweep[-1].measurement
            if self.measurement is None:
                object.__setattr__(self, "measurement", largest)
            elif self.measurement is not largest:
                raise ValueError("a sweep iteration's measurement is its largest size's point")

    @property
    def ok(self) -> bool:
        return self.failure is None

    def metric_value(self, name: str) -> float | None:
        return next((m.value for m in self.resource_metrics if m.name == name), None)

    def to_dict(self) -> dict[str, Any]:
        return {
            "index": self.index, "warmup": self.warmup, "wall_ns": self.wall_ns,
            "failure": self.failure.to_dict() if self.failure else None,
            "cpu_user_seconds": self.cpu_user_seconds, "cpu_system_seconds": self.cpu_system_seconds,
            "exit_code": self.exit_code, "io_read_bytes": self.io_read_bytes, "io_write_bytes": self.io_write_bytes,
            # a sweep's measurement is its largest point: stored once, in "sweep"
            "measurement": self.measurement.to_dict() if self.measurement and not self.sweep else None,
            "sweep": [point.to_dict() for point in self.sweep],
            "baseline": self.baseline.to_dict() if self.baseline else None,
            "resources": dict(self.resources) if self.resources else None,
            "resource_metrics": [m.to_dict() for m in self.resource_metrics],
            "stderr_tail": self.stderr_tail,
            "process": self.process,
            **({"load": dict(self.load)} if self.load is not None else {}),
        }

    @staticmethod
    def from_dict(data: Mapping[str, Any]) -> IterationRecord:
        return IterationRecord(
            index=data["index"], warmup=data["warmup"], wall_ns=data["wall_ns"],
            failure=Failure(**data["failure"]) if data.get("failure") else None,
            cpu_user_seconds=data.get("cpu_user_seconds"), cpu_system_seconds=data.get("cpu_system_seconds"),
            exit_code=data.get("exit_code"), io_read_bytes=data.get("io_read_bytes"),
            io_write_bytes=data.get("io_write_bytes"),
            measurement=Measurement.from_dict(data["measurement"]) if data.get("measurement") else None,
            sweep=tuple(SweepPoint.from_dict(p) for p in data.get("sweep", ())),
            baseline=Measurement.from_dict(data["baseline"]) if data.get("baseline") else None,
            resources=data.get("resources"),
            resource_metrics=tuple(Metric(**m) for m in data.get("resource_metrics", ())),
            stderr_tail=data.get("stderr_tail", ""), process=data.get("process", 0), load=data.get("load"))


@dataclasses.dataclass(frozen=True, slots=True)
class BenchmarkResult:
    """What one benchmark in one lane produced: a measurement, a failure, or both (when some
    iterations failed, the others' measurement is kept).

    ``metrics`` holds the figures beyond the timing statistics; ``sweep`` the points of a
    scalability sweep (``measurement`` is then the largest size's); ``baseline`` the
    measurement it was compared with side by side; ``labels`` short texts such as a BigO class.
    """

    lane: str
    benchmark: str
    kind: str  # "workload", "python", "command", "load"
    measurement: Measurement | None
    failure: Failure | None = None
    params: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    metrics: tuple[Metric, ...] = ()
    sweep: tuple[SweepPoint, ...] = ()
    baseline: Measurement | None = None
    labels: Mapping[str, str] = dataclasses.field(default_factory=dict)
    iterations: tuple[IterationRecord, ...] = ()
    # Figures found impossible where the result was made: errors of the measurement, which
    # verdicts and reports show in place of those figures.
    measurement_errors: tuple[MeasurementError, ...] = ()

    @property
    def counted_iterations(self) -> tuple[IterationRecord, ...]:
        return tuple(i for i in self.iterations if not i.warmup)

    def metric(self, name: str) -> Metric | None:
        return next((m for m in self.metrics if m.name == name), None)

    def __post_init__(self) -> None:
        # A failed benchmark may still carry what its successful iterations measured.
        if self.measurement is None and self.failure is None:
            raise ValueError("a result has a measurement, a failure, or both")

    @property
    def ok(self) -> bool:
        return self.failure is None

    @property
    def could_not_run(self) -> bool:
        """It failed (crash, timeout, exception, ...), not merely cut short by an interrupt."""
        return self.failure is not None and self.failure.kind != "interrupted"

    @property
    def key(self) -> str:
        return f"{self.lane}/{self.benchmark}"

    def to_dataframe(self) -> pd.DataFrame:
        """Its measurement's samples (``Measurement.to_dataframe``); none when it measured nothing."""
        from perfbench.frames.columns import MEASUREMENT_COLUMNS, measurement_frame

        if self.measurement is None:
            import pandas as pd

            return pd.DataFrame(columns=MEASUREMENT_COLUMNS)
        return measurement_frame(self.measurement)

    def _repr_html_(self) -> str:
        from perfbench.frames.html_views import result_html

        return result_html(self)
