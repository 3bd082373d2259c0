"""Ctrl-C (SIGINT to the runner) keeps what finished and leaves a consistent store."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import psutil

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
    deadline = time.monotonic() + 60
    # wait until the slow benchmark has finished at least one iteration, then interrupt
    while time.monotonic() < deadline:
        try:
            with sqlite3.connect(db_path) as db:
                done = db.execute("SELECT COUNT(*) FROM iterations i JOIN results r ON r.id = i.result_id "
                                  "WHERE r.benchmark = 'slow_one' AND i.warmup = 0").fetchone()[0]
            if done >= 1:
                break
        except sqlite3.OperationalError:  # the store does not exist or is being created
            pass
        time.sleep(0.1)
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
    time.sleep(0.5)
    assert not [pid for pid in workers if psutil.pid_exists(pid)
                and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE]
    assert list((tmp_path / "reports").glob("*.html"))  # reports still written from what finished
