"""Each benchmark runs in its own worker process; failures are contained and explained."""

from __future__ import annotations

from pathlib import Path

import pytest

from perfbench.execution.runner import BenchmarkFinished, BenchmarkStarted, IterationFinished, results_of, run_benchmarks
from perfbench.measuring.sampling import SamplingOptions
from perfbench.definition.suite import BenchmarkDefinition, PythonTarget, WorkloadTarget

FAST = SamplingOptions(budget_seconds=0.05)

BENCHMARKS = """
import os, signal, time

def fine():
    return sum(range(100))

def raises():
    raise ValueError("the input was never valid")

def aborts():
    os.abort()

def segfaults():
    os.kill(os.getpid(), signal.SIGSEGV)

def hangs():
    time.sleep(3600)

def exits():
    os._exit(7)
"""


@pytest.fixture
def bench_file(write_module) -> Path:
    return write_module("bench_faults.py", BENCHMARKS)


def definition(path: Path, function: str, timeout: float = 60) -> BenchmarkDefinition:
    return BenchmarkDefinition(name=function, lane="faults", target=PythonTarget(str(path), function),
                               sampling=FAST, timeout_seconds=timeout)


def test_failures_are_contained_and_the_rest_still_run(bench_file: Path) -> None:
    definitions = [
        definition(bench_file, "fine"),
        definition(bench_file, "raises"),
        definition(bench_file, "aborts"),
        definition(bench_file, "segfaults"),
        definition(bench_file, "hangs", timeout=2),
        definition(bench_file, "exits"),
        BenchmarkDefinition(name="hash", lane="core", target=WorkloadTarget("hash_lookup_1k"), sampling=FAST),
    ]
    results = {r.benchmark: r for r in results_of(run_benchmarks(definitions))}
    assert list(results) == [d.name for d in definitions]

    assert results["fine"].ok and results["fine"].measurement.median > 0
    assert results["hash"].ok

    raised = results["raises"].failure
    assert raised.kind == "exception"
    assert "ValueError: the input was never valid" in raised.message
    assert "Traceback" in raised.detail

    assert results["aborts"].failure.kind == "crash"
    assert "SIGABRT" in results["aborts"].failure.message
    assert results["segfaults"].failure.kind == "crash"
    assert "SIGSEGV" in results["segfaults"].failure.message

    assert results["hangs"].failure.kind == "timeout"
    assert "2 s" in results["hangs"].failure.message

    assert results["exits"].failure.kind == "exit"
    assert "status 7" in results["exits"].failure.message


def test_events_report_every_benchmark_and_iteration(bench_file: Path) -> None:
    fine = BenchmarkDefinition(name="fine", lane="faults", target=PythonTarget(str(bench_file), "fine"),
                               sampling=FAST, iterations=3, warmup_iterations=1)
    seen = []
    for event in run_benchmarks([fine, definition(bench_file, "raises")]):
        if isinstance(event, BenchmarkStarted):
            seen.append(("start", event.definition.name, event.index, event.total))
        elif isinstance(event, IterationFinished):
            seen.append(("iteration", event.definition.name, event.record.index, event.record.warmup, event.record.ok))
        elif isinstance(event, BenchmarkFinished):
            seen.append(("end", event.result.benchmark, event.index, event.total))
    assert seen == [("start", "fine", 0, 2), ("iteration", "fine", 0, True, True),
                    ("iteration", "fine", 1, False, True), ("iteration", "fine", 2, False, True),
                    ("iteration", "fine", 3, False, True), ("end", "fine", 0, 2),
                    ("start", "raises", 1, 2), ("iteration", "raises", 0, False, False), ("end", "raises", 1, 2)]


def test_warmup_iterations_are_recorded_but_not_counted(bench_file: Path) -> None:
    fine = BenchmarkDefinition(name="fine", lane="faults", target=PythonTarget(str(bench_file), "fine"),
                               sampling=FAST, iterations=2, warmup_iterations=2)
    (result,) = results_of(run_benchmarks([fine]))
    assert len(result.iterations) == 4 and len(result.counted_iterations) == 2
    counted_samples = sum(i.measurement.stats.n for i in result.counted_iterations)
    assert result.measurement.stats.n == counted_samples
    # later rounds reuse the first round's iterations per sample, so samples can be pooled
    assert len({i.measurement.iterations_per_sample for i in result.iterations}) == 1
