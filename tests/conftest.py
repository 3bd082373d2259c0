from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

import psutil
import pytest


@pytest.fixture
def run_cli(tmp_path: Path) -> Callable[..., subprocess.CompletedProcess[str]]:
    """Runs `python -m perfbench ARGS` as a real process in a temporary working directory."""

    def run(*args: str, cwd: Path | None = None, timeout: float = 120,
            env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "perfbench", *args], cwd=cwd or tmp_path,
                              capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL,
                              env={**os.environ, **(env or {})})

    return run


@pytest.fixture
def write_module(tmp_path: Path) -> Callable[[str, str], Path]:
    """Writes a Python source file (dedented) into the temporary directory."""

    def write(name: str, source: str) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(source))
        return path

    return write


def assert_one_line_error(completed: subprocess.CompletedProcess[str], *fragments: str) -> None:
    assert completed.returncode == 2, completed.stderr
    lines = completed.stderr.strip().splitlines()
    assert len(lines) == 1, completed.stderr
    assert "Traceback" not in completed.stderr
    for fragment in fragments:
        assert fragment in lines[0]


def exit_code_the_store_implies(store: Path, run_id: int | None = None) -> int:
    """The exit code `run` must give for what it stored: 3 if a benchmark could not run, 1 if
    an SLA verdict is an error or critical violation, else 0. A timing verdict of the built-in
    suite depends on the machine; that the exit code follows the verdicts does not."""
    import sqlite3

    with sqlite3.connect(store) as db:
        if run_id is None:
            (run_id,) = db.execute("SELECT MAX(id) FROM runs").fetchone()
        failed = db.execute("SELECT COUNT(*) FROM results WHERE run_id = ? AND status != 'ok'",
                            (run_id,)).fetchone()[0]
        breaking = db.execute("SELECT COUNT(*) FROM sla_verdicts WHERE run_id = ? AND status IN ('violated', 'invalid') "
                              "AND severity IN ('error', 'critical')", (run_id,)).fetchone()[0]
    return 3 if failed else (1 if breaking else 0)


def wait_for_stored_iterations(db_path: Path, benchmark: str, *, counted_only: bool, timeout: float = 60) -> None:
    """Waits until the store at ``db_path`` holds an iteration of ``benchmark`` (a counted one
    if ``counted_only``): a run is then known to be in the middle of it."""
    query = ("SELECT COUNT(*) FROM iterations i JOIN results r ON r.id = i.result_id WHERE r.benchmark = ?"
             + (" AND i.warmup = 0" if counted_only else ""))
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with sqlite3.connect(db_path) as db:
                if db.execute(query, (benchmark,)).fetchone()[0] >= 1:
                    return
        except sqlite3.OperationalError:  # the store does not exist or is being created
            pass
        time.sleep(0.05)


def assert_gone(pids: list[int]) -> None:
    """No process of ``pids`` is left running (a zombie waiting for its parent is gone)."""
    time.sleep(0.5)
    assert not [pid for pid in pids if psutil.pid_exists(pid) and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE]


SLA_PROJECT = """
import perfbench

@perfbench.benchmark(lane="a", budget="20ms", sla=[{"rule": "median < 1ns", "severity": "warning"}])
def warns():
    sum(range(100))

@perfbench.benchmark(lane="b", budget="20ms", sla=["median < 1ns"])
def errs():
    sum(range(100))

@perfbench.benchmark(lane="b", budget="20ms", sla=["median < 10s"])
def passes():
    sum(range(100))
"""


@pytest.fixture
def stored_project(write_module, run_cli, tmp_path: Path) -> Path:
    """A project of three benchmarks with SLA rules (a warning, an error and a pass), run once
    with --quick into its store and reports/."""
    write_module("benchmarks/bench_sla.py", SLA_PROJECT)
    completed = run_cli("run", "--quick")
    assert completed.returncode == 1, completed.stderr  # an error-severity violation
    return tmp_path
