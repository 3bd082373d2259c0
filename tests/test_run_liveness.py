"""Telling a run whose process was killed from one still being written, so that `gc` can
mark the first interrupted and remove it, and never touches the second."""

from __future__ import annotations

import datetime
import os
import socket
import subprocess
import sys
from pathlib import Path

from test_store import python_result, store_run

from perfbench.resources.run_liveness import process_is_gone
from perfbench.store import open_store

BOOT_ID = Path("/proc/sys/kernel/random/boot_id").read_text().strip()


def _now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")


def _environment(pid: int, *, boot_id: str = BOOT_ID, hostname: str | None = None,
                 recorded_at: str | None = None) -> dict:
    return {"hostname": hostname or socket.gethostname(), "recorded_at": recorded_at or _now(),
            "process": {"pid": pid, "boot_id": boot_id}}


def _exited_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_a_process_that_exited_is_gone_and_a_running_one_is_not() -> None:
    assert process_is_gone(_environment(_exited_pid()))
    assert not process_is_gone(_environment(os.getpid()))


def test_a_pid_taken_again_by_a_later_process_is_gone() -> None:
    assert process_is_gone(_environment(os.getpid(), recorded_at="2000-01-01T00:00:00+00:00"))


def test_an_earlier_boot_means_gone() -> None:
    assert process_is_gone(_environment(os.getpid(), boot_id="00000000-0000-0000-0000-000000000000"))


def test_what_cannot_be_judged_is_taken_to_be_alive() -> None:
    assert not process_is_gone(_environment(_exited_pid(), hostname="another-machine"))
    assert not process_is_gone({"hostname": socket.gethostname()})  # recorded before runs recorded their process
    assert not process_is_gone({})


def test_gc_marks_a_killed_run_interrupted_and_removes_it_but_keeps_a_live_one(run_cli, tmp_path: Path) -> None:
    with open_store(tmp_path / "s.db") as store:
        killed = store.begin_run(_environment(_exited_pid()), "killed")
        live = store.begin_run(_environment(os.getpid()), "still writing")
        for _ in range(2):
            store_run(store, python_result())
    dry = run_cli("gc", "--keep", "1", "--dry-run", "--store", "s.db")
    assert dry.returncode == 0, dry.stderr
    assert dry.stdout.splitlines()[:2] == [
        f"would mark 1 run interrupted: {killed} (left 'running' by a process on this machine that is gone)",
        f"would remove 2 runs from s.db: {killed}, 3"]
    collected = run_cli("gc", "--keep", "1", "--store", "s.db")
    assert collected.returncode == 0, collected.stderr
    assert collected.stdout.splitlines() == [
        f"marked 1 run interrupted: {killed} (left 'running' by a process on this machine that is gone)",
        f"removed 2 runs from s.db: {killed}, 3",
        f"kept 2 runs: the newest 1 run: 4; {live} (still running, or made on another machine that may still be "
        "writing it)"]
    with open_store(tmp_path / "s.db", create=False) as store:
        assert [(run.id, run.status) for run in store.runs()] == [(live, "running"), (4, "complete")]
