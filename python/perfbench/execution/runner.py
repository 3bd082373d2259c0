"""Runs benchmark definitions and reports what happens as a stream of events.

``run_benchmarks`` yields, for each definition in order: ``BenchmarkStarted``, one
``IterationFinished`` per iteration (warm-ups included, flagged) as soon as it finishes,
and ``BenchmarkFinished`` with the assembled result — so the caller can store every
iteration the moment it exists. The runner never prints.

Micro-benchmarks (built-in workloads, Python callables) run in one worker process each, or
spread their counted iterations over ``processes`` fresh workers one after another;
commands run as their own process tree, one per iteration. A crash, an exception, a
non-zero exit, a hang (killed at the per-iteration timeout) or a memory blow-up becomes a
failure with its reason, and the next benchmark runs.

An interrupt (a KeyboardInterrupt, raised in the runner or thrown into it at any event)
kills the process tree in flight and ends the benchmark there: its ``BenchmarkFinished``
comes next, with what finished (complete, with its statistics, if every counted iteration
had finished), and then the interrupt propagates. Nothing started goes unreported.

Scratch files (worker jobs, captured output) live in one temporary directory per run,
removed when the generator ends, however it ends.
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


class _Benchmark:
    definition: BenchmarkDefinition
    records: list[IterationRecord]

    @property
    def ran_every_iteration(self) -> bool:
        return sum(1 for r in self.records if not r.warmup) >= self.definition.iterations


class _CommandBenchmark(_Benchmark):
    """A command: one process tree per iteration."""

    def __init__(self, definition: BenchmarkDefinition, workdir: Path) -> None:
        assert isinstance(definition.target, CommandTarget)
        self.definition = definition
        self.workdir = workdir
        self.records: list[IterationRecord] = []
        self.spawn_overhead_ns = 0.0

    def iterations(self) -> Iterator[IterationRecord]:
        definition = self.definition
        assert isinstance(definition.target, CommandTarget)
        self.spawn_overhead_ns = spawn_overhead_ns()
        for position in range(definition.warmup_iterations + definition.iterations):
            record = run_command_iteration(definition, definition.target, position,
                                           position < definition.warmup_iterations, self.workdir)
            self.records.append(record)
            yield record
            if record.failure is not None and record.failure.kind in ("setup", "memory"):
                break  # the environment is broken or the command blows up: more iterations add nothing

    def result(self, *, interrupted: bool = False) -> BenchmarkResult:
        return assemble_result(self.definition, self.records, spawn_overhead_ns=self.spawn_overhead_ns,
                               interrupted=interrupted)


def pinned_sampling(definition: BenchmarkDefinition, records: Sequence[IterationRecord]) -> SamplingOptions | None:
    """Sampling for the next worker process of a benchmark that already has ``records``: the
    first process's iterations per sample, pinned under the same rule as within one worker
    (None: the definition's own)."""
    if not pins_iterations_per_sample(definition.sampling, sweep=definition.sweep is not None,
                                      baseline=definition.baseline is not None):
        return None
    for record in records:
        if record.measurement is not None:
            return dataclasses.replace(definition.sampling, iterations=record.measurement.iterations_per_sample)
    return None


class _WorkerBenchmark(_Benchmark):
    """A micro-benchmark: its counted iterations spread over one or more worker processes."""

    def __init__(self, definition: BenchmarkDefinition, workdir: Path) -> None:
        self.definition = definition
        self.workdir = workdir
        self.records: list[IterationRecord] = []
        self.workers: list[WorkerRun] = []

    def iterations(self) -> Iterator[IterationRecord]:
        for process, counted in enumerate(self.definition.process_shares()):
            worker = WorkerRun(self.definition, self.workdir, counted=counted, first_index=len(self.records),
                               process=process, sampling=pinned_sampling(self.definition, self.records))
            self.workers.append(worker)
            # Closed explicitly, so that a caller abandoning this generator (an interrupt)
            # reaches the worker's own clean-up, which kills its process tree, at once.
            records = worker.iterations()
            try:
                for record in records:
                    self.records.append(record)
                    yield record
            finally:
                records.close()
            if any(not record.ok for record in self.records):
                break  # a failed process ends the benchmark, as a failed iteration does within one

    def result(self, *, interrupted: bool = False) -> BenchmarkResult:
        setup_ns = next((w.setup_ns for w in self.workers if w.setup_ns is not None), None)  # as the first timed it
        return assemble_result(self.definition, self.records, setup_ns=setup_ns, interrupted=interrupted)


def run_benchmarks(definitions: Sequence[BenchmarkDefinition]) -> Iterator[RunEvent]:
    total = len(definitions)
    with tempfile.TemporaryDirectory(prefix="perfbench-run-") as scratch:
        for index, definition in enumerate(definitions):
            workdir = Path(scratch) / f"{index:04d}"
            workdir.mkdir()
            benchmark = (_CommandBenchmark if definition.kind == "command" else _WorkerBenchmark)(definition, workdir)
            records = benchmark.iterations()
            try:
                yield BenchmarkStarted(definition, index, total)
                for record in records:
                    yield IterationFinished(definition, record)
                result = benchmark.result()
            except KeyboardInterrupt:
                # Closing the iterations kills the process tree in flight; what finished is
                # this benchmark's result (complete, if every counted iteration had finished).
                records.close()
                yield BenchmarkFinished(definition, benchmark.result(interrupted=not benchmark.ran_every_iteration),
                                        index, total)
                raise
            finally:
                records.close()
            try:
                yield BenchmarkFinished(definition, result, index, total)
            except KeyboardInterrupt:
                # Thrown in while the caller held this result: the interrupt may have cost the
                # caller it, so it is handed over once more (the caller keeps the first).
                yield BenchmarkFinished(definition, result, index, total)
                raise


def results_of(events: Iterator[RunEvent]) -> list[BenchmarkResult]:
    """Just the results, for callers that do not follow progress."""
    return [event.result for event in events if isinstance(event, BenchmarkFinished)]
