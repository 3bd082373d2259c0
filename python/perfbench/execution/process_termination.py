"""Ending a benchmark's whole process tree, however it was left.

Every process perfbench starts leads a new session (and so a process group); killing the
group reaches every descendant that stayed in it. Descendants that left the group
(setsid, daemonising) are found through psutil's parent links first and killed too.
"""

from __future__ import annotations

import os
import signal
import subprocess

import psutil


def descendants(pid: int) -> list[psutil.Process]:
    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []


def kill_tree(pid: int) -> None:
    """SIGKILL the process group led by ``pid`` and every descendant of ``pid``."""
    stragglers = descendants(pid)
    for kill in (os.killpg, os.kill):  # the group, and the leader itself should it not lead one yet
        try:
            kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    for process in stragglers:
        try:
            process.kill()
        except psutil.NoSuchProcess:
            pass


def wait_or_kill_tree(process: subprocess.Popen[bytes], timeout_seconds: float) -> int | None:
    """``process``'s exit status, or None if it ran past ``timeout_seconds`` and its tree was
    killed. On any other interruption (Ctrl-C) the tree is killed too, and the interruption goes on."""
    try:
        return process.wait(timeout=timeout_seconds)
    except BaseException as error:
        kill_tree(process.pid)
        process.wait()
        if isinstance(error, subprocess.TimeoutExpired):
            return None
        raise


def kill_group(pgid: int) -> None:
    """SIGKILL whatever is left in a process group whose leader has already been reaped."""
    try:
        os.killpg(pgid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def signal_name(returncode: int) -> str:
    try:
        return signal.Signals(-returncode).name
    except ValueError:
        return f"signal {-returncode}"
