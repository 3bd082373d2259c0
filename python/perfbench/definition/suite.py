"""Benchmark definitions: what to run, in which lane, sampled how, bounded by what.

A definition is data only (frozen, JSON-able): the runner hands its ``job()`` to a worker
process, which is the only place a target is executed.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, Union

from perfbench.measuring.sampling import SamplingOptions
from perfbench.sla import Rule

# The defaults of a definition, and of a config lane that says nothing (config/schema.py):
# one per setting. 30 minutes per iteration, because a CI lane of 20 minutes is an iteration
# too; a tighter bound is the definition's or the lane's to set (`timeout`, `--timeout`).
DEFAULT_TIMEOUT_SECONDS = 30 * 60.0  # per iteration
DEFAULT_METRICS_INTERVAL_SECONDS = 0.1


@dataclasses.dataclass(frozen=True, slots=True)
class WorkloadTarget:
    """A built-in C++ workload from the core's catalogue."""

    workload: str
    params: Mapping[str, float] = dataclasses.field(default_factory=lambda: MappingProxyType({}))
    kind = "workload"

    def job(self) -> dict[str, Any]:
        return {"kind": self.kind, "workload": self.workload, "params": dict(self.params)}


@dataclasses.dataclass(frozen=True, slots=True)
class PythonTarget:
    """A Python callable, found by file path and qualified name, called with keyword params."""

    path: str
    function: str
    params: Mapping[str, Any] = dataclasses.field(default_factory=lambda: MappingProxyType({}))
    setup: str | None = None  # name of a function in the same file, run once per worker
    kind = "python"

    def job(self) -> dict[str, Any]:
        return {"kind": self.kind, "path": self.path, "function": self.function,
                "params": dict(self.params), "setup": self.setup}


@dataclasses.dataclass(frozen=True, slots=True)
class CommandTarget:
    """A command run as a process, one process per iteration. A string runs through
    ``/bin/sh -c``; a tuple is an argv run directly."""

    command: str | tuple[str, ...]
    setup: str | tuple[str, ...] | None = None  # before each iteration, untimed
    teardown: str | tuple[str, ...] | None = None  # after each iteration, untimed
    env: Mapping[str, str] = dataclasses.field(default_factory=lambda: MappingProxyType({}))
    cwd: str | None = None
    kind = "command"

    @property
    def params(self) -> Mapping[str, Any]:
        return MappingProxyType({})

    def job(self) -> dict[str, Any]:
        return {"kind": self.kind, "command": self.command, "setup": self.setup, "teardown": self.teardown,
                "env": dict(self.env), "cwd": self.cwd}


@dataclasses.dataclass(frozen=True, slots=True)
class LoadTarget:
    """A bounded load test per iteration (``perfbench.load_test``'s keyword ``arguments``)
    against ``url``; or, with ``server`` (the built-in loopback server's settings: ``threads``,
    ``body_bytes``, ``faults``, ``stalls``), against that server started in a process of its own
    for the benchmark, ``url`` then being the path (``/bytes/1024``)."""

    url: str
    arguments: Mapping[str, Any] = dataclasses.field(default_factory=lambda: MappingProxyType({}))
    server: Mapping[str, Any] | None = None
    kind = "load"

    @property
    def params(self) -> Mapping[str, Any]:
        return self.arguments

    def job(self) -> dict[str, Any]:
        return {"kind": self.kind, "url": self.url, "arguments": dict(self.arguments),
                "server": dict(self.server) if self.server is not None else None, "params": dict(self.arguments)}


Target = Union[WorkloadTarget, PythonTarget, CommandTarget, LoadTarget]


@dataclasses.dataclass(frozen=True, slots=True)
class Sweep:
    """Measure the target at each value of one parameter and fit how ``fit_on`` grows:
    ``"median"`` (ns per iteration) or the name of a metric the workload reports."""

    param: str
    values: tuple[float, ...]
    fit_on: str = "median"

    def __post_init__(self) -> None:
        if len(self.values) < 2:
            raise ValueError(f"sweep over {self.param!r} needs at least two values")
        if any(b <= a for a, b in zip(self.values, self.values[1:])):
            raise ValueError(f"sweep over {self.param!r}: values must increase")

    def job(self) -> dict[str, Any]:
        return {"param": self.param, "values": list(self.values)}


@dataclasses.dataclass(frozen=True, slots=True)
class BenchmarkDefinition:
    name: str
    lane: str
    target: Target
    sampling: SamplingOptions = SamplingOptions()  # per iteration and sweep point, shared with a baseline
    timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS  # per iteration
    description: str = ""
    iterations: int = 1  # counted iterations
    warmup_iterations: int = 0  # run first (in every worker process), recorded, never counted
    # Micro-benchmarks: fresh worker processes the counted iterations are spread over, so that
    # what a process draws once (address-space layout, physical pages, hash seed) averages out
    # instead of deciding the result. Commands already run each iteration as a new process.
    processes: int = 1
    metrics_interval_seconds: float | None = DEFAULT_METRICS_INTERVAL_SECONDS  # None: no resource sampling
    memory_limit_bytes: int | None = None  # the process tree is killed beyond this RSS
    env: Mapping[str, str] = dataclasses.field(default_factory=lambda: MappingProxyType({}))
    cwd: str | None = None
    sla: tuple[Rule, ...] = ()
    sweep: Sweep | None = None
    # Measured alternately with the target in the same worker: the ratio is what counts.
    baseline: Target | None = None
    # The work one call does in the user's units ("items", "bytes"): each gives a throughput
    # metric "<unit>_per_s" (for a sweep, at the largest size, whose measurement the result is).
    work_per_call: Mapping[str, float] = dataclasses.field(default_factory=lambda: MappingProxyType({}))
    # The relative change of the median that counts as a regression when this benchmark is
    # compared with a baseline (0.05: 5 %); None: the comparison's default (analysis/comparison.py).
    regression_threshold: float | None = None
    # What a slower verdict counts as: "error" (the default) and "critical" fail the check; "warning" does not.
    regression_severity: str = "error"

    def __post_init__(self) -> None:
        if self.sweep is not None and self.baseline is not None:
            raise ValueError(f"{self.key}: a benchmark has a sweep or a baseline, not both")
        if self.iterations < 1 or self.warmup_iterations < 0:
            raise ValueError(f"{self.key}: needs iterations >= 1 and warmup >= 0")
        if not 1 <= self.processes <= self.iterations:
            raise ValueError(f"{self.key}: needs 1 <= processes <= iterations ({self.iterations}), "
                             f"got {self.processes}")
        if self.kind == "command" and self.processes != 1:
            raise ValueError(f"{self.key}: a command runs every iteration as a new process; processes must be 1")
        if any(not amount > 0 for amount in self.work_per_call.values()):
            raise ValueError(f"{self.key}: work per call must be positive, got {dict(self.work_per_call)}")
        if self.kind == "command" and (self.sweep is not None or self.baseline is not None):
            raise ValueError(f"{self.key}: commands take neither a sweep nor a baseline")
        if self.kind == "load" and (self.sweep is not None or self.baseline is not None):
            raise ValueError(f"{self.key}: load tests take neither a sweep nor a baseline")

    @property
    def key(self) -> str:
        return f"{self.lane}/{self.name}"

    @property
    def kind(self) -> str:
        return self.target.kind

    @property
    def total_iterations(self) -> int:
        """Counted iterations plus every worker process's warm-ups."""
        return self.iterations + self.warmup_iterations * self.processes

    def process_shares(self) -> list[int]:
        """Counted iterations per worker process, as even as they divide (5 over 2: [3, 2])."""
        whole, extra = divmod(self.iterations, self.processes)
        return [whole + (1 if p < extra else 0) for p in range(self.processes)]

    def job(self, iterations: int | None = None, sampling: SamplingOptions | None = None) -> dict[str, Any]:
        """What one worker process runs: ``iterations`` counted iterations (default: all of
        them) with ``sampling`` (default: the definition's)."""
        return {"name": self.name, "lane": self.lane, "target": self.target.job(),
                "sampling": (sampling or self.sampling).to_dict(),
                "sweep": self.sweep.job() if self.sweep else None,
                "baseline": self.baseline.job() if self.baseline else None,
                "iterations": self.iterations if iterations is None else iterations,
                "warmup_iterations": self.warmup_iterations}
