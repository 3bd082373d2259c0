"""Runs benchmark definitions and reports what happens as a stream of events.

``run_benchmarks`` yields, for each definition in order: ``BenchmarkStarted``, one
``IterationFinished`` per iteration (warm-ups included, flagged) as soon as it finishes,
and ``BenchmarkFinished`` with the assembled result — so the caller can store every
iteration the moment it exists. The runner never prints.

Micro-benchmarks (built-in workloads, Python callables) run in one worker process each, or
spread their counted iterations over ``processes`` fresh workers one after another;
commands run as their own process tree, one per iteration. A crash, an exception, a
non-zero exit, a hang (killed at the per-iteration timeout) or a memory blow-up becomes a
failure with its reason, and the next benchmark runs. On KeyboardInterrupt the current
process tree is killed, a ``BenchmarkFinished`` for the interrupted benchmark is *not*
yielded, and the interrupt propagates: what was yielded before is the caller's to keep.
"""

from __future__ import annotations

import dataclasses
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path

from perfbench.analysis.aggregate import assemble_result
from perfbench.execution.command_process import run_command_iteration, spawn_overhead_ns
from perfbench.model import BenchmarkResult, IterationRecord
from perfbench.measuring.sampling import SamplingOptions, pins_iterations_per_sample
from perfbench.definition.suite import BenchmarkDefinition, CommandTarget
from perfbench.execution.worker_process import WorkerRun


@dataclasses.dataclass(frozen=True, slots=True)
class BenchmarkStarted:
    definition: BenchmarkDefinition
    index: int
    total: int


@dataclasses.dataclass(frozen=True, slots=True)
class IterationFinished:
    definition: BenchmarkDefinition
    record: IterationRecord


@dataclasses.dataclass(frozen=True, slots=True)
class BenchmarkFinished:
    definition: BenchmarkDefinition
    result: BenchmarkResult
    index: int
    total: int


RunEvent = BenchmarkStarted | IterationFinished | BenchmarkFinished


def _run_command(definition: BenchmarkDefinition, workdir: Path, index: int, total: int) -> Iterator[RunEvent]:
    assert isinstance(definition.target, CommandTarget)
    overhead = spawn_overhead_ns()
    records = []
    for index in range(definition.warmup_iterations + definition.iterations):
        record = run_command_iteration(definition, definition.target, index,
                                       index < definition.warmup_iterations, workdir)
        records.append(record)
        yield IterationFinished(definition, record)
        if record.failure is not None and record.failure.kind in ("setup", "memory"):
            break  # the environment is broken or the command blows up: more iterations add nothing
    yield BenchmarkFinished(definition, assemble_result(definition, records, spawn_overhead_ns=overhead), index, total)


def _pinned_sampling(definition: BenchmarkDefinition, records: Sequence[IterationRecord]) -> SamplingOptions | None:
    """Sampling for the next worker process: the first process's iterations per sample,
    pinned under the same rule as within one worker."""
    if not pins_iterations_per_sample(definition.sampling, sweep=definition.sweep is not None,
                                      baseline=definition.baseline is not None):
        return None
    for record in records:
        if record.measurement is not None:
            return dataclasses.replace(definition.sampling, iterations=record.measurement.iterations_per_sample)
    return None


def _run_worker(definition: BenchmarkDefinition, workdir: Path, index: int, total: int) -> Iterator[RunEvent]:
    records: list[IterationRecord] = []
    setup_ns = None
    for process, counted in enumerate(definition.process_shares()):
        worker = WorkerRun(definition, workdir, counted=counted, first_index=len(records), process=process,
                           sampling=_pinned_sampling(definition, records))
        for record in worker.iterations():
            records.append(record)
            yield IterationFinished(definition, record)
        setup_ns = worker.setup_ns if setup_ns is None else setup_ns
        if any(not record.ok for record in records):
            break  # a failed process ends the benchmark, as a failed iteration does within one
    result = assemble_result(definition, records, setup_ns=setup_ns)
    yield BenchmarkFinished(definition, result, index, total)


def run_benchmarks(definitions: Sequence[BenchmarkDefinition]) -> Iterator[RunEvent]:
    total = len(definitions)
    with tempfile.TemporaryDirectory(prefix="perfbench-run-") as scratch:
        for index, definition in enumerate(definitions):
            yield BenchmarkStarted(definition, index, total)
            workdir = Path(scratch) / f"{index:04d}"
            workdir.mkdir()
            run = _run_command if definition.kind == "command" else _run_worker
            yield from run(definition, workdir, index, total)


def results_of(events: Iterator[RunEvent]) -> list[BenchmarkResult]:
    """Just the results, for callers that do not follow progress."""
    return [event.result for event in events if isinstance(event, BenchmarkFinished)]
