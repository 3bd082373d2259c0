"""A micro-benchmark's counted iterations spread over several fresh worker processes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from perfbench.definition.project import Overrides, apply_overrides
from perfbench.execution.runner import results_of, run_benchmarks
from perfbench.measuring.sampling import SamplingOptions
from perfbench.definition.suite import BenchmarkDefinition, CommandTarget, PythonTarget

FAST = SamplingOptions(budget_seconds=0.05)

# setup() runs once per worker process: it leaves the process id behind, so the test can
# tell which processes ran. crash_in_second() aborts in the second process only.
BENCHMARKS = """
import os
from pathlib import Path

PIDS = Path(__file__).with_name("pids.txt")

def record_pid():
    with PIDS.open("a") as f:
        f.write(f"{os.getpid()}\\n")

def work():
    return sum(range(200))

def abort_in_second_process():
    record_pid()
    if len(PIDS.read_text().split()) == 2:
        os.abort()
"""


@pytest.fixture
def bench_file(write_module) -> Path:
    return write_module("bench_processes.py", BENCHMARKS)


def pids(bench_file: Path) -> list[int]:
    return [int(line) for line in bench_file.with_name("pids.txt").read_text().split()]


def test_iterations_are_spread_over_fresh_processes_and_pooled(bench_file: Path) -> None:
    definition = BenchmarkDefinition(
        name="work", lane="p", target=PythonTarget(str(bench_file), "work", setup="record_pid"),
        sampling=FAST, iterations=5, warmup_iterations=1, processes=2)
    (result,) = results_of(run_benchmarks([definition]))
    assert result.failure is None
    seen = pids(bench_file)
    assert len(seen) == 2 and len(set(seen)) == 2 and os.getpid() not in seen
    # shares [3, 2], each process preceded by its own warm-up
    assert [r.index for r in result.iterations] == list(range(7))
    assert [r.warmup for r in result.iterations] == [True, False, False, False, True, False, False]
    assert [r.process for r in result.iterations] == [0, 0, 0, 0, 1, 1, 1]
    assert len(result.counted_iterations) == 5
    # the second process reuses the first one's iterations per sample, so samples pool
    assert len({r.measurement.iterations_per_sample for r in result.iterations}) == 1
    assert result.measurement.stats.n == sum(r.measurement.stats.n for r in result.counted_iterations)


def test_a_failing_process_ends_the_benchmark_and_keeps_what_finished(bench_file: Path) -> None:
    definition = BenchmarkDefinition(
        name="abort", lane="p", target=PythonTarget(str(bench_file), "work", setup="abort_in_second_process"),
        sampling=FAST, iterations=3, processes=3)
    (result,) = results_of(run_benchmarks([definition]))
    assert len(pids(bench_file)) == 2  # no third process was started
    assert result.failure is not None and result.failure.kind == "crash"
    assert "SIGABRT" in result.failure.message
    assert [r.ok for r in result.iterations] == [True, False]
    assert [r.process for r in result.iterations] == [0, 1]


def test_shares_are_as_even_as_they_divide() -> None:
    target = PythonTarget("x.py", "f")
    shares = [BenchmarkDefinition(name="f", lane="p", target=target, iterations=n, processes=p).process_shares()
              for n, p in ((5, 2), (6, 3), (7, 7), (1, 1))]
    assert shares == [[3, 2], [2, 2, 2], [1] * 7, [1]]


def test_definitions_refuse_more_processes_than_iterations_and_processes_for_commands() -> None:
    with pytest.raises(ValueError, match="processes <= iterations"):
        BenchmarkDefinition(name="f", lane="p", target=PythonTarget("x.py", "f"), iterations=2, processes=3)
    with pytest.raises(ValueError, match="new process"):
        BenchmarkDefinition(name="c", lane="p", target=CommandTarget("true"), iterations=2, processes=2)


def test_the_processes_override_raises_iterations_and_leaves_commands_alone() -> None:
    python = BenchmarkDefinition(name="f", lane="p", target=PythonTarget("x.py", "f"), iterations=2)
    command = BenchmarkDefinition(name="c", lane="p", target=CommandTarget("true"), iterations=2)
    raised = apply_overrides(python, Overrides(processes=4), user_defined=True)
    assert (raised.iterations, raised.processes) == (4, 4)
    assert apply_overrides(command, Overrides(processes=4), user_defined=True).processes == 1
    spread = BenchmarkDefinition(name="f", lane="p", target=PythonTarget("x.py", "f"), iterations=5, processes=5)
    quick = apply_overrides(spread, Overrides(quick=True), user_defined=True)
    assert (quick.iterations, quick.processes) == (2, 2)


def test_a_lane_with_more_processes_than_iterations_is_a_config_error(tmp_path: Path) -> None:
    (tmp_path / "perfbench.toml").write_text("[lanes.docs]\niterations = 2\nprocesses = 3\n")
    run = subprocess.run([sys.executable, "-m", "perfbench", "list"], cwd=tmp_path, capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == 2
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and "lanes.docs.processes" in lines[0] and "iterations = 3" in lines[0], run.stderr


@pytest.mark.parametrize(("flags", "fragment"), [
    (["--processes", "0"], "--processes: must be at least 1"),
    (["--processes", "3", "--iterations", "2"], "give --iterations 3 or more"),
])
def test_bad_processes_flags_exit_2_with_one_line(tmp_path: Path, flags: list[str], fragment: str) -> None:
    run = subprocess.run([sys.executable, "-m", "perfbench", "run", "--lane", "core", *flags], cwd=tmp_path,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 2
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and fragment in lines[0] and "Traceback" not in run.stderr, run.stderr
