"""Lane ``core``: basic workloads of known shape that anchor the measurement core."""

from __future__ import annotations

from perfbench.measuring.sampling import SamplingOptions
from perfbench.sla import rule
from perfbench.definition.suite import BenchmarkDefinition, WorkloadTarget

_WORKLOADS = (
    # name, what it measures, SLA rules that follow from its known shape
    ("empty", "the timing loop alone; reads ~0 ns once overhead is subtracted",
     # the measurement core's own promise: an empty body must not read as work
     (rule("median <= 0.5ns", severity="error", name="empty body |t| <= 0.5 ns"),
      rule("median >= -0.5ns", severity="error", name="empty body |t| <= 0.5 ns (below zero)"))),
    ("add_chain_8", "8 dependent adds: 8 core cycles", ()),
    ("hash_lookup_1k", "lookup in a 1,024-entry std::unordered_map", ()),
    ("memcpy_4KiB", "memcpy of 4 KiB", ()),
    ("memcpy_1MiB", "memcpy of 1 MiB", ()),
    ("sort_1k", "copy + std::sort of 1,000 uint32", ()),
    ("sort_100k", "copy + std::sort of 100,000 uint32", ()),
)


def benchmarks(quick: bool) -> list[BenchmarkDefinition]:
    sampling = SamplingOptions(budget_seconds=0.1 if quick else 0.5)
    return [BenchmarkDefinition(name=name, lane="core", target=WorkloadTarget(name), sampling=sampling,
                                description=description, sla=rules)
            for name, description, rules in _WORKLOADS]
