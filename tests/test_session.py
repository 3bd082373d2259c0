"""RunSession: runs, stores every iteration, judges, writes reports, and returns one immutable
outcome; the CLI only maps that outcome to what it prints and its exit code."""

from __future__ import annotations

import dataclasses
import os
import signal
import sqlite3
from pathlib import Path

import pytest

from perfbench.cli.cmd_run import exit_code_of
from perfbench.definition.suite import BenchmarkDefinition, CommandTarget, PythonTarget
from perfbench.execution.runner import BenchmarkFinished, BenchmarkStarted, IterationFinished
from perfbench.execution.session import (RunOutcome, RunSession, RunStarted, SessionRequest,
                                         failing_verdicts)
from perfbench.measuring.sampling import SamplingOptions
from perfbench.model import BenchmarkResult, Failure, Measurement
from perfbench.sla import Verdict, rule

FAST = SamplingOptions(budget_seconds=0.02)

BENCHMARKS = """
def fine():
    return sum(range(100))

def raises():
    raise ValueError("never valid")
"""


def python(path: Path, function: str, **options) -> BenchmarkDefinition:
    return BenchmarkDefinition(name=function, lane="session", target=PythonTarget(str(path), function),
                               sampling=FAST, **options)


def test_the_session_runs_stores_judges_reports_and_returns_an_immutable_outcome(write_module, tmp_path: Path) -> None:
    bench = write_module("bench_session.py", BENCHMARKS)
    definitions = (python(bench, "fine", iterations=2, warmup_iterations=1,
                          sla=(rule("median < 10s"), rule("median < 0.001ns", severity="warning"))),
                   python(bench, "raises"))
    events = []
    outcome = RunSession(SessionRequest(definitions=definitions, store=tmp_path / "store.db",
                                        output_dir=tmp_path / "reports", command="test"),
                         observer=events.append).run()

    assert isinstance(events[0], RunStarted) and events[0].run_id == outcome.run_id
    assert events[0].total_iterations == 4
    assert [type(e) for e in events[1:]] == [BenchmarkStarted, IterationFinished, IterationFinished,
                                             IterationFinished, BenchmarkFinished,
                                             BenchmarkStarted, IterationFinished, BenchmarkFinished]
    assert outcome.status == "failed" and not outcome.interrupted and outcome.planned == 2
    assert [r.benchmark for r in outcome.results] == ["fine", "raises"]
    assert [r.benchmark for r in outcome.failed] == ["raises"]
    assert [(v.benchmark, v.status, v.severity) for v in outcome.verdicts] == [
        ("session/fine", "pass", None), ("session/fine", "violated", "warning")]
    assert not outcome.check_failed  # a warning does not fail the run
    assert sorted(p.suffix for p in outcome.report_paths) == [".csv", ".html"]
    assert all(p.is_file() for p in outcome.report_paths)

    with pytest.raises(dataclasses.FrozenInstanceError):
        outcome.status = "complete"  # type: ignore[misc]
    assert isinstance(outcome.results, tuple) and isinstance(outcome.verdicts, tuple)
    with pytest.raises(TypeError):
        outcome.environment["cpu"] = "changed"  # type: ignore[index]

    with sqlite3.connect(tmp_path / "store.db") as db:
        assert db.execute("SELECT status FROM runs WHERE id = ?", (outcome.run_id,)).fetchone() == ("failed",)
        assert db.execute("SELECT COUNT(*) FROM iterations").fetchone() == (4,)
        assert db.execute("SELECT COUNT(*) FROM sla_verdicts").fetchone() == (2,)


def _result(name: str, failure: Failure | None = None) -> BenchmarkResult:
    measurement = Measurement(samples_ns=[1.0, 2.0], iterations_per_sample=1, overhead_ns=0.0,
                              overhead_subtracted=False, clock="steady_clock", ticks_per_ns=1.0)
    return BenchmarkResult(lane="l", benchmark=name, kind="python", measurement=measurement, failure=failure)


def _verdict(status: str, severity: str | None) -> Verdict:
    return Verdict(rule="r", benchmark="l/a", expression="median < 1ns", metric="median", measured=1.0,
                   unit="ns", status=status, severity=severity, message="")


def _outcome(results=(), verdicts=(), interrupted_by=None) -> RunOutcome:
    return RunOutcome(run_id=1, store="s.db", status="complete", started_at="", command="", environment={},
                      noise_warnings=(), planned=len(results), results=tuple(results), verdicts=tuple(verdicts),
                      failing=failing_verdicts(verdicts), report_paths=(), interrupted_by=interrupted_by)


def test_the_verdicts_fail_the_run_on_an_error_or_critical_violation() -> None:
    assert failing_verdicts([_verdict("pass", None), _verdict("violated", "warning")]) == ()
    assert failing_verdicts([_verdict("insufficient", None)]) == ()
    assert failing_verdicts([_verdict("violated", "error")]) == (_verdict("violated", "error"),)
    assert failing_verdicts([_verdict("pass", None), _verdict("violated", "critical")]) == (
        _verdict("violated", "critical"),)
    assert failing_verdicts([_verdict("invalid", "error")]) == (_verdict("invalid", "error"),)
    unsure = _verdict("unsure", "error")  # its interval straddles the limit; at worst an error
    assert failing_verdicts([unsure]) == () and failing_verdicts([unsure], fail_on_unsure=True) == (unsure,)


def test_the_cli_maps_the_outcome_to_an_exit_code() -> None:
    crashed = _result("b", Failure("crash", "killed by SIGSEGV"))
    cut_short = _result("c", Failure("interrupted", "interrupted after 1 of 3 iterations"))
    assert exit_code_of(_outcome([_result("a")], [_verdict("violated", "warning")])) == 0
    assert exit_code_of(_outcome([_result("a")], [_verdict("violated", "error")])) == 1
    assert exit_code_of(_outcome([_result("a"), crashed], [_verdict("violated", "error")])) == 3
    for signum, code in ((signal.SIGINT, 130), (signal.SIGTERM, 143), (signal.SIGHUP, 129)):
        assert exit_code_of(_outcome([_result("a"), crashed, cut_short], interrupted_by=signum)) == code
    assert _outcome([_result("a"), crashed, cut_short]).failed == (crashed,)


def test_the_progress_counter_of_command_benchmarks_counts_benchmarks(tmp_path: Path) -> None:
    from perfbench.execution.runner import run_benchmarks

    definitions = [BenchmarkDefinition(name=name, lane="a", target=CommandTarget("true"), iterations=3,
                                       warmup_iterations=1) for name in ("t", "u")]
    finished = [(e.result.key, e.index, e.total) for e in run_benchmarks(definitions)
                if isinstance(e, BenchmarkFinished)]
    assert finished == [("a/t", 0, 2), ("a/u", 1, 2)]  # was (4, 2): the iteration loop reused `index`


def test_the_cli_prints_each_command_benchmark_once_with_its_position(write_module, run_cli) -> None:
    write_module("perfbench.toml", """
        [lanes.a]
        iterations = 3
        [[benchmark]]
        name = "t"
        lane = "a"
        command = "true"
    """)
    completed = run_cli("run", "--store", "s.db", "--output-dir", "out")
    assert completed.returncode == 0, completed.stderr
    assert "[1/1] a/t: median" in completed.stderr
    assert "[4/1]" not in completed.stderr and "[2/1]" not in completed.stderr


def _interrupting(signum: int, when) -> list:
    """An observer that sends this process `signum` when `when(event)` holds (the session
    is then storing or reporting that event: the signal must wait for a safe point)."""
    events: list = []

    def observe(event) -> None:
        events.append(event)
        if when(event):
            os.kill(os.getpid(), signum)

    return observe


def _run(tmp_path: Path, definitions, observer) -> RunOutcome:
    return RunSession(SessionRequest(definitions=tuple(definitions), store=tmp_path / "store.db",
                                     output_dir=tmp_path / "reports"), observer=observer).run()


def _stored_results(tmp_path: Path) -> dict[str, tuple]:
    with sqlite3.connect(tmp_path / "store.db") as db:
        rows = db.execute("SELECT r.benchmark, r.status, r.n, COUNT(i.id) FROM results r "
                          "LEFT JOIN iterations i ON i.result_id = r.id GROUP BY r.id").fetchall()
        assert db.execute("SELECT status FROM runs").fetchall() == [("interrupted",)]
    return {name: (status, n, iterations) for name, status, n, iterations in rows}


def test_a_benchmark_that_ran_every_iteration_before_the_interrupt_is_stored_complete(write_module, tmp_path) -> None:
    bench = write_module("bench_session.py", BENCHMARKS)
    handlers = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    last = _interrupting(signal.SIGINT, lambda e: isinstance(e, IterationFinished) and e.record.index == 1)
    outcome = _run(tmp_path, [python(bench, "fine", iterations=2), python(bench, "raises")], last)

    assert outcome.interrupted_by == signal.SIGINT and outcome.status == "interrupted"
    (fine,) = outcome.results  # the next benchmark never started
    assert fine.ok and fine.measurement.stats.n == sum(i.measurement.stats.n for i in fine.iterations)
    status, n, iterations = _stored_results(tmp_path)["fine"]
    assert (status, n, iterations) == ("ok", fine.measurement.stats.n, 2)
    assert {s: signal.getsignal(s) for s in handlers} == handlers  # restored after the run
    assert all(p.is_file() for p in outcome.report_paths) and len(outcome.report_paths) == 2


def test_an_interrupt_keeps_the_finished_iterations_with_their_statistics(write_module, tmp_path) -> None:
    bench = write_module("bench_session.py", BENCHMARKS)
    first = _interrupting(signal.SIGHUP, lambda e: isinstance(e, IterationFinished) and e.record.index == 0)
    outcome = _run(tmp_path, [python(bench, "fine", iterations=3)], first)

    assert outcome.interrupted_by == signal.SIGHUP
    (fine,) = outcome.results
    assert fine.failure.kind == "interrupted" and "after 1 of 3 iterations" in fine.failure.message
    assert fine.measurement.stats.n == fine.iterations[0].measurement.stats.n
    assert _stored_results(tmp_path) == {"fine": ("interrupted", fine.measurement.stats.n, 1)}


def test_an_interrupt_as_a_benchmark_starts_reports_it_interrupted(write_module, tmp_path) -> None:
    bench = write_module("bench_session.py", BENCHMARKS)
    second = _interrupting(signal.SIGTERM, lambda e: isinstance(e, BenchmarkStarted) and e.index == 1)
    outcome = _run(tmp_path, [python(bench, "fine"), python(bench, "raises")], second)

    assert outcome.interrupted_by == signal.SIGTERM
    assert [(r.benchmark, r.ok) for r in outcome.results] == [("fine", True), ("raises", False)]
    assert outcome.results[1].failure.kind == "interrupted" and outcome.results[1].measurement is None
    assert outcome.failed == () and [r.benchmark for r in outcome.finished] == ["fine"]
    stored = _stored_results(tmp_path)
    assert stored["fine"][0] == "ok" and stored["raises"] == ("interrupted", None, 0)
