"""The built-in default suite: what ``python -m perfbench run`` measures with no configuration.

Each family module contributes ``benchmarks(quick) -> list[BenchmarkDefinition]``; the
definitions name their lane, and lanes run in the order below.
"""

from __future__ import annotations

import dataclasses

from perfbench.builtin import api, core, messages, nodes, runtime, workflow
from perfbench.definition.suite import BenchmarkDefinition

LANES = {
    "core": "basic workloads of known shape that anchor the measurement core",
    "docs": "hot paths and creation (fast)",
    "standard": "nodes, workflow execution, messages, memory, runtime",
    "heavy": "scalability sweeps, 1,000 concurrent workflows, 10,000 agents, thread-pool scaling, payroll",
    "api": "an HTTP API on the built-in loopback server: payloads, keep-alive vs new connection, rate limit, burst, leaks",
}
FAMILIES = (core, messages, nodes, runtime, workflow, api)
# The built-in workloads take seconds per iteration: one that hangs is killed after 2 minutes
# (or sooner where its family says so), not after the 30 minutes a user's lane gets by default.
ITERATION_TIMEOUT_SECONDS = 120.0


@dataclasses.dataclass(frozen=True, slots=True)
class Lane:
    name: str
    description: str
    benchmarks: tuple[BenchmarkDefinition, ...]


def default_lanes(*, quick: bool = False, budget_seconds: float | None = None) -> tuple[Lane, ...]:
    definitions = [dataclasses.replace(d, timeout_seconds=min(d.timeout_seconds, ITERATION_TIMEOUT_SECONDS))
                   for family in FAMILIES for d in family.benchmarks(quick)]
    if budget_seconds is not None:
        definitions = [dataclasses.replace(d, sampling=dataclasses.replace(d.sampling, budget_seconds=budget_seconds))
                       for d in definitions]
    unknown = {d.lane for d in definitions} - LANES.keys()
    if unknown:
        raise ValueError(f"built-in definitions use undeclared lanes: {sorted(unknown)}")
    lanes = (Lane(name, description, tuple(d for d in definitions if d.lane == name))
             for name, description in LANES.items())
    return tuple(lane for lane in lanes if lane.benchmarks)
