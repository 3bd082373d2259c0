"""Running one iteration of a command benchmark: setup, the command, teardown.

The command is started by ``perfbench-exec`` (cpp/tools/perfbench_exec.cpp), a small C++
launcher in a session of its own (so the whole tree can be killed), watched by the
resource sampler. The launcher forks the command from its own small image, times
fork..wait4 with CLOCK_MONOTONIC and reports the kernel's rusage for the command and every
descendant it waited for: user/system CPU, peak RSS and block I/O. (Forked straight from
this Python process, the command's ru_maxrss would carry this process's ~80 MB, which
Linux copies into a child's high-water mark when it execs.)
"""

from __future__ import annotations

import dataclasses
import os
import select
import subprocess
from collections.abc import Mapping
from pathlib import Path

from perfbench import _core

from perfbench.model import Failure, IterationRecord
from perfbench.execution.line_pipe import LinePipe
from perfbench.execution.process_termination import kill_group, kill_tree, signal_name, wait_or_kill_tree
from perfbench.resources.resource_observation import IterationWatch
from perfbench.definition.suite import BenchmarkDefinition, CommandTarget
from perfbench.execution.worker_process import tail

# rusage block counts are in 512-byte units on Linux, whatever the device's block size.
_BLOCK_BYTES = 512
# Installed next to the compiled core (also in editable installs, where the package's
# Python files stay in the source tree).
LAUNCHER = Path(_core.__file__).with_name("perfbench-exec")
# The launcher has exited when its report is read, so the line is already in the pipe or never
# comes; this only bounds the wait should the launcher's pidfd not say so.
REPORT_GRACE_SECONDS = 1.0


def _argv(command: str | tuple[str, ...]) -> list[str]:
    return ["/bin/sh", "-c", command] if isinstance(command, str) else list(command)


def _environment(definition: BenchmarkDefinition, target: CommandTarget) -> dict[str, str]:
    return {**os.environ, **definition.env, **target.env}


def _cwd(definition: BenchmarkDefinition, target: CommandTarget) -> str | None:
    return target.cwd or definition.cwd


def _run_auxiliary(hook: str, command: str | tuple[str, ...], env: Mapping[str, str], cwd: str | None,
                   timeout: float, workdir: Path, index: int) -> str | None:
    """Runs a setup/teardown command; returns why it failed, or None. Its output goes to
    files, not pipes: a background process the hook leaves running (a server for the command
    to hit) would hold a pipe open, and the hook would seem never to end."""
    stderr_path = workdir / f"{hook}-stderr-{index}.txt"
    try:
        with open(workdir / f"{hook}-stdout-{index}.txt", "wb") as stdout, open(stderr_path, "wb") as stderr:
            process = subprocess.Popen(_argv(command), env=dict(env), cwd=cwd, stdin=subprocess.DEVNULL,
                                       stdout=stdout, stderr=stderr, start_new_session=True)
    except OSError as error:
        return f"could not start: {error.strerror}"
    returncode = wait_or_kill_tree(process, timeout)
    if returncode is None:
        return f"timed out after {timeout:g} s; its process tree was killed"
    if returncode != 0:
        stderr_lines = tail(stderr_path, lines=5).splitlines()
        return f"exited with status {returncode}" + (": " + " | ".join(stderr_lines) if stderr_lines else "")
    return None


def spawn_overhead_ns(samples: int = 5) -> float:
    """What the launcher measures for a trivial process (median of fork, exec and reaping
    /bin/true), reported next to command timings (not subtracted) so that a 2 ms command is
    not mistaken for 2 ms of work."""
    costs = []
    for _ in range(samples):
        read_fd, write_fd = os.pipe()
        process = subprocess.Popen([str(LAUNCHER), str(write_fd), "/bin/true"], stdin=subprocess.DEVNULL,
                                   pass_fds=(write_fd,), start_new_session=True)
        os.close(write_fd)
        pidfd = os.pidfd_open(process.pid)  # before wait(): a reaped pid has no pidfd
        try:
            process.wait()
            report = _read_report(read_fd, pidfd)
        finally:
            os.close(pidfd)
        if report is not None:
            costs.append(report.wall_ns)
    return float(sorted(costs)[len(costs) // 2]) if costs else 0.0


def run_command_iteration(definition: BenchmarkDefinition, target: CommandTarget, index: int, warmup: bool,
                          workdir: Path) -> IterationRecord:
    env, cwd = _environment(definition, target), _cwd(definition, target)
    if target.setup is not None:
        problem = _run_auxiliary("setup", target.setup, env, cwd, definition.timeout_seconds, workdir, index)
        if problem:
            return IterationRecord(index=index, process=index, warmup=warmup, wall_ns=None,
                                   failure=Failure("setup", f"setup command {problem}"))
    record = _run_measured(definition, target, index, warmup, workdir, env, cwd)
    if target.teardown is not None:
        problem = _run_auxiliary("teardown", target.teardown, env, cwd, definition.timeout_seconds, workdir, index)
        if problem and record.failure is None:
            record = dataclasses.replace(record, failure=Failure("teardown", f"teardown command {problem}"))
    return record


@dataclasses.dataclass(frozen=True, slots=True)
class LaunchReport:
    """The launcher's line: what the kernel measured of the command."""

    wall_ns: float
    cpu_user_seconds: float
    cpu_system_seconds: float
    max_rss_bytes: int
    io_read_bytes: int
    io_write_bytes: int
    exit_code: int  # negative: killed by that signal
    exec_errno: int

    @staticmethod
    def parse(line: str) -> LaunchReport:
        wall, utime, stime, maxrss_kb, inblock, oublock, status, exec_errno = (int(v) for v in line.split())
        return LaunchReport(float(wall), utime / 1e6, stime / 1e6, maxrss_kb * 1024, inblock * _BLOCK_BYTES,
                            oublock * _BLOCK_BYTES, os.waitstatus_to_exitcode(status), exec_errno)


def _read_report(fd: int, launcher_pidfd: int) -> LaunchReport | None:
    """The launcher's line, once the launcher has exited; None if it wrote none. Never waits
    for end of file: a process the command left behind could hold a copy of the write end."""
    pipe = LinePipe(fd, writer_pidfd=launcher_pidfd)
    try:
        line = pipe.next_line(REPORT_GRACE_SECONDS)
    except TimeoutError:
        line = None
    finally:
        pipe.close()
    return LaunchReport.parse(line.decode()) if line else None


def _run_measured(definition: BenchmarkDefinition, target: CommandTarget, index: int, warmup: bool,
                  workdir: Path, env: Mapping[str, str], cwd: str | None) -> IterationRecord:
    stderr_path = workdir / f"stderr-{index}.txt"
    argv = _argv(target.command)
    read_fd, write_fd = os.pipe()
    with open(workdir / f"stdout-{index}.txt", "wb") as stdout, open(stderr_path, "wb") as stderr:
        try:
            process = subprocess.Popen([str(LAUNCHER), str(write_fd), *argv], env=dict(env), cwd=cwd,
                                       stdin=subprocess.DEVNULL, stdout=stdout, stderr=stderr,
                                       pass_fds=(write_fd,), start_new_session=True)
        except OSError as error:
            os.close(read_fd)
            return IterationRecord(index=index, process=index, warmup=warmup, wall_ns=None,
                                   failure=Failure("exit", f"could not start the command: {error.strerror}"))
        finally:
            os.close(write_fd)
    pidfd = os.pidfd_open(process.pid)
    try:
        watch = IterationWatch.start(process.pid, definition)
        timed_out = False
        try:
            readable, _, _ = select.select([pidfd], [], [], definition.timeout_seconds)
            if not readable:
                timed_out = True
                kill_tree(process.pid)
            os.wait4(process.pid, 0)
        except BaseException:  # KeyboardInterrupt: abandon this iteration, leave no process behind
            kill_tree(process.pid)
            os.wait4(process.pid, 0)
            process.returncode = -9
            watch.stop()
            os.close(read_fd)
            raise
        process.returncode = 0  # reaped by wait4 above; keeps Popen from waiting again
        # The launcher is gone; anything the command left running in its group goes too.
        kill_group(process.pid)
        report = _read_report(read_fd, pidfd)
    finally:
        os.close(pidfd)
    resources = watch.stop(report.max_rss_bytes if report else None)
    stderr_tail = tail(stderr_path)
    failure = None
    if timed_out:
        failure = Failure("timeout", f"timed out after {definition.timeout_seconds:g} s; the process tree was killed",
                          stderr_tail)
    elif watch.limit_exceeded is not None:
        failure = Failure("memory", f"killed beyond the memory limit ({watch.describe_limit()})", stderr_tail)
    elif report is None:
        failure = Failure("crash", "the launcher died without a report", stderr_tail)
    elif report.exec_errno:
        failure = Failure("exit", f"could not run {argv[0]!r}: {os.strerror(report.exec_errno)}")
    elif report.exit_code < 0:
        failure = Failure("crash", f"killed by {signal_name(report.exit_code)}", stderr_tail)
    elif report.exit_code != 0:
        failure = Failure("exit", f"exited with status {report.exit_code}", stderr_tail)
    if report is None:
        return IterationRecord(index=index, process=index, warmup=warmup, wall_ns=None, failure=failure,
                               resources=resources.summary, resource_metrics=resources.metrics,
                               stderr_tail=stderr_tail)
    return IterationRecord(
        index=index, process=index, warmup=warmup, wall_ns=None if timed_out else report.wall_ns, failure=failure,
        cpu_user_seconds=report.cpu_user_seconds, cpu_system_seconds=report.cpu_system_seconds,
        exit_code=report.exit_code, io_read_bytes=report.io_read_bytes, io_write_bytes=report.io_write_bytes,
        resources=resources.summary, resource_metrics=resources.metrics,
        stderr_tail=stderr_tail if failure else "")

