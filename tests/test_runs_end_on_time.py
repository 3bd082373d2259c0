"""A run ends when its benchmark is over: a process the benchmark leaves behind never holds
the runner's report pipes, and a hanging setup is timed out like an iteration.

Bounds on elapsed time are generous (tens of seconds against a 60 s daemon or a 600 s
hang): they tell "ended at the timeout" from "waited for the daemon", never a speed.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from perfbench.definition.discovery import discover
from perfbench.definition.suite import BenchmarkDefinition, CommandTarget, PythonTarget
from perfbench.execution.command_process import LAUNCHER
from perfbench.execution.line_pipe import LinePipe
from perfbench.execution.runner import results_of, run_benchmarks
from perfbench.measuring.sampling import SamplingOptions

PY = sys.executable
# A daemon that leaves its parent's session (setsid, in a subshell that exits at once) and
# writes its pid where the test can find it: nothing in its name ties it to the benchmark.
DAEMON = "(setsid sh -c 'echo $$ > {pid_file}; exec sleep 60' >/dev/null 2>&1 &)"


def gone(pid: int, within_seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + within_seconds
    while time.monotonic() < deadline:
        try:
            if psutil.Process(pid).status() == psutil.STATUS_ZOMBIE:
                return True
        except psutil.NoSuchProcess:
            return True
        time.sleep(0.05)
    return False


@pytest.fixture
def daemon_pid_file(tmp_path: Path) -> Iterator[Path]:
    """Where a test's daemon writes its pid; the daemon is killed afterwards whatever happened."""
    path = tmp_path / "daemon.pid"
    yield path
    if path.exists() and path.read_text().strip():
        try:
            os.kill(int(path.read_text()), signal.SIGKILL)
        except ProcessLookupError:
            pass


def wait_for_pid(path: Path, within_seconds: float = 10.0) -> int:
    deadline = time.monotonic() + within_seconds
    while not (path.exists() and path.read_text().strip()):
        assert time.monotonic() < deadline, "the daemon never started"
        time.sleep(0.05)
    return int(path.read_text())


def command(name: str, cmd: str | tuple[str, ...], timeout_seconds: float) -> BenchmarkDefinition:
    return BenchmarkDefinition(name=name, lane="held", target=CommandTarget(cmd), iterations=1, warmup_iterations=0,
                               timeout_seconds=timeout_seconds, metrics_interval_seconds=None)


def test_a_timed_out_command_whose_daemon_lives_on_ends_at_its_timeout(daemon_pid_file: Path) -> None:
    hang = DAEMON.format(pid_file=daemon_pid_file) + "; sleep 1000"
    began = time.monotonic()
    (result,) = results_of(run_benchmarks([command("daemon", ("sh", "-c", hang), timeout_seconds=2.0)]))
    assert time.monotonic() - began < 30  # not the daemon's 60 s
    assert result.failure.kind == "timeout" and "2 s" in result.failure.message
    # The launcher is a child subreaper: the daemon was re-parented to it, found and killed.
    assert gone(wait_for_pid(daemon_pid_file))


def test_a_command_that_finished_and_left_a_daemon_is_measured_without_waiting_for_it(
        daemon_pid_file: Path) -> None:
    # waits until the daemon is on its own (else the group kill at the command's end may
    # catch it before its setsid)
    started_daemon = DAEMON.format(pid_file=daemon_pid_file) + f"; until [ -s {daemon_pid_file} ]; do sleep 0.05; done"
    began = time.monotonic()
    (result,) = results_of(run_benchmarks([command("leaves-daemon", ("sh", "-c", started_daemon),
                                                   timeout_seconds=120.0)]))
    assert time.monotonic() - began < 30
    assert result.ok, result.failure
    assert result.iterations[0].exit_code == 0
    wait_for_pid(daemon_pid_file)  # it did start (and is killed by the fixture)


def test_the_launcher_keeps_its_report_pipe_from_the_command() -> None:
    read_fd, write_fd = os.pipe()
    probe = f"import os, sys; sys.exit(9 if os.path.exists('/proc/self/fd/{write_fd}') else 0)"
    try:
        completed = subprocess.run([str(LAUNCHER), str(write_fd), PY, "-c", probe], pass_fds=(write_fd,),
                                   stdin=subprocess.DEVNULL, timeout=60)
    finally:
        os.close(write_fd)
    with os.fdopen(read_fd) as report:
        line = report.read()
    assert completed.returncode == 0, line
    assert line.split()[6] == "0"  # the command's wait status: it did not see the pipe


def zombie_children(pid: int) -> int:
    count = 0
    for child in psutil.Process(pid).children():
        try:
            count += child.status() == psutil.STATUS_ZOMBIE
        except psutil.NoSuchProcess:  # reaped meanwhile
            pass
    return count


def test_the_launcher_reaps_the_orphans_it_adopts(tmp_path: Path) -> None:
    """As a subreaper the launcher adopts the command's orphans; it must reap them as they end,
    or a command that daemonises many short-lived helpers piles up zombies for its whole life."""
    spawned, go = tmp_path / "spawned", tmp_path / "go"
    script = (f"for i in 1 2 3 4 5; do (sleep 0.1 &); done; touch {spawned}; "
              f"until [ -e {go} ]; do sleep 0.05; done")
    read_fd, write_fd = os.pipe()
    launcher = subprocess.Popen([str(LAUNCHER), str(write_fd), "sh", "-c", script], pass_fds=(write_fd,),
                                stdin=subprocess.DEVNULL)
    os.close(write_fd)
    try:
        deadline = time.monotonic() + 30
        while not spawned.exists():
            assert time.monotonic() < deadline
            time.sleep(0.05)
        zombies = None
        deadline = time.monotonic() + 10  # the orphans sleep 0.1 s; unreaped, they stay zombies for good
        while zombies != 0 and time.monotonic() < deadline:
            zombies = zombie_children(launcher.pid)
            time.sleep(0.1)
        assert zombies == 0
    finally:
        go.touch()
        launcher.wait(timeout=30)
        os.close(read_fd)


def test_a_line_pipe_ends_when_its_writer_exits_even_if_a_descendant_holds_it() -> None:
    read_fd, write_fd = os.pipe()
    # The writer forks a child that keeps the write end for 60 s, says the child's pid, and exits.
    writer = subprocess.Popen(
        [PY, "-c", f"import os, time\nchild = os.fork()\nif child == 0:\n    time.sleep(60)\n    os._exit(0)\n"
                   f"os.write({write_fd}, b'%d\\n' % child)\n"],
        pass_fds=(write_fd,), stdin=subprocess.DEVNULL)
    os.close(write_fd)
    pidfd = os.pidfd_open(writer.pid)
    pipe = LinePipe(read_fd, writer_pidfd=pidfd)
    holder = None
    try:
        holder = int(pipe.next_line(30))
        writer.wait(timeout=30)
        began = time.monotonic()
        assert pipe.next_line(30) is None
        assert time.monotonic() - began < 10
    finally:
        pipe.close()
        os.close(pidfd)
        if holder is not None:
            os.kill(holder, signal.SIGKILL)


def test_a_line_pipe_read_has_a_deadline_while_its_writer_is_silent() -> None:
    read_fd, write_fd = os.pipe()
    writer = subprocess.Popen([PY, "-c", "import time; time.sleep(60)"], pass_fds=(write_fd,),
                              stdin=subprocess.DEVNULL)
    os.close(write_fd)
    pidfd = os.pidfd_open(writer.pid)
    pipe = LinePipe(read_fd, writer_pidfd=pidfd)
    try:
        with pytest.raises(TimeoutError):
            pipe.next_line(0.2)
    finally:
        writer.kill()
        writer.wait()
        pipe.close()
        os.close(pidfd)


BENCHMARKS = """
import os, subprocess, time
from pathlib import Path

def hang():
    time.sleep(600)

def work():
    return 1 + 1

def leave_a_daemon_then_crash():
    # close_fds=False: the daemon inherits every inheritable descriptor of the worker
    daemon = subprocess.Popen(["sleep", "60"], close_fds=False, start_new_session=True)
    Path(__file__).with_name("daemon.pid").write_text(str(daemon.pid))
    os.abort()
"""


def python_benchmark(path: Path, function: str, setup: str | None = None, timeout_seconds: float = 30.0
                     ) -> BenchmarkDefinition:
    return BenchmarkDefinition(name=function, lane="held", target=PythonTarget(str(path), function, setup=setup),
                               sampling=SamplingOptions(budget_seconds=0.02), iterations=1, warmup_iterations=0,
                               timeout_seconds=timeout_seconds, metrics_interval_seconds=None)


def test_a_hanging_setup_times_out_at_the_benchmarks_timeout(write_module) -> None:
    bench = write_module("bench_setup.py", BENCHMARKS)
    began = time.monotonic()
    (result,) = results_of(run_benchmarks([python_benchmark(bench, "work", setup="hang", timeout_seconds=3.0)]))
    assert time.monotonic() - began < 30  # not the 60 s start-up allowance
    assert result.failure.kind == "timeout"
    assert "setup timed out after 3 s" in result.failure.message


def test_a_worker_that_crashes_after_leaving_a_daemon_is_reported_as_a_crash_at_once(
        write_module, daemon_pid_file: Path) -> None:
    bench = write_module("bench_daemon.py", BENCHMARKS)
    began = time.monotonic()
    (result,) = results_of(run_benchmarks([python_benchmark(bench, "leave_a_daemon_then_crash", timeout_seconds=45.0)]))
    assert time.monotonic() - began < 30  # not the 45 s timeout, nor the daemon's 60 s
    assert result.failure.kind == "crash" and "SIGABRT" in result.failure.message
    wait_for_pid(daemon_pid_file)


def test_a_daemon_started_while_importing_benchmarks_does_not_hold_discovery(write_module, tmp_path: Path,
                                                                             daemon_pid_file: Path) -> None:
    write_module("benchmarks/bench_starts_server.py", f"""
        import subprocess
        import perfbench

        # a "server" for the benchmarks, started at import; it inherits stdout and stderr
        server = subprocess.Popen(["sleep", "60"], start_new_session=True)
        open({str(daemon_pid_file)!r}, "w").write(str(server.pid))

        @perfbench.benchmark
        def ping():
            pass
        """)
    began = time.monotonic()
    found = discover(tmp_path / "benchmarks")
    assert time.monotonic() - began < 30  # not the server's 60 s
    assert [spec["name"] for spec in found] == ["ping"]
    wait_for_pid(daemon_pid_file)


def test_a_setup_command_that_leaves_a_server_running_does_not_hold_the_iteration(daemon_pid_file: Path) -> None:
    # the "server" keeps the setup's stdout and stderr, as `server &` in a shell does
    setup = f"sh -c 'echo $$ > {daemon_pid_file}; exec sleep 60' &"
    definition = BenchmarkDefinition(name="served", lane="held", target=CommandTarget("true", setup=setup),
                                     iterations=1, warmup_iterations=0, timeout_seconds=120.0,
                                     metrics_interval_seconds=None)
    began = time.monotonic()
    (result,) = results_of(run_benchmarks([definition]))
    assert time.monotonic() - began < 30  # not the server's 60 s
    assert result.ok, result.failure
    wait_for_pid(daemon_pid_file)
