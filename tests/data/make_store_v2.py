"""Makes tests/data/store_v2.db: a store written by perfbench at schema version 2 (main at
90d967e: measurement errors stored, sweep points and baselines carried by every iteration,
samples kept twice), to test the way from schema 2. Run it with that perfbench:
`python make_store_v2.py OUT_DIR`, or `python make_store_v2.py OUT_DIR RUNNER.py` where
RUNNER.py runs that perfbench's `python -m perfbench` (how it was made: main's Python files
over this branch's compiled core, which was the same).

Two runs: a project's sweep over a numeric parameter (2 iterations in 2 worker processes),
a plain Python benchmark and a command (complete); a built-in benchmark with a baseline (workflow.telemetry_overhead).
"""

import subprocess
import sys
import textwrap
from pathlib import Path

PROJECT = '''
import perfbench

@perfbench.benchmark(lane="py", params={"n": [10, 100, 1000]}, budget="20ms", sla=["median < 10s"])
def summing(n):
    sum(range(n))

@perfbench.benchmark(lane="py", budget="20ms")
def plain():
    sum(range(10))
'''

CONFIG = '''
[defaults]
iterations = 2
warmup = 0
processes = 2

[lanes.py]

[lanes.cmd]
processes = 1

[[benchmark]]
name = "echo"
lane = "cmd"
command = "echo hi"
'''


def perfbench(workdir, *args):
    return subprocess.run([sys.executable, *PERFBENCH, "run", "--store", "store_v2.db", "--output-dir", "out", *args],
                          cwd=workdir, stdin=subprocess.DEVNULL, capture_output=True, text=True).returncode


PERFBENCH = ["-m", "perfbench"]


def main(out):
    workdir = Path(out)
    (workdir / "benchmarks").mkdir(parents=True)
    (workdir / "benchmarks" / "bench_v2.py").write_text(textwrap.dedent(PROJECT))
    (workdir / "perfbench.toml").write_text(CONFIG)
    print("run 1:", perfbench(workdir, "--lane", "py", "--lane", "cmd"))
    print("run 2:", perfbench(workdir, "--builtin", "--quick", "--budget", "0.01s", "--benchmark", "workflow.telemetry_overhead"))


if __name__ == "__main__":
    if len(sys.argv) > 2:  # a runner script that starts that perfbench
        PERFBENCH = [sys.argv[2]]
    main(sys.argv[1])
