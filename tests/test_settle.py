"""`--until-sure` (execution/settle.py): more real worker processes for the benchmarks a
comparison leaves unsure, pooled with the run's and stored in a real store.

The verdicts come from a scripted judge (unsure until a result holds enough processes), so
what is asserted is what settling does with a verdict, never what the machine's noise makes
of a timing."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from pathlib import Path

import pytest

from perfbench.analysis.comparison import FAMILY_ERROR, ChangeVerdict, Comparison
from perfbench.definition.suite import BenchmarkDefinition, PythonTarget
from perfbench.execution.session import RunOutcome, RunSession, SessionRequest
from perfbench.execution.settle import MAX_LOOKS, SettleBudget, SettleOutcome, look_error, settle
from perfbench.measuring.sampling import SamplingOptions
from perfbench.model import BenchmarkResult
from perfbench.run_comparison import ResolvedRun, RunComparison
from perfbench.store import open_store

BENCHMARKS = """
import os
from pathlib import Path

MARKS = Path(__file__).with_name("processes.txt")
with MARKS.open("a") as f:  # once per worker process, which imports this module once
    f.write("x")
PROCESS_NUMBER = len(MARKS.read_text())

def work():
    return sum(range(200))

def abort_from_the_third_process():
    if PROCESS_NUMBER >= 3:
        os.abort()
"""


def definition(path: Path, function: str = "work") -> BenchmarkDefinition:
    return BenchmarkDefinition(name=function, lane="t", target=PythonTarget(str(path), function), iterations=2,
                               processes=2, warmup_iterations=0, sampling=SamplingOptions(budget_seconds=0.02),
                               cwd=str(path.parent))


def processes_of(result: BenchmarkResult) -> int:
    return len({record.process for record in result.counted_iterations})


class ScriptedJudge:
    """Unsure (wanting ``more`` processes, or None: more cannot settle it) until a result
    holds ``enough`` processes, then same. Records the error each look was read at."""

    def __init__(self, store_path: Path, outcome: RunOutcome, *, enough: int, more: int | None) -> None:
        with open_store(store_path) as store:
            run = store.run(outcome.run_id)
        assert run is not None
        self.side = ResolvedRun(run, "", "this run")
        self.enough, self.more = enough, more
        self.errors: list[float] = []

    def __call__(self, results: Sequence[BenchmarkResult], family_error: float) -> RunComparison:
        self.errors.append(family_error)
        verdicts = []
        for result in results:
            have = processes_of(result)
            settled = have >= self.enough
            verdicts.append(ChangeVerdict(lane=result.lane, benchmark=result.benchmark,
                                          status="same" if settled else "unsure", threshold=0.05,
                                          threshold_requested=False, current_processes=have,
                                          more_processes=None if settled else self.more))
        return RunComparison(self.side, self.side, Comparison(tuple(verdicts), family_error, len(verdicts), True),
                             mixed_hosts=False)


def settle_scripted(store_path: Path, definitions: tuple[BenchmarkDefinition, ...], outcome: RunOutcome,
                    judge: ScriptedJudge, budget: SettleBudget, **options) -> tuple[SettleOutcome, BenchmarkResult]:
    """Settles with ``judge``; the outcome and the result as the store then holds it."""
    with open_store(store_path) as store:
        settled = settle(judge, outcome.results, definitions, budget, store=store, result_rows=outcome.result_rows,
                         **options)
        return settled, store.results(outcome.run_id)[0].result


@pytest.fixture
def ran(write_module, tmp_path: Path) -> tuple[Path, tuple[BenchmarkDefinition, ...], RunOutcome]:
    path = write_module("bench_settle.py", BENCHMARKS)
    definitions = (definition(path),)
    store = tmp_path / "results.db"
    outcome = RunSession(SessionRequest(definitions=definitions, store=store, handle_signals=False)).run()
    assert outcome.status == "complete" and processes_of(outcome.results[0]) == 2
    return store, definitions, outcome


def test_unsure_benchmarks_get_more_processes_until_settled_and_the_store_holds_them(ran) -> None:
    store_path, definitions, outcome = ran
    judge = ScriptedJudge(store_path, outcome, enough=5, more=2)
    settled, stored = settle_scripted(store_path, definitions, outcome, judge, SettleBudget(seconds=600))
    # 2.5 processes wanted (a quarter more than 2, the next look being stricter), 3 added
    assert settled.added == {"t/work": 3} and settled.processes_added == 3
    assert settled.stopped == "settled"
    assert [look.number for look in settled.looks] == [0, 1]
    assert [v.status for v in settled.comparison.comparison.verdicts] == ["same"]
    assert judge.errors == [FAMILY_ERROR / 2, FAMILY_ERROR / 4]
    assert settled.comparison.comparison.family_error == FAMILY_ERROR
    pooled = settled.results[0]
    assert processes_of(pooled) == 5 and processes_of(stored) == 5
    assert stored.measurement.samples_ns.size == pooled.measurement.samples_ns.size == stored.measurement.stats.n
    assert sorted({process for process, _ in stored.measurement.segments}) == [0, 1, 2, 3, 4]
    assert settled.wall_seconds > 0


def test_a_process_budget_is_never_exceeded(ran) -> None:
    store_path, definitions, outcome = ran
    judge = ScriptedJudge(store_path, outcome, enough=50, more=5)
    settled, stored = settle_scripted(store_path, definitions, outcome, judge, SettleBudget(processes=2))
    assert settled.processes_added == 2 and settled.stopped == "budget spent"
    assert processes_of(stored) == 4
    assert [v.status for v in settled.comparison.comparison.verdicts] == ["unsure"]


def test_a_spent_duration_starts_no_process(ran) -> None:
    store_path, definitions, outcome = ran
    judge = ScriptedJudge(store_path, outcome, enough=5, more=2)
    clock = itertools.chain([0.0], itertools.repeat(1000.0)).__next__  # the budget is gone after the first look
    settled, _ = settle_scripted(store_path, definitions, outcome, judge, SettleBudget(seconds=60), clock=clock)
    assert settled.processes_added == 0 and settled.stopped == "budget spent" and len(settled.looks) == 1


def test_what_more_processes_cannot_settle_is_left_alone(ran) -> None:
    store_path, definitions, outcome = ran
    judge = ScriptedJudge(store_path, outcome, enough=5, more=None)
    settled, _ = settle_scripted(store_path, definitions, outcome, judge, SettleBudget(processes=10))
    assert settled.processes_added == 0 and settled.stopped == "more processes cannot settle the rest"


def test_a_failing_added_process_stops_that_benchmark_and_keeps_the_run_as_it_was(write_module,
                                                                                  tmp_path: Path) -> None:
    path = write_module("bench_settle.py", BENCHMARKS)
    definitions = (definition(path, "abort_from_the_third_process"),)
    store_path = tmp_path / "results.db"
    outcome = RunSession(SessionRequest(definitions=definitions, store=store_path, handle_signals=False)).run()
    assert outcome.status == "complete"
    judge = ScriptedJudge(store_path, outcome, enough=5, more=2)
    settled, stored = settle_scripted(store_path, definitions, outcome, judge, SettleBudget(processes=10))
    key = "t/abort_from_the_third_process"
    assert "an added process failed (crash" in settled.problems[key]
    assert settled.processes_added == 0 and settled.stopped == "added processes failed"
    assert stored.ok and processes_of(stored) == 2


def test_the_error_spent_over_any_number_of_looks_stays_under_the_family_error() -> None:
    errors = [look_error(FAMILY_ERROR, look) for look in range(MAX_LOOKS + 1)]
    assert errors[0] == FAMILY_ERROR / 2 and all(a == 2 * b for a, b in zip(errors, errors[1:]))
    assert sum(errors) < FAMILY_ERROR


def test_a_budget_is_a_duration_or_a_process_count() -> None:
    assert SettleBudget(seconds=120).describe() == "120 s"
    assert SettleBudget(processes=1).describe() == "1 process"
    with pytest.raises(ValueError):
        SettleBudget()
    with pytest.raises(ValueError):
        SettleBudget(seconds=1, processes=1)
