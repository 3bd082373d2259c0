"""One run of benchmarks, start to finish, for any caller: the CLI, the pytest plugin, a
cluster runner.

``RunSession(request, observer).run()`` owns what must happen the same way whoever runs the
benchmarks: it runs them (``runner.run_benchmarks``), stores every iteration the moment it
finishes (so a crash loses nothing already measured), stops cleanly on Ctrl-C, SIGTERM or
SIGHUP (the tree in flight killed, what finished kept, the run marked interrupted, the
reports still written; see interrupts.py), judges every result against its SLA rules,
records what identifies the run (config hash, git state, host) and the noise seen while it
ran, saves it as a baseline when asked and it completed, writes the reports, and returns
one immutable ``RunOutcome``. It never prints: what happens goes to the observer the
caller passes (the CLI's progress bar), and what it all came to is in the outcome, for the
caller to print and turn into an exit code.
"""

from __future__ import annotations

import dataclasses
import inspect
import os
import signal
from collections.abc import Callable, Generator, Mapping, Sequence
from pathlib import Path
from types import MappingProxyType
from typing import Any

from perfbench.analysis.interference import run_noise
from perfbench.definition.config_hash import config_hash
from perfbench.definition.suite import BenchmarkDefinition
from perfbench.execution.interrupts import InterruptGuard, RunInterrupted
from perfbench.execution.runner import BenchmarkFinished, BenchmarkStarted, IterationFinished, RunEvent, run_benchmarks
from perfbench.export import DEFAULT_FORMATS, EXPORTERS, ReportData
from perfbench.export.stored_report import stored_report_data
from perfbench.model import BenchmarkResult
from perfbench.resources.environment import collect_environment, load_average, noise_warnings
from perfbench.resources.host_fingerprint import host_fingerprint, host_id
from perfbench.sla import Verdict, evaluate_all, fails_run
from perfbench.store import ResultStore, open_store
from perfbench.store.interface import RunMetadata


@dataclasses.dataclass(frozen=True, slots=True)
class SessionRequest:
    """What to run and where its results go; no argparse in sight."""

    definitions: tuple[BenchmarkDefinition, ...]
    store: str | os.PathLike[str]  # a path or URL (store.open_store): every iteration goes there as it finishes
    output_dir: Path | None = None  # where the reports go; None: no report files
    report_formats: tuple[str, ...] = DEFAULT_FORMATS  # names in export.EXPORTERS
    command: str = ""  # how the run was asked for, recorded with it
    fail_on_unsure: bool = False  # an UNSURE verdict fails the run as its worse outcome would
    # Take Ctrl-C, SIGTERM and SIGHUP as stop requests while the run lasts (see interrupts.py);
    # False leaves signal handling to the caller, whose KeyboardInterrupt still stops the run.
    handle_signals: bool = True
    save_baseline: str | None = None  # save the run as this baseline if it completes
    saved_by: str = ""  # who saves it (recorded with the baseline)


@dataclasses.dataclass(frozen=True, slots=True)
class RunStarted:
    """The run exists in the store; benchmarks start next."""

    run_id: int
    store: str
    environment: Mapping[str, Any]
    noise_warnings: tuple[str, ...]  # what makes this machine's numbers noisy right now
    total_iterations: int  # every iteration the run will go through, warm-ups included


SessionEvent = RunStarted | RunEvent
Observer = Callable[[SessionEvent], None]


def failing_verdicts(verdicts: Sequence[Verdict], *, fail_on_unsure: bool = False) -> tuple[Verdict, ...]:
    """The verdicts that fail the run: a violation (or an invalid rule) of severity error or
    critical; an UNSURE one whose worse outcome is, when asked to (``--fail-on-unsure``).
    Warnings and refusals for lack of samples do not."""
    return tuple(v for v in verdicts if fails_run(v, fail_on_unsure=fail_on_unsure))


@dataclasses.dataclass(frozen=True, slots=True)
class RunOutcome:
    """What a run came to: everything a caller prints or decides an exit code from."""

    run_id: int
    store: str
    status: str  # complete | failed (a benchmark could not run) | interrupted
    started_at: str
    command: str
    environment: Mapping[str, Any]
    noise_warnings: tuple[str, ...]
    planned: int  # benchmarks the run was asked to run
    results: tuple[BenchmarkResult, ...]  # every benchmark that started, in run order
    verdicts: tuple[Verdict, ...]
    failing: tuple[Verdict, ...]  # the verdicts that fail the run (failing_verdicts)
    report_paths: tuple[Path, ...]
    interrupted_by: int | None = None  # the signal that stopped the run (SIGINT, SIGTERM, SIGHUP)
    saved_baseline: str | None = None  # the baseline the run was saved as (only a complete run is)
    # Each result's row in the store, by lane/benchmark key: where more processes of it go
    # (execution/settle.py pools them with the run's and stores the result again).
    result_rows: Mapping[str, int] = dataclasses.field(default_factory=lambda: MappingProxyType({}))

    @property
    def interrupted(self) -> bool:
        return self.interrupted_by is not None

    @property
    def failed(self) -> tuple[BenchmarkResult, ...]:
        """Benchmarks that could not run (crash, exception, timeout, ...); not those cut short
        by an interrupt."""
        return tuple(r for r in self.results if r.could_not_run)

    @property
    def finished(self) -> tuple[BenchmarkResult, ...]:
        """Benchmarks that ran all their iterations."""
        return tuple(r for r in self.results if r.failure is None or r.failure.kind != "interrupted")

    @property
    def check_failed(self) -> bool:
        return bool(self.failing)


class RunSession:
    def __init__(self, request: SessionRequest, observer: Observer | None = None) -> None:
        self.request = request
        self.observer: Observer = observer or (lambda event: None)

    def run(self) -> RunOutcome:
        request = self.request
        with InterruptGuard(install=request.handle_signals) as guard:
            # The store is opened before anything runs: a bad store costs nothing measured.
            with open_store(request.store) as store:
                environment = collect_environment()
                warnings = tuple(noise_warnings(environment))
                run_id = store.begin_run(environment, request.command, run_metadata(environment, request.definitions))
                self.observer(RunStarted(run_id, store.location, MappingProxyType(environment), warnings,
                                         sum(d.total_iterations for d in request.definitions)))
                recorder = RunRecorder(store, run_id, self.observer)
                results = recorder.record(request.definitions, guard)
                # A stop request after the last benchmark finished stops nothing: the run is whole.
                interrupted_by = guard.signum
                verdicts = tuple(self._judge(results))
                store.add_verdicts(run_id, verdicts)
                failed = any(not r.ok for r in results)
                status = "interrupted" if interrupted_by is not None else ("failed" if failed else "complete")
                store.set_run_noise(run_id, run_noise(results, warnings, environment["load_average"], load_average()))
                store.finish_run(run_id, status)
                saved = None
                if request.save_baseline is not None and status == "complete":
                    saved = store.save_baseline(request.save_baseline, run_id, by=request.saved_by).name
                stored_run = store.run(run_id)
                assert stored_run is not None
                started_at, location = stored_run.started_at, store.location
                # Read only when written: with no output directory (`run --baseline` writes them
                # after its comparison) the store's history would be read for nothing.
                report = stored_report_data(store, stored_run, results) if request.output_dir is not None else None
            paths = self._write_reports(report) if report is not None else ()
        return RunOutcome(run_id=run_id, store=location, status=status, started_at=started_at,
                          command=request.command, environment=MappingProxyType(environment),
                          noise_warnings=warnings, planned=len(request.definitions), results=tuple(results),
                          verdicts=verdicts, failing=failing_verdicts(verdicts, fail_on_unsure=request.fail_on_unsure),
                          report_paths=paths, interrupted_by=interrupted_by,
                          saved_baseline=saved,
                          result_rows=MappingProxyType({request.definitions[index].key: row
                                                        for index, row in recorder.result_ids.items()}))

    def _judge(self, results: Sequence[BenchmarkResult]) -> list[Verdict]:
        """Every result against its benchmark's SLA rules, in one evaluation."""
        rules = {d.key: d.sla for d in self.request.definitions}
        return evaluate_all((result, rules[result.key]) for result in results)

    def _write_reports(self, report: ReportData) -> tuple[Path, ...]:
        assert self.request.output_dir is not None
        return tuple(EXPORTERS[name]().write(report, self.request.output_dir) for name in self.request.report_formats)


def run_metadata(environment: Mapping[str, Any], definitions: Sequence[BenchmarkDefinition]) -> RunMetadata:
    """What identifies a run: the configuration it ran, the project's git state (from the
    environment, which records it once) and the host."""
    git = environment.get("git") or {}
    host = host_fingerprint(environment)
    return RunMetadata(config_hash=config_hash(definitions), git_commit=git.get("commit"),
                       git_branch=git.get("branch"), git_dirty=git.get("dirty"), host=host, host_id=host_id(host))


def drive(events: Generator[Any, None, None], guard: InterruptGuard, handle: Callable[[Any], None]) -> None:
    """Hands each of the runner's ``events`` to ``handle`` as it comes. On a stop request the
    runner is stopped where it is (an interrupt thrown in at its current event), hands over
    what it had in flight, and ends."""
    try:
        while True:
            try:
                if guard.interrupted:
                    event = events.throw(RunInterrupted(guard.signum or signal.SIGINT))
                else:
                    with guard.armed():
                        event = next(events)
            except StopIteration:
                break
            except KeyboardInterrupt as interrupt:
                guard.notice(interrupt)
                if inspect.getgeneratorstate(events) == inspect.GEN_CLOSED:
                    break
                continue  # it landed after the runner yielded: stop the runner where it is
            try:
                handle(event)
            except KeyboardInterrupt as interrupt:  # only where the guard has no handler installed
                guard.notice(interrupt)
    finally:
        events.close()  # the scratch directory goes with it


class RunRecorder:
    """Stores what the runner reports in one run of the store, as it reports it."""

    def __init__(self, store: ResultStore, run_id: int, observer: Observer) -> None:
        self.store = store
        self.run_id = run_id
        self.observer = observer
        self.result_ids: dict[int, int] = {}  # benchmark index -> its row in the store
        self.current: int | None = None  # the benchmark in flight
        self.results: dict[int, BenchmarkResult] = {}

    def record(self, definitions: Sequence[BenchmarkDefinition], guard: InterruptGuard) -> list[BenchmarkResult]:
        """Every benchmark that started, with what it finished."""
        drive(run_benchmarks(definitions), guard, self.store_event)
        return self.finished()

    def finished(self) -> list[BenchmarkResult]:
        """The results handed over so far, in run order."""
        return [self.results[index] for index in sorted(self.results)]

    def store_event(self, event: RunEvent) -> None:
        if isinstance(event, BenchmarkStarted):
            self.current = event.index
            self._begin(event.index, event.definition)
        elif isinstance(event, IterationFinished):
            assert self.current is not None
            self.store.add_iteration(self.result_ids[self.current], event.record)
        elif isinstance(event, BenchmarkFinished):
            if event.index in self.results:
                return  # handed over again after an interrupt; the first is kept
            # finish_result also stores any iteration of the result an interrupt kept from being stored
            self.store.finish_result(self._begin(event.index, event.definition), event.result)
            self.results[event.index] = event.result
        self.observer(event)

    def _begin(self, index: int, definition: BenchmarkDefinition) -> int:
        if index not in self.result_ids:
            self.result_ids[index] = self.store.begin_result(self.run_id, definition.lane, definition.name,
                                                             definition.kind, dict(definition.target.params))
        return self.result_ids[index]
