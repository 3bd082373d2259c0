"""perfbench's pytest plugin beside pytest-benchmark: one test file, run under each plugin in
turn (never both in one session: ``-p no:benchmark`` / ``-p no:perfbench``), with each
plugin's defaults. Reported side by side, as ratios:

* the wall time of each whole test session (a new ``python -m pytest`` process, as a
  developer meets it), the median of ``--rounds`` sessions, taken in alternating order
  (A B B A ...) so that the machine's drift falls on both;
* each test's median time per call by each plugin (perfbench's from its store, with its
  95 % interval; pytest-benchmark's from ``--benchmark-json``), the median over the rounds,
  and the ratio in each round (each session is a new process, which draws its own hash seed
  and memory layout: a dict's lookups can move by tens of per cent between processes);
* the cost of merely having the plugin installed: a session of 200 trivial tests that never
  use the fixture, with the plugin loaded and with ``-p no:perfbench``.

Needs pytest-benchmark (``pip install pytest-benchmark``; the ``bench`` extra has it).

    python benchmarks/pytest_plugin_vs_pytest_benchmark.py [--rounds 3] [--plain-rounds 12] [--json FILE]
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

# The one test file both plugins run; `timed` is whichever plugin's fixture the session has.
CONFTEST = '''\
import pytest


@pytest.fixture
def timed(request):
    if request.config.pluginmanager.hasplugin("perfbench"):
        return request.getfixturevalue("perfbench")
    return request.getfixturevalue("benchmark")
'''

TESTS = '''\
import random

INTS = random.Random(1).sample(range(1_000_000), 1000)
TABLE = {f"key{i}": i for i in range(1000)}
KEYS = [f"key{i}" for i in random.Random(2).sample(range(1000), 100)]
WORDS = [f"word{i}" for i in range(1000)]


def lookups():
    return sum(TABLE[key] for key in KEYS)


def test_sorted_1k_ints(timed):
    timed(sorted, INTS)


def test_dict_100_lookups(timed):
    timed(lookups)


def test_str_join_1k(timed):
    timed(" ".join, WORDS)
'''

PLAIN = "import pytest\n\n\n@pytest.mark.parametrize('n', range(200))\ndef test_plain(n):\n    assert n >= 0\n"

NAMES = ("test_sorted_1k_ints", "test_dict_100_lookups", "test_str_join_1k")


def session(root: Path, *args: str) -> float:
    """Wall seconds of one pytest session in a new process."""
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:xdist", *args],
                          cwd=root, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"pytest {' '.join(args)} exited {done.returncode}:\n{done.stdout[-3000:]}{done.stderr[-2000:]}")
    return wall


def perfbench_medians(store: Path) -> list[dict[str, tuple[float, float, float]]]:
    """Per run (session), oldest first: each test's median ns per call and its 95 % interval."""
    from perfbench.store import open_store

    with open_store(store, create=False) as opened:
        return [{stored.result.benchmark.split("::")[-1]: (stats.median, stats.ci_low, stats.ci_high)
                 for stored in opened.results(run.id)
                 for stats in (stored.result.measurement.stats,)} for run in opened.runs()]


def pytest_benchmark_medians(path: Path) -> dict[str, float]:
    """Median ns per call, per test, from pytest-benchmark's JSON (seconds)."""
    document = json.loads(path.read_text())
    return {bench["name"]: bench["stats"]["median"] * 1e9 for bench in document["benchmarks"]}


def _ns(value: float) -> str:
    for limit, unit, scale in ((1e3, "ns", 1.0), (1e6, "us", 1e3), (1e9, "ms", 1e6)):
        if value < limit:
            return f"{value / scale:.3g} {unit}"
    return f"{value / 1e9:.3g} s"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3, help="timed sessions per plugin, alternating (default 3)")
    parser.add_argument("--plain-rounds", type=int, default=12,
                        help="sessions of plain tests with and without the plugin, alternating (default 12)")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    try:
        import pytest_benchmark  # noqa: F401  (a benchmark dependency, not a test one)
    except ImportError:
        raise SystemExit("needs pytest-benchmark: pip install pytest-benchmark") from None
    with tempfile.TemporaryDirectory(prefix="perfbench-pytest-plugin-") as workdir:
        root = Path(workdir)
        (root / "conftest.py").write_text(CONFTEST)
        (root / "test_workloads.py").write_text(TESTS)
        (root / "plain").mkdir()
        (root / "plain" / "test_plain.py").write_text(PLAIN)
        store, report = root / "results.db", root / "pytest_benchmark.json"
        timed = {
            "perfbench": ("-p", "no:benchmark", "--perfbench-store", str(store), "test_workloads.py"),
            "pytest-benchmark": ("-p", "no:perfbench", f"--benchmark-json={report}", "test_workloads.py"),
        }
        plain = {
            "perfbench loaded": ("-p", "no:benchmark", "plain"),
            "-p no:perfbench": ("-p", "no:benchmark", "-p", "no:perfbench", "plain"),
        }
        walls: dict[str, list[float]] = {name: [] for name in [*timed, *plain]}
        theirs: list[dict[str, float]] = []
        for sessions, rounds in ((timed, args.rounds), (plain, args.plain_rounds)):
            for round_index in range(rounds):
                for name in (list(sessions) if round_index % 2 == 0 else list(reversed(sessions))):
                    walls[name].append(session(root, *sessions[name]))
                    if name == "pytest-benchmark":
                        theirs.append(pytest_benchmark_medians(report))
        ours = perfbench_medians(store)
    wall = {name: statistics.median(values) for name, values in walls.items()}
    tests = {}
    for name in NAMES:
        ratios = [o[name][0] / t[name] for o, t in zip(ours, theirs)]
        tests[name] = {"perfbench_median_ns": statistics.median(o[name][0] for o in ours),
                       "perfbench_ci_ns_per_round": [list(o[name][1:]) for o in ours],
                       "pytest_benchmark_median_ns": statistics.median(t[name] for t in theirs),
                       "ratio_per_round": ratios, "ratio": statistics.median(ratios)}
    figures = {"rounds": args.rounds, "plain_rounds": args.plain_rounds, "python": sys.version.split()[0],
               "load_average_end": list(os.getloadavg()),
               "session_wall_seconds": {name: {"median": wall[name], "all": walls[name]} for name in walls},
               "tests": tests}
    print(f"session wall time (median; each a new pytest process; {args.rounds} timed rounds, "
          f"{args.plain_rounds} plain rounds, alternating)")
    for name in timed:
        print(f"  {name:<34}{wall[name]:>7.2f} s")
    print(f"  {'ratio pytest-benchmark / perfbench':<34}{wall['pytest-benchmark'] / wall['perfbench']:>7.2f}")
    for name in plain:
        print(f"  200 plain tests, {name:<17}{wall[name]:>7.3f} s")
    extra = wall["perfbench loaded"] - wall["-p no:perfbench"]
    print(f"  {'plugin loaded, not used: extra':<34}{1000 * extra:>+7.0f} ms "
          f"({wall['perfbench loaded'] / wall['-p no:perfbench']:.3f}x)")
    print(f"\nmedian per call (median over {args.rounds} sessions of each plugin)")
    print(f"  {'test':<24}{'perfbench':>11}{'pytest-benchmark':>18}{'ratio':>8}   ratio per session")
    for name in NAMES:
        row = tests[name]
        print(f"  {name:<24}{_ns(row['perfbench_median_ns']):>11}{_ns(row['pytest_benchmark_median_ns']):>18}"
              f"{row['ratio']:>8.3f}   {', '.join(f'{r:.3f}' for r in row['ratio_per_round'])}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(figures, indent=2) + "\n")


if __name__ == "__main__":
    main()
