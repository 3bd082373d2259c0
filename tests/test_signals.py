"""SIGTERM and SIGHUP stop a run as Ctrl-C does, sent for real to a real `python -m perfbench
run`: no process of the benchmark's tree survives, what finished is kept, the run is marked
interrupted, the reports are written and the scratch directory is gone."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

PROJECT = """
[lanes.a]
iterations = 2
warmup = 0

[[benchmark]]
name = "quick"
lane = "a"
command = "true"

[[benchmark]]
name = "slow"
lane = "a"
command = "sleep 30; true"   # perfbench-exec -> sh -> sleep
"""


def _start_run(tmp_path: Path) -> tuple[subprocess.Popen[str], Path]:
    (tmp_path / "perfbench.toml").write_text(PROJECT)
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    process = subprocess.Popen([sys.executable, "-m", "perfbench", "run", "--store", "s.db", "--output-dir", "out"],
                               cwd=tmp_path, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, env={**os.environ, "TMPDIR": str(scratch)})
    return process, scratch


def _names(tree: list[psutil.Process]) -> set[str]:
    """The names of the processes still there: a short-lived one may exit between listing the
    tree and reading its name."""
    names = set()
    for p in tree:
        try:
            names.add(p.name())
        except psutil.NoSuchProcess:
            pass
    return names


def _tree_once_sleeping(process: subprocess.Popen[str]) -> list[psutil.Process]:
    """The run's descendants, once the slow benchmark's `sleep` runs."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        tree = psutil.Process(process.pid).children(recursive=True)
        if "sleep" in _names(tree):
            return tree
        assert process.poll() is None, process.communicate()
        time.sleep(0.05)
    raise AssertionError("the slow benchmark never started")


def _survivors(tree: list[psutil.Process]) -> list[str]:
    alive = []
    for p in tree:
        try:
            if p.is_running() and p.status() != psutil.STATUS_ZOMBIE:
                alive.append(f"{p.pid} {p.name()}")
        except psutil.NoSuchProcess:
            pass
    return alive


@pytest.mark.slow
@pytest.mark.parametrize(("signum", "exit_code"), [(signal.SIGTERM, 143), (signal.SIGHUP, 129), (signal.SIGINT, 130)],
                         ids=["SIGTERM", "SIGHUP", "SIGINT"])
def test_a_signal_stops_the_run_like_ctrl_c(tmp_path: Path, signum: int, exit_code: int) -> None:
    process, scratch = _start_run(tmp_path)
    tree = _tree_once_sleeping(process)
    assert {"perfbench-exec", "sh", "sleep"} <= _names(tree)
    os.kill(process.pid, signum)
    _, stderr = process.communicate(timeout=60)

    assert process.returncode == exit_code, stderr
    assert "Traceback" not in stderr
    assert f"interrupted by {signal.Signals(signum).name}: 1 of 2 benchmarks finished" in stderr
    time.sleep(0.2)
    assert _survivors(tree) == []
    with sqlite3.connect(tmp_path / "s.db") as db:
        assert db.execute("SELECT status FROM runs").fetchall() == [("interrupted",)]
        assert dict(db.execute("SELECT benchmark, status FROM results")) == {"quick": "ok", "slow": "interrupted"}
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "perfbench-run-1-metrics.csv", "perfbench-run-1-statistics.csv", "perfbench-run-1.csv", "perfbench-run-1.html"]
    assert list(scratch.iterdir()) == []  # the run's scratch directory is removed


@pytest.mark.slow
def test_ctrl_c_twice_in_quick_succession_still_writes_every_report(tmp_path: Path) -> None:
    process, scratch = _start_run(tmp_path)
    tree = _tree_once_sleeping(process)
    os.kill(process.pid, signal.SIGINT)
    time.sleep(0.02)
    os.kill(process.pid, signal.SIGINT)
    _, stderr = process.communicate(timeout=60)

    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr
    assert _survivors(tree) == []
    with sqlite3.connect(tmp_path / "s.db") as db:
        assert db.execute("SELECT status FROM runs").fetchall() == [("interrupted",)]
    assert (tmp_path / "out" / "perfbench-run-1.html").stat().st_size > 0
    assert (tmp_path / "out" / "perfbench-run-1.csv").stat().st_size > 0
    assert list(scratch.iterdir()) == []
