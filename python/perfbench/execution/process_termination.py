"""Ending a benchmark's whole process tree, however it was left.

Every process perfbench starts leads a new session (and so a process group); killing the
group reaches every descendant that stayed in it. Descendants that left the group
(setsid, daemonising) are found through psutil's parent links first and killed too.
"""

from __future__ import annotations

import os
import signal

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
