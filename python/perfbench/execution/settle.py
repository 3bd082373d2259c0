"""Until sure: more worker processes for the benchmarks a comparison left unsure, a few at a
time, until each is settled or the budget is spent (``run --baseline NAME --until-sure``).

A sequential design. Each *look* judges the whole suite (``judge``: the run's results, the
current ones pooled with every process added so far, against the base); a benchmark that
reads unsure, and whose verdict says more processes of this run would settle it
(``ChangeVerdict.more_processes``), gets that many more (a quarter more, as the next look
is stricter, at most as many as it has: the estimate comes from a noisy spread), each
running the benchmark's share of counted iterations, with the first process's iterations
per sample so that all samples pool. A benchmark settled at a look keeps that verdict; only
those given more processes are judged again.

**The error spent across looks.** Looking again at data that grew is looking more than
once: each look could raise a false alarm. Look ``k`` (0 for the comparison right after the
run) reads its slower / faster verdicts at the suite-level error ``family_error / 2^(k+1)``
(Holm over every compared benchmark, as ever), so that over any number of looks the chance
of a false slower or faster call stays at most ``family_error / 2 + family_error / 4 + ...
< family_error`` (a union bound over the looks: each look's Holm controls its own error
whatever was selected at earlier looks). The price: the first look is read at half the
error it gets without ``--until-sure``. "same" reads the 95 % interval at every look, as
without looking again (an equivalence verdict is not an alarm).

**Storing.** Each added process's iterations are stored with the run's result (the
result is stored again, pooled, once per look, in one transaction: the store is never left
with samples its statistics do not count). The run's SLA verdicts and reports stay those
of the run as it ran. A process that fails (crash, timeout) stops the settling of its
benchmark; its iterations are left out of the pool and the failure is reported.

The budget is a duration (no process starts once it is spent, nor one that the benchmark's
processes so far say would not fit; the first added process of a benchmark may overrun it
by its own length) or a number of processes over all benchmarks. The loop never prints.
"""

from __future__ import annotations

import dataclasses
import math
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from types import MappingProxyType

from perfbench.analysis.aggregate import assemble_result
from perfbench.analysis.comparison import FAMILY_ERROR, ChangeVerdict
from perfbench.analysis.intervals import MIN_UNITS
from perfbench.definition.suite import BenchmarkDefinition, CommandTarget
from perfbench.execution.command_process import run_command_iteration
from perfbench.execution.runner import pinned_sampling
from perfbench.execution.worker_process import WorkerRun
from perfbench.model import BenchmarkResult, IterationRecord
from perfbench.run_comparison import RunComparison
from perfbench.store import ResultStore

MAX_LOOKS = 8  # the error of look 8 is family_error / 512: later looks could hardly call anything
_NEXT_LOOK_MARGIN = 1.25  # the next look is stricter than the estimate of what settles it


@dataclasses.dataclass(frozen=True, slots=True)
class SettleBudget:
    """What settling may spend: ``seconds`` of wall time, or ``processes`` over all benchmarks."""

    seconds: float | None = None
    processes: int | None = None

    def __post_init__(self) -> None:
        if (self.seconds is None) == (self.processes is None):
            raise ValueError("a settle budget is a duration or a number of processes, one of them")

    def describe(self) -> str:
        if self.seconds is not None:
            return f"{self.seconds:g} s"
        return f"{self.processes} process{'es' if self.processes != 1 else ''}"


def look_error(family_error: float, look: int) -> float:
    """The suite-level error look ``look`` (0, 1, ...) reads slower / faster at."""
    return family_error / 2 ** (look + 1)


@dataclasses.dataclass(frozen=True, slots=True)
class Look:
    number: int  # 0: the comparison right after the run
    family_error: float  # what its slower / faster verdicts were read at
    added: Mapping[str, int]  # processes added per benchmark before this look (none before look 0)
    unsure: int  # benchmarks still unsure after it


@dataclasses.dataclass(frozen=True, slots=True)
class SettleOutcome:
    """What settling came to: the final comparison (each benchmark's verdict from the last
    look that judged it), every look, what was added and what it cost."""

    comparison: RunComparison
    first: RunComparison  # the look right after the run
    looks: tuple[Look, ...]
    added: Mapping[str, int]  # processes added per benchmark, over all looks
    problems: Mapping[str, str]  # a benchmark whose added process failed: the failure; its settling stopped
    results: tuple[BenchmarkResult, ...]  # the current run's results, pooled with what was added
    wall_seconds: float  # spent on the extra processes and the looks after the first
    budget: SettleBudget
    stopped: str  # settled | budget spent | more processes cannot settle the rest | added processes failed | looks

    @property
    def processes_added(self) -> int:
        return sum(self.added.values())


# A look: the run's current results (pooled) judged against the base at a suite-level error.
Judge = Callable[[Sequence[BenchmarkResult], float], RunComparison]


class _Spending:
    """The budget as it is spent."""

    def __init__(self, budget: SettleBudget, clock: Callable[[], float]) -> None:
        self.budget = budget
        self.clock = clock
        self.started = clock()
        self.processes = 0

    @property
    def elapsed(self) -> float:
        return self.clock() - self.started

    def processes_left(self) -> int | None:
        return None if self.budget.processes is None else self.budget.processes - self.processes

    def spent(self) -> bool:
        left = self.processes_left()
        if left is not None:
            return left <= 0
        assert self.budget.seconds is not None
        return self.elapsed >= self.budget.seconds

    def fits(self, process_seconds: float) -> bool:
        """Whether one more process of this length may start."""
        if self.spent():
            return False
        return self.budget.seconds is None or self.elapsed + process_seconds <= self.budget.seconds


def _more_processes(definition: BenchmarkDefinition, records: Sequence[IterationRecord], workdir: Path,
                    ) -> Iterator[IterationRecord]:
    """One more process of the benchmark, numbered after ``records``: a worker running the
    benchmark's share of counted iterations (its warm-ups first), or one more run of a command."""
    next_index = 1 + max((r.index for r in records), default=-1)
    if isinstance(definition.target, CommandTarget):
        yield run_command_iteration(definition, definition.target, next_index, False, workdir)
        return
    worker = WorkerRun(definition, workdir, counted=max(definition.process_shares()), first_index=next_index,
                       process=1 + max((r.process for r in records), default=-1),
                       sampling=pinned_sampling(definition, records))
    yield from worker.iterations()


def _pooled(definition: BenchmarkDefinition, result: BenchmarkResult,
            records: Sequence[IterationRecord]) -> BenchmarkResult:
    """The result again, from the run's iterations and the added ones (setup time and a
    command's spawn overhead as the run measured them)."""
    setup = result.metric("setup_time")
    overhead = result.measurement.overhead_ns if result.measurement is not None and result.kind == "command" else 0.0
    return assemble_result(definition, records, setup_ns=setup.value if setup else None, spawn_overhead_ns=overhead)


def _wanted(verdict: ChangeVerdict) -> int:
    assert verdict.more_processes is not None
    have = max(verdict.current_processes, 1)
    return max(1, min(math.ceil(_NEXT_LOOK_MARGIN * verdict.more_processes), max(have, MIN_UNITS)))


def settle(judge: Judge, results: Sequence[BenchmarkResult], definitions: Sequence[BenchmarkDefinition],
           budget: SettleBudget, *, store: ResultStore, result_rows: Mapping[str, int],
           family_error: float = FAMILY_ERROR, clock: Callable[[], float] = time.monotonic) -> SettleOutcome:
    """Look 0 at ``results`` (the current run's), then add processes to the benchmarks that
    read unsure and look again, until none is left that more processes would settle, the
    budget is spent, or ``MAX_LOOKS`` looks were taken. ``result_rows``: each result's row
    in ``store`` (``RunOutcome.result_rows``), where the added iterations go."""
    by_key = {d.key: d for d in definitions}
    pooled = {r.key: r for r in results}
    order = [r.key for r in results]
    first = judge(results, look_error(family_error, 0))
    verdicts = {v.key: v for v in first.comparison.verdicts}
    looks = [Look(0, look_error(family_error, 0), MappingProxyType({}), len(first.comparison.unsure))]
    added: dict[str, int] = {}
    seconds_per_process: dict[str, list[float]] = {}
    problems: dict[str, str] = {}
    spending = _Spending(budget, clock)
    latest = first
    stopped = "settled"
    with tempfile.TemporaryDirectory(prefix="perfbench-settle-") as scratch:
        for look in range(1, MAX_LOOKS + 1):
            candidates = [verdicts[k] for k in order if k in verdicts and verdicts[k].status == "unsure"
                          and verdicts[k].more_processes is not None and k in by_key and k in result_rows
                          and k not in problems]
            if not candidates:
                stopped = "settled" if not any(v.status == "unsure" for v in verdicts.values()) else \
                    "more processes cannot settle the rest"
                break
            if spending.spent():
                stopped = "budget spent"
                break
            this_look: dict[str, int] = {}
            for verdict in candidates:
                key = verdict.key
                wanted = _wanted(verdict)
                left = spending.processes_left()
                if left is not None:
                    wanted = min(wanted, left)
                got = _extend(key, by_key[key], pooled, wanted, spending, seconds_per_process, problems,
                              Path(scratch), store, result_rows[key])
                if got:
                    this_look[key] = got
                    added[key] = added.get(key, 0) + got
            if not this_look:
                stopped = "added processes failed" if all(v.key in problems for v in candidates) else "budget spent"
                break
            error = look_error(family_error, look)
            latest = judge([pooled[k] for k in order], error)
            for verdict in latest.comparison.verdicts:
                if verdict.key in this_look:  # the others' data did not change: their verdicts stand
                    verdicts[verdict.key] = verdict
            looks.append(Look(look, error, MappingProxyType(dict(this_look)),
                              sum(1 for v in verdicts.values() if v.status == "unsure")))
        else:
            stopped = "looks"
    merged = dataclasses.replace(latest.comparison, verdicts=tuple(verdicts[v.key] for v in first.comparison.verdicts),
                                 family_error=family_error)
    return SettleOutcome(comparison=dataclasses.replace(latest, comparison=merged), first=first, looks=tuple(looks),
                         added=MappingProxyType(added), problems=MappingProxyType(problems),
                         results=tuple(pooled[k] for k in order), wall_seconds=spending.elapsed, budget=budget,
                         stopped=stopped)


def _extend(key: str, definition: BenchmarkDefinition, pooled: dict[str, BenchmarkResult], wanted: int,
            spending: _Spending, seconds_per_process: dict[str, list[float]], problems: dict[str, str],
            scratch: Path, store: ResultStore, row: int) -> int:
    """Up to ``wanted`` more processes of one benchmark, pooled into ``pooled[key]`` and
    stored; how many were added. Stored even when interrupted, with what finished."""
    result = pooled[key]
    records = list(result.iterations)
    got = 0
    try:
        for _ in range(wanted):
            durations = seconds_per_process.get(key, [])
            if not spending.fits(sum(durations) / len(durations) if durations else 0.0):
                break
            workdir = scratch / f"{key.replace('/', '__')}-{len(records)}"
            workdir.mkdir()
            started = spending.clock()
            process = _more_processes(definition, records, workdir)
            try:
                process_records = list(process)
            finally:
                process.close()  # an interrupt kills the process tree in flight at once
            spending.processes += 1
            seconds_per_process.setdefault(key, []).append(spending.clock() - started)
            failed = next((r.failure for r in process_records if r.failure is not None), None)
            if failed is not None:
                problems[key] = f"an added process failed ({failed.kind}: {failed.message}); settling stopped"
                break
            records += process_records
            got += 1
    finally:
        if got:
            pooled[key] = _pooled(definition, result, records)
            store.finish_result(row, pooled[key])
    return got
