"""Benchmark definitions: what to run, in which lane, sampled how, bounded by what.

A definition is data only (frozen, JSON-able): the runner hands its ``job()`` to a worker
process, which is the only place a target is executed.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, Union

from perfbench.sampling import SamplingOptions
from perfbench.sla import Rule

DEFAULT_TIMEOUT_SECONDS = 120.0


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


Target = Union[WorkloadTarget, PythonTarget]


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
    sampling: SamplingOptions = SamplingOptions()  # per sweep point, shared with a baseline
    timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS
    description: str = ""
    sla: tuple[Rule, ...] = ()
    sweep: Sweep | None = None
    # Measured alternately with the target in the same worker: the ratio is what counts.
    baseline: Target | None = None

    def __post_init__(self) -> None:
        if self.sweep is not None and self.baseline is not None:
            raise ValueError(f"{self.key}: a benchmark has a sweep or a baseline, not both")

    @property
    def key(self) -> str:
        return f"{self.lane}/{self.name}"

    @property
    def kind(self) -> str:
        return self.target.kind

    def job(self) -> dict[str, Any]:
        return {"name": self.name, "lane": self.lane, "target": self.target.job(),
                "sampling": self.sampling.to_dict(),
                "sweep": self.sweep.job() if self.sweep else None,
                "baseline": self.baseline.job() if self.baseline else None}
