"""How long does comparing two 100-benchmark runs take (goal, issue 10: <= 1 s), and how long
does ``--until-sure`` spend settling what reads unsure?

Two real runs of a project with 100 Python benchmarks (3 worker processes each, so that the
comparison works on per-process medians as it does in CI), then ``python -m perfbench compare``
timed as a user meets it: a new process, the store read, history looked up, the verdicts and
the table printed. Also timed in-process (``perfbench.compare``-style, store already open)
so the fixed cost of starting Python and importing perfbench shows apart.

Then a third run, ``run --baseline 1 --until-sure 2m``: its "--until-sure:" line says how
many benchmarks read unsure after the run, how many processes it added in how many looks,
the wall time it spent and what the verdicts became.

    python benchmarks/compare_speed.py [--repeat 9] [--json reports/compare_speed.json]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH_FILE = '''\
import perfbench


@perfbench.benchmark(lane="speed", params={"n": list(range(100))}, sweep=False, budget="5ms")
def work(n):
    return sum(range(n))
'''


def perfbench(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    # COLUMNS: the report lines unwrapped, so that the --until-sure line is read whole
    completed = subprocess.run([sys.executable, "-m", "perfbench", *args], cwd=cwd, capture_output=True, text=True,
                               stdin=subprocess.DEVNULL, env={**os.environ, "COLUMNS": "400"})
    if completed.returncode not in (0, 1):
        raise SystemExit(f"perfbench {' '.join(args)} exited {completed.returncode}:\n{completed.stderr[-3000:]}")
    return completed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="perfbench-compare-speed-") as workdir:
        root = Path(workdir)
        (root / "benchmarks").mkdir()
        (root / "benchmarks" / "bench_speed.py").write_text(BENCH_FILE)
        store = root / "results.db"
        for _ in range(2):
            perfbench(["run", "--processes", "3", "--store", str(store), "--output-dir", str(root / "reports")], root)
        cli = []
        for _ in range(args.repeat):
            began = time.monotonic()
            completed = perfbench(["compare", "1", "2", "--store", str(store)], root)
            cli.append(time.monotonic() - began)
        compared = json.loads(perfbench(["compare", "1", "2", "--store", str(store), "--json"], root).stdout)
        began = time.monotonic()
        settling = perfbench(["run", "--processes", "3", "--store", str(store), "--output-dir", str(root / "reports"),
                              "--baseline", "1", "--until-sure", "2m"], root)
        settling_run_seconds = time.monotonic() - began
        lines = settling.stdout.splitlines()
        start = next((i for i, line in enumerate(lines) if line.startswith("--until-sure:")), None)
        # the line as printed, with any continuation the console wrapped onto the next lines
        end = start
        while start is not None and end + 1 < len(lines) and lines[end + 1].strip() and \
                not lines[end + 1].startswith(("warning:", "stored ", "reports:")):
            end += 1
        until_sure = "" if start is None else " ".join(line.strip() for line in lines[start:end + 1])
        startup = []
        for _ in range(args.repeat):
            began = time.monotonic()
            subprocess.run([sys.executable, "-c", "import perfbench.cli"], check=True)
            startup.append(time.monotonic() - began)
    result = {"benchmarks_compared": len(compared["verdicts"]), "repeat": args.repeat,
              "compare_cli_seconds_median": statistics.median(cli), "compare_cli_seconds": cli,
              "python_and_import_seconds_median": statistics.median(startup),
              "table_lines": len(completed.stdout.splitlines()),
              "until_sure_run_seconds": settling_run_seconds, "until_sure": until_sure}
    print(f"compare of two {result['benchmarks_compared']}-benchmark runs (3 processes each): "
          f"median {result['compare_cli_seconds_median']:.2f} s per `python -m perfbench compare` "
          f"over {args.repeat} calls, of which starting Python and importing perfbench.cli: "
          f"{result['python_and_import_seconds_median']:.2f} s")
    print(f"run --baseline 1 --until-sure 2m ({settling_run_seconds:.0f} s in all): {until_sure}")
    if args.json:
        args.json.write_text(json.dumps(result, indent=1) + "\n")


if __name__ == "__main__":
    main()
