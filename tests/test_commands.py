"""Command benchmarks: one process per iteration, exact rusage, timeouts that kill the tree."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import psutil
import pytest

from perfbench.execution.runner import results_of, run_benchmarks
from perfbench.definition.suite import BenchmarkDefinition, CommandTarget

PY = sys.executable


def command(name: str, cmd, **kwargs) -> BenchmarkDefinition:
    options = {"iterations": 3, "warmup_iterations": 1, "timeout_seconds": 30.0, "metrics_interval_seconds": 0.05}
    target_keys = {"setup", "teardown", "env", "cwd"}
    target_options = {k: kwargs.pop(k) for k in list(kwargs) if k in target_keys}
    options.update(kwargs)
    return BenchmarkDefinition(name=name, lane="commands", target=CommandTarget(cmd, **target_options), **options)


def test_iterations_time_a_process_each_and_record_its_cpu(tmp_path: Path) -> None:
    busy = f"{PY} -c \"import time; t=time.process_time()\nwhile time.process_time()-t < 0.15: pass\""
    (result,) = results_of(run_benchmarks([command("busy", busy)]))
    assert result.ok, result.failure
    assert len(result.iterations) == 4 and len(result.counted_iterations) == 3
    assert [r.process for r in result.iterations] == [0, 1, 2, 3]  # each iteration is a process of its own
    assert result.measurement.stats.n == 3
    for record in result.counted_iterations:
        assert record.exit_code == 0
        assert record.cpu_user_seconds + record.cpu_system_seconds >= 0.14
        assert record.wall_ns >= 0.14e9
    # process_time() is a system call, so the loop splits its CPU between user and system time
    assert result.metric("cpu_user_time").value + result.metric("cpu_system_time").value >= 0.14e9
    assert result.metric("error_rate").value == 0
    assert result.measurement.overhead_ns > 0 and not result.measurement.overhead_subtracted


def test_a_non_zero_exit_is_a_failed_iteration_with_its_stderr_tail() -> None:
    failing = f"{PY} -c \"import sys; print('first line'); sys.stderr.write('disk full at /tmp/x\\\\n'); sys.exit(4)\""
    (result,) = results_of(run_benchmarks([command("fails", failing, iterations=2, warmup_iterations=0)]))
    assert not result.ok
    assert result.failure.kind == "exit" and "status 4" in result.failure.message
    assert all(r.exit_code == 4 for r in result.iterations)
    assert "disk full at /tmp/x" in result.iterations[0].stderr_tail
    assert result.metric("error_rate") is None or result.metric("error_rate").value == 1.0


def test_setup_teardown_env_and_cwd(tmp_path: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    definition = command(
        "env", f"{PY} -c \"import os; open('seen.txt','a').write(os.environ['GREETING'] + '\\\\n')\"",
        setup="touch setup-ran", teardown="touch teardown-ran", env={"GREETING": "hello"}, cwd=str(work),
        iterations=2, warmup_iterations=0)
    (result,) = results_of(run_benchmarks([definition]))
    assert result.ok, result.failure
    assert (work / "setup-ran").exists() and (work / "teardown-ran").exists()
    assert (work / "seen.txt").read_text() == "hello\nhello\n"


def test_a_failing_setup_stops_the_benchmark() -> None:
    (result,) = results_of(run_benchmarks([command("bad-setup", "true", setup="exit 3")]))
    assert result.failure.kind == "setup" and "status 3" in result.failure.message
    assert len(result.iterations) == 1


def test_a_hanging_command_is_killed_at_its_timeout_with_its_whole_tree(tmp_path: Path) -> None:
    pids = tmp_path / "pids"
    # a shell that starts a grandchild in the background and then hangs itself
    hang = (f"{PY} -c \"import subprocess, sys, time; "
            f"p = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)']); "
            f"open(r'{pids}', 'w').write(str(p.pid)); time.sleep(600)\"")
    began = time.monotonic()
    (result,) = results_of(run_benchmarks([command("hangs", hang, timeout_seconds=1.5, iterations=1,
                                                   warmup_iterations=0)]))
    assert time.monotonic() - began < 20
    assert result.failure.kind == "timeout" and "1.5 s" in result.failure.message
    grandchild = int(pids.read_text())
    deadline = time.monotonic() + 5
    while psutil.pid_exists(grandchild) and time.monotonic() < deadline:
        try:
            if psutil.Process(grandchild).status() == psutil.STATUS_ZOMBIE:
                break
        except psutil.NoSuchProcess:
            break
        time.sleep(0.05)
    assert not psutil.pid_exists(grandchild) or psutil.Process(grandchild).status() == psutil.STATUS_ZOMBIE


def test_a_memory_blow_up_is_killed_at_the_limit() -> None:
    hog = f"{PY} -c \"import time; b = bytearray(600 * 1024 * 1024); time.sleep(30)\""
    began = time.monotonic()
    (result,) = results_of(run_benchmarks([command("hog", hog, memory_limit_bytes=200 * 1024 * 1024,
                                                   iterations=2, warmup_iterations=0)]))
    assert time.monotonic() - began < 25
    assert result.failure.kind == "memory" and "limit" in result.failure.message
    assert len(result.iterations) == 1  # no point repeating a blow-up


def test_resource_metrics_are_recorded_per_iteration() -> None:
    alloc = f"{PY} -c \"import time; b = bytearray(150 * 1024 * 1024); b[::4096] = b'x' * len(b[::4096]); time.sleep(0.3)\""
    (result,) = results_of(run_benchmarks([command("alloc", alloc, iterations=2, warmup_iterations=0)]))
    assert result.ok, result.failure
    assert result.metric("max_rss").value >= 150 * 1024 * 1024
    for record in result.iterations:
        assert record.resources is not None and record.resources["timeseries"]
        assert record.metric_value("max_rss") >= 150 * 1024 * 1024


@pytest.mark.skipif(not hasattr(os, "pidfd_open"), reason="needs os.pidfd_open (Linux 5.3+)")
def test_argv_commands_run_without_a_shell() -> None:
    (result,) = results_of(run_benchmarks([command("argv", (PY, "-c", "pass"), iterations=1, warmup_iterations=0)]))
    assert result.ok and result.iterations[0].exit_code == 0


def test_a_missing_program_is_reported_by_name() -> None:
    (result,) = results_of(run_benchmarks([command("missing", ("no-such-program-here",), iterations=1,
                                                   warmup_iterations=0)]))
    assert result.failure.kind == "exit" and "no-such-program-here" in result.failure.message
    assert "No such file" in result.failure.message


def test_peak_memory_is_the_commands_own_not_the_runners() -> None:
    """Forked from the runner, a command's ru_maxrss would carry the runner's image; the
    launcher keeps it out, so a small command reads small."""
    small = (PY, "-c", "import time; time.sleep(0.2)")
    (result,) = results_of(run_benchmarks([command("small", small, iterations=1, warmup_iterations=0)]))
    runner_rss = psutil.Process().memory_info().rss
    assert result.metric("max_rss").value < min(60e6, runner_rss)
