"""Each benchmark runs in its own worker process; failures are contained and explained."""

from __future__ import annotations

from pathlib import Path

import pytest

from perfbench.runner import run_benchmarks
from perfbench.sampling import SamplingOptions
from perfbench.suite import BenchmarkDefinition, PythonTarget, WorkloadTarget

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
    results = {r.benchmark: r for r in run_benchmarks(definitions)}
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


def test_observer_sees_every_benchmark(bench_file: Path) -> None:
    events = []

    class Recorder:
        def benchmark_started(self, d, index, total):
            events.append(("start", d.name, index, total))

        def benchmark_finished(self, r, index, total):
            events.append(("end", r.benchmark, index, total))

    list(run_benchmarks([definition(bench_file, "fine"), definition(bench_file, "raises")], observer=Recorder()))
    assert events == [("start", "fine", 0, 2), ("end", "fine", 0, 2),
                      ("start", "raises", 1, 2), ("end", "raises", 1, 2)]
