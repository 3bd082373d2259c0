"""A load test run from Python, stored as a benchmark of its own run (``LoadResult.save``).

The run holds one result of kind ``load`` (lane ``heavy`` by default), made as a lane's load
benchmark is (analysis.aggregate over its one iteration), so that history, baselines,
``compare`` and every report treat it as they treat a load test run by ``run``.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from types import MappingProxyType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from perfbench.load.result import LoadResult
    from perfbench.model import BenchmarkResult

DEFAULT_LANE = "heavy"


def benchmark_result(result: LoadResult, name: str, lane: str = DEFAULT_LANE,
                     sla: Iterable[str] = ()) -> tuple[BenchmarkResult, list]:
    """The load test as a benchmark result, and its SLA rules' verdicts."""
    from perfbench.analysis.aggregate import assemble_result
    from perfbench.definition.suite import BenchmarkDefinition, LoadTarget
    from perfbench.load.stored import load_record, window_measurement
    from perfbench.model import IterationRecord
    from perfbench.sla import evaluate_all, rule_from_spec

    options = result.options.to_dict()
    definition = BenchmarkDefinition(name=name, lane=lane, description=f"load test of {result.options.url}",
                                     target=LoadTarget(result.options.url, MappingProxyType(options)),
                                     sla=tuple(rule_from_spec(r) for r in sla))
    record = IterationRecord(index=0, warmup=False, wall_ns=result.wall_s * 1e9,
                             measurement=window_measurement(result), load=load_record(result))
    benchmark = assemble_result(definition, [record])
    return benchmark, evaluate_all([(benchmark, definition.sla)])


def save(result: LoadResult, name: str, *, lane: str = DEFAULT_LANE, store: str | os.PathLike[str] | None = None,
         sla: Iterable[str] = ()) -> int:
    """Stores the load test as a run of one benchmark ``lane/name``; returns the run's id."""
    from perfbench.execution.whole_run import store_whole_run
    from perfbench.store import DEFAULT_STORE_PATH, open_store

    benchmark, verdicts = benchmark_result(result, name, lane, sla)
    with open_store(store if store is not None else DEFAULT_STORE_PATH) as opened:
        return store_whole_run(opened, [benchmark], verdicts, f"perfbench.load_test({result.options.url!r})")
