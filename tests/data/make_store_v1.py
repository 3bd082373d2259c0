"""Makes tests/data/store_v1.db: a store written by perfbench at schema version 1 (commit
c5659ae, before the store interface and schema 2). Kept to show how the fixture was made;
run it with that version of perfbench installed: `python make_store_v1.py OUT_DIR`.

Four runs: a project run with Python and command benchmarks, parameters, SLA verdicts and
failures (status failed); built-in benchmarks with a baseline and a sweep (complete); a run
interrupted by Ctrl-C during a command's iterations (interrupted); a run killed by SIGKILL
(left 'running', with a result row left 'running').
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

@perfbench.benchmark(lane="py", params={"n": [10, 100]}, budget="20ms",
                     sla=["median < 10s", {"rule": "median < 1ns", "severity": "warning"}])
def summing(n):
    sum(range(n))

@perfbench.benchmark(lane="py", budget="20ms")
def raises():
    raise RuntimeError("boom")
'''

CONFIG = '''
[defaults]
iterations = 3
warmup = 1

[lanes.cmd]
sla = ["mean < 10s"]

[lanes.slow]

[[benchmark]]
name = "echo"
lane = "cmd"
command = "echo hi"

[[benchmark]]
name = "fails"
lane = "cmd"
command = "exit 3"

[[benchmark]]
name = "slow"
lane = "slow"
command = "sleep 1.5"
'''


def perfbench(workdir, *args):
    return subprocess.Popen([sys.executable, "-m", "perfbench", "run", "--store", "store_v1.db",
                             "--output-dir", "out", *args], cwd=workdir, stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def signal_after_first_iteration(workdir, run_id, signum):
    process = perfbench(workdir, "--lane", "slow")
    while True:
        try:
            with sqlite3.connect(workdir / "store_v1.db") as db:
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
    (workdir / "benchmarks" / "bench_v1.py").write_text(textwrap.dedent(PROJECT))
    (workdir / "perfbench.toml").write_text(CONFIG)
    print("run 1:", perfbench(workdir, "--lane", "py", "--lane", "cmd").wait())
    print("run 2:", perfbench(workdir, "--builtin", "--quick", "--benchmark", "nodes.parallel",
                              "--benchmark", "workflow.specs_in_memory", "--benchmark", "sort_1k").wait())
    print("run 3:", signal_after_first_iteration(workdir, 3, signal.SIGINT))
    print("run 4:", signal_after_first_iteration(workdir, 4, signal.SIGKILL))


if __name__ == "__main__":
    main(sys.argv[1])
