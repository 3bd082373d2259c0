"""Ctrl-C (SIGINT to the runner) keeps what finished and leaves a consistent store."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import psutil

from conftest import assert_gone, wait_for_stored_iterations

SLOW_PROJECT = """
import time
import perfbench

@perfbench.benchmark(lane="a", budget="20ms")
def quick_one():
    return 1

@perfbench.benchmark(lane="b", budget="5s")
def slow_one():
    time.sleep(0.001)
"""


def test_sigint_keeps_finished_work_and_leaves_a_consistent_store(write_module, tmp_path: Path) -> None:
    write_module("benchmarks/bench_slow.py", SLOW_PROJECT)
    process = subprocess.Popen([sys.executable, "-m", "perfbench", "run", "--iterations", "3"], cwd=tmp_path,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL)
    db_path = tmp_path / ".perfbench" / "results.db"
    # wait until the slow benchmark has finished at least one iteration, then interrupt
    wait_for_stored_iterations(db_path, "slow_one", counted_only=True)
    workers = [c.pid for c in psutil.Process(process.pid).children(recursive=True)]
    os.kill(process.pid, signal.SIGINT)
    stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr

    with sqlite3.connect(db_path) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        (run_status,) = db.execute("SELECT status FROM runs").fetchone()
        results = dict(db.execute("SELECT benchmark, status FROM results").fetchall())
        slow_iterations = db.execute("SELECT COUNT(*) FROM iterations i JOIN results r ON r.id = i.result_id "
                                     "WHERE r.benchmark = 'slow_one'").fetchone()[0]
    assert run_status == "interrupted"
    assert results == {"quick_one": "ok", "slow_one": "interrupted"}
    assert slow_iterations >= 2  # its warm-up and at least one counted iteration were kept
    assert_gone(workers)
    assert list((tmp_path / "reports").glob("*.html"))  # reports still written from what finished
