"""Constructed histories, written run by run through the store interface.

Each run holds, for every benchmark, a result of three worker processes of ten samples
each, spread symmetrically around the median the test asks for: the pooled median that
the store keeps is that value (to rounding), so a test can assert step sizes exactly.
Nothing is measured.

Used by tests/test_history_trend.py (real SQLite stores of tens of runs).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from perfbench.analysis.aggregate import assemble_result
from perfbench.definition.suite import BenchmarkDefinition, PythonTarget
from perfbench.model import Failure, IterationRecord, Measurement
from perfbench.resources.host_fingerprint import host_fingerprint, host_id
from perfbench.store import ResultStore
from perfbench.store.interface import RunMetadata

PROCESSES = 3
SAMPLES_PER_PROCESS = 10
# Offsets of one process's samples around the median: symmetric, so that the median of the
# pooled samples is the median asked for.
_SPREAD = tuple(0.002 * (k - (SAMPLES_PER_PROCESS - 1) / 2) for k in range(SAMPLES_PER_PROCESS))

HOST_A = {"cpu": {"model": "Constructed CPU A", "logical_cores": 2}, "memory_bytes": 24 << 30,
          "kernel": "6.1.0-test", "hostname": "host-a"}
HOST_B = {"cpu": {"model": "Constructed CPU B", "logical_cores": 8}, "memory_bytes": 64 << 30,
          "kernel": "6.1.0-test", "hostname": "host-b"}


def _definition(key: str) -> BenchmarkDefinition:
    lane, name = key.split("/", 1)
    return BenchmarkDefinition(name=name, lane=lane, target=PythonTarget("bench.py", name), iterations=PROCESSES,
                               warmup_iterations=0, processes=PROCESSES)


def _records(median: float) -> list[IterationRecord]:
    return [IterationRecord(index=p, warmup=False, wall_ns=1e6, process=p, measurement=Measurement(
        samples_ns=[median * (1.0 + offset) for offset in _SPREAD], iterations_per_sample=100, overhead_ns=0.0,
        overhead_subtracted=True, clock="steady_clock", ticks_per_ns=1.0, wall_seconds=0.01,
        counters={"available": False}, segments=[(p, SAMPLES_PER_PROCESS)])) for p in range(PROCESSES)]


def _failed() -> list[IterationRecord]:
    return [IterationRecord(index=0, warmup=False, wall_ns=None, process=0,
                            failure=Failure("timeout", "timed out after 10 s"))]


def store_history(store: ResultStore, medians: Mapping[str, Sequence[float | None]], *,
                  commits: Sequence[str | None] | None = None, hosts: Sequence[Mapping[str, Any]] | None = None,
                  dirty: Sequence[bool] | None = None, metadata: bool = True,
                  dates: Sequence[str] | None = None) -> list[int]:
    """Writes one run per position of the series (all as long as each other) and returns
    their ids. ``medians``: 'lane/name' -> the median of each run in ns, or None where the
    benchmark failed in that run. ``commits``/``hosts``/``dirty``: each run's git commit,
    host environment and dirty flag (default: commit c0, c1, ... on HOST_A, clean).
    ``metadata``: give each run its RunMetadata (commit, branch "main", dirty flag, host
    fingerprint and id), as the run session does; False stores the environment only, as a
    run stored without metadata has it. ``dates``: each run's start (ISO 8601; default now)."""
    lengths = {len(series) for series in medians.values()}
    if len(lengths) != 1:
        raise ValueError(f"every series needs the same number of runs, got lengths {sorted(lengths)}")
    (count,) = lengths
    definitions = {key: _definition(key) for key in medians}
    run_ids = []
    for i in range(count):
        commit = commits[i] if commits is not None else f"c{i}"
        is_dirty = None if commit is None else bool(dirty[i]) if dirty is not None else False
        environment = {"perfbench_version": "test", **(hosts[i] if hosts is not None else HOST_A),
                       "git": None if commit is None else {"commit": commit, "dirty": is_dirty}}
        fingerprint = host_fingerprint(environment)
        described = RunMetadata(git_commit=commit, git_branch=None if commit is None else "main", git_dirty=is_dirty,
                                host=fingerprint, host_id=host_id(fingerprint))
        run_id = store.begin_run(environment, "constructed history", described if metadata else None,
                                 started_at=dates[i] if dates is not None else None)
        for key, definition in definitions.items():
            median = medians[key][i]
            records = _failed() if median is None else _records(median)
            result_id = store.begin_result(run_id, definition.lane, definition.name, definition.kind, {})
            store.finish_result(result_id, assemble_result(definition, records))
        store.finish_run(run_id, "complete", finished_at=dates[i] if dates is not None else None)
        run_ids.append(run_id)
    return run_ids
