"""Makes tests/data/store_v3.db: a store written by perfbench at schema version 3 (main at
ec095ee: samples stored once, as JSON floats in the iteration records; statistics and verdicts
as JSON documents), to test the way from schema 3. Run it with that perfbench installed:
`python make_store_v3.py OUT_DIR`.

Four runs: a project run with a sweep over two worker processes, a command, a benchmark that
raises and SLA verdicts (status failed); a built-in benchmark with a baseline, under a short
budget (complete); a run interrupted by Ctrl-C during a command's iterations (interrupted); a
run killed by SIGKILL (left 'running', with a result row left 'running').
"""

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

PROJECT = '''
import perfbench

@perfbench.benchmark(lane="py", params={"n": [10, 100, 1000]}, budget="20ms",
                     sla=["median < 10s", {"rule": "median < 1ns", "severity": "warning"}])
def summing(n):
    sum(range(n))

@perfbench.benchmark(lane="py", budget="20ms")
def plain():
    sum(range(10))

@perfbench.benchmark(lane="py", budget="20ms")
def raises():
    raise RuntimeError("boom")
'''

CONFIG = '''
[defaults]
iterations = 2
warmup = 1
processes = 2

[lanes.py]

[lanes.cmd]
processes = 1
sla = ["mean < 10s"]

[lanes.slow]
processes = 1
iterations = 3

[[benchmark]]
name = "echo"
lane = "cmd"
command = "echo hi"

[[benchmark]]
name = "slow"
lane = "slow"
command = "sleep 1.5"
'''

STORE = "store_v3.db"


def perfbench(workdir, *args):
    return subprocess.Popen([sys.executable, "-m", "perfbench", "run", "--store", STORE, "--output-dir", "out",
                             *args], cwd=workdir, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)


def signal_after_first_iteration(workdir, run_id, signum):
    process = perfbench(workdir, "--lane", "slow")
    while True:
        try:
            with sqlite3.connect(workdir / STORE) as db:
                done = db.execute("SELECT COUNT(*) FROM iterations i JOIN results r ON r.id = i.result_id "
                                  "WHERE r.run_id = ? AND i.warmup = 0", (run_id,)).fetchone()[0]
        except sqlite3.OperationalError:
            done = 0
        if done >= 1:
            break
        time.sleep(0.05)
    os.kill(process.pid, signum)
    return process.wait()


def main(out):
    workdir = Path(out)
    (workdir / "benchmarks").mkdir(parents=True)
    (workdir / "benchmarks" / "bench_v3.py").write_text(textwrap.dedent(PROJECT))
    (workdir / "perfbench.toml").write_text(CONFIG)
    print("run 1:", perfbench(workdir, "--lane", "py", "--lane", "cmd").wait())
    print("run 2:", perfbench(workdir, "--builtin", "--quick", "--budget", "0.01s",
                              "--benchmark", "workflow.telemetry_overhead").wait())
    print("run 3:", signal_after_first_iteration(workdir, 3, signal.SIGINT))
    print("run 4:", signal_after_first_iteration(workdir, 4, signal.SIGKILL))
    # the file as a closed store leaves it: the write-ahead log folded in
    db = sqlite3.connect(workdir / STORE, isolation_level=None)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.execute("PRAGMA journal_mode = DELETE")
    db.close()


if __name__ == "__main__":
    main(sys.argv[1])
