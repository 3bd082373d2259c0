"""Watching one iteration's process tree: the resource sampler, and the memory limit.

Kept apart from the sampler itself so that the runner's two paths (worker processes and
commands) share one way to start sampling, enforce a limit and collect the figures.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from perfbench.model import Metric
from perfbench.execution.process_termination import kill_tree
from perfbench.resources.resource_sampler import ResourceSampler
from perfbench.definition.suite import BenchmarkDefinition
from perfbench.units import format_size


@dataclasses.dataclass(frozen=True, slots=True)
class ObservedResources:
    summary: Mapping[str, Any] | None
    metrics: tuple[Metric, ...]


class IterationWatch:
    def __init__(self, pid: int, sampler: ResourceSampler | None, limit: int | None) -> None:
        self.pid = pid
        self.sampler = sampler
        self.limit = limit

    @staticmethod
    def start(pid: int, definition: BenchmarkDefinition) -> IterationWatch:
        if definition.metrics_interval_seconds is None:
            return IterationWatch(pid, None, None)
        limit = definition.memory_limit_bytes
        sampler = ResourceSampler(pid, definition.metrics_interval_seconds, rss_limit_bytes=limit,
                                  on_limit=lambda _rss: kill_tree(pid))
        sampler.start()
        return IterationWatch(pid, sampler, limit)

    @property
    def limit_exceeded(self) -> int | None:
        return self.sampler.limit_exceeded if self.sampler else None

    def describe_limit(self) -> str:
        return f"tree RSS {format_size(self.limit_exceeded)} > limit {format_size(self.limit)}"

    def stop(self, ru_maxrss_bytes: int | None = None) -> ObservedResources:
        if self.sampler is None:
            return ObservedResources(None, ())
        summary = self.sampler.stop(ru_maxrss_bytes)
        metrics = [Metric(n, v, u) for n, v, u in summary.metrics()]
        # The sampler's own cost, reported with what it measured (fraction of one core).
        metrics.append(Metric("sampler_cpu", summary.sampler_cpu_fraction, "fraction"))
        return ObservedResources(summary.to_dict(), tuple(metrics))
