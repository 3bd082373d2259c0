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
import sys
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


def process_count(definition: BenchmarkDefinition) -> int:
    """How many processes a benchmark's counted iterations run in (a command's: one each)."""
    return definition.iterations if definition.kind == "command" else definition.processes


class RunningBenchmark:
    """One benchmark's iterations, process by process: ``iterations()`` runs them all in
    order; ``process_iterations(k)`` runs the ``k``-th process's alone, so that a caller can
    interleave the processes of two benchmarks (``perfbench ab``, execution/interleave.py)."""

    definition: BenchmarkDefinition
    records: list[IterationRecord]

    @property
    def processes(self) -> int:
        return process_count(self.definition)

    def process_iterations(self, process: int) -> Iterator[IterationRecord]:
        raise NotImplementedError

    def iterations(self) -> Iterator[IterationRecord]:
        for process in range(self.processes):
            yield from self.process_iterations(process)
            if self.broken:
                break

    @property
    def broken(self) -> bool:
        """Whether a failure ended it: more processes would add nothing."""
        raise NotImplementedError

    def result(self, *, interrupted: bool = False) -> BenchmarkResult:
        """What its records so far come to."""
        raise NotImplementedError

    @property
    def ran_every_iteration(self) -> bool:
        return sum(1 for r in self.records if not r.warmup) >= self.definition.iterations


class _CommandBenchmark(RunningBenchmark):
    """A command: one process tree per iteration."""

    def __init__(self, definition: BenchmarkDefinition, workdir: Path) -> None:
        assert isinstance(definition.target, CommandTarget)
        self.definition = definition
        self.workdir = workdir
        self.records: list[IterationRecord] = []
        self.spawn_overhead_ns = 0.0

    def process_iterations(self, process: int) -> Iterator[IterationRecord]:
        """The ``process``-th counted iteration; the first one runs the warm-ups before it."""
        definition = self.definition
        assert isinstance(definition.target, CommandTarget)
        if process == 0:
            self.spawn_overhead_ns = spawn_overhead_ns()
        warmups = range(definition.warmup_iterations) if process == 0 else range(0)
        for position in [*warmups, definition.warmup_iterations + process]:
            record = run_command_iteration(definition, definition.target, position,
                                           position < definition.warmup_iterations, self.workdir)
            self.records.append(record)
            yield record
            if self.broken:
                break

    @property
    def broken(self) -> bool:
        # the environment is broken or the command blows up: more iterations add nothing
        return any(r.failure is not None and r.failure.kind in ("setup", "memory") for r in self.records)

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


class _WorkerBenchmark(RunningBenchmark):
    """A micro-benchmark: its counted iterations spread over one or more worker processes."""

    def __init__(self, definition: BenchmarkDefinition, workdir: Path, python: str = sys.executable) -> None:
        self.definition = definition
        self.workdir = workdir
        self.python = python  # the interpreter its workers run in
        self.records: list[IterationRecord] = []
        self.workers: list[WorkerRun] = []

    def process_iterations(self, process: int) -> Iterator[IterationRecord]:
        worker = WorkerRun(self.definition, self.workdir, counted=self.definition.process_shares()[process],
                           first_index=len(self.records), process=process,
                           sampling=pinned_sampling(self.definition, self.records), python=self.python)
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

    @property
    def broken(self) -> bool:
        # a failed process ends the benchmark, as a failed iteration does within one
        return any(not record.ok for record in self.records)

    def result(self, *, interrupted: bool = False) -> BenchmarkResult:
        setup_ns = next((w.setup_ns for w in self.workers if w.setup_ns is not None), None)  # as the first timed it
        return assemble_result(self.definition, self.records, setup_ns=setup_ns, interrupted=interrupted)


def benchmark_in(definition: BenchmarkDefinition, workdir: Path, python: str = sys.executable) -> RunningBenchmark:
    """A benchmark ready to run in ``workdir`` (its scratch files); ``python``: the
    interpreter of its worker processes (commands run as they are)."""
    if definition.kind == "command":
        return _CommandBenchmark(definition, workdir)
    return _WorkerBenchmark(definition, workdir, python)


def run_benchmarks(definitions: Sequence[BenchmarkDefinition]) -> Iterator[RunEvent]:
    total = len(definitions)
    with tempfile.TemporaryDirectory(prefix="perfbench-run-") as scratch:
        for index, definition in enumerate(definitions):
            workdir = Path(scratch) / f"{index:04d}"
            workdir.mkdir()
            benchmark = benchmark_in(definition, workdir)
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
