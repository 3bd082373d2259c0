"""The built-in default suite: what ``python -m perfbench run`` measures with no configuration.

Lanes group benchmarks by cost. ``core`` holds the basic workloads of known shape that
anchor the measurement core (empty body, dependent adds, hash lookup, memcpy, sort).
"""

from __future__ import annotations

import dataclasses

from perfbench.sampling import SamplingOptions
from perfbench.suite import BenchmarkDefinition, WorkloadTarget

QUICK_BUDGET_SECONDS = 0.1


@dataclasses.dataclass(frozen=True, slots=True)
class Lane:
    name: str
    description: str
    benchmarks: tuple[BenchmarkDefinition, ...]


def _core_lane(sampling: SamplingOptions) -> Lane:
    workloads = (
        ("empty", "the timing loop alone; reads ~0 ns once overhead is subtracted"),
        ("add_chain_8", "8 dependent adds: 8 core cycles"),
        ("hash_lookup_1k", "lookup in a 1,024-entry std::unordered_map"),
        ("memcpy_4KiB", "memcpy of 4 KiB"),
        ("memcpy_1MiB", "memcpy of 1 MiB"),
        ("sort_1k", "copy + std::sort of 1,000 uint32"),
        ("sort_100k", "copy + std::sort of 100,000 uint32"),
    )
    return Lane("core", "basic workloads of known shape that anchor the measurement core", tuple(
        BenchmarkDefinition(name=name, lane="core", target=WorkloadTarget(name), sampling=sampling,
                            description=description)
        for name, description in workloads))


def default_lanes(*, quick: bool = False, budget_seconds: float | None = None) -> tuple[Lane, ...]:
    budget = budget_seconds if budget_seconds is not None else (QUICK_BUDGET_SECONDS if quick else None)
    sampling = SamplingOptions() if budget is None else SamplingOptions(budget_seconds=budget)
    return (_core_lane(sampling),)
