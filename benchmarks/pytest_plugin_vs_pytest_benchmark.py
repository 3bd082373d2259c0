"""perfbench's pytest plugin beside pytest-benchmark: one test file, run under each plugin in
turn (never both in one session: ``-p no:benchmark`` / ``-p no:perfbench``), with each
plugin's defaults. Reported side by side, as ratios:

* the wall time of each whole test session (a new ``python -m pytest`` process, as a
  developer meets it), the median of ``--rounds`` sessions, taken in alternating order
  (A B B A ...) so that the machine's drift falls on both;
* each test's median time per call by each plugin (perfbench's from its store, with its
  95 % interval; pytest-benchmark's from ``--benchmark-json``), from the last round;
* the cost of merely having the plugin installed: a session of 200 trivial tests that never
  use the fixture, with the plugin loaded and with ``-p no:perfbench``.

Needs pytest-benchmark (``pip install pytest-benchmark``; the ``bench`` extra has it).

    python benchmarks/pytest_plugin_vs_pytest_benchmark.py [--rounds 3] [--json reports/pytest_plugin.json]
"""

from __future__ import annotations

import argparse
import json
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


def perfbench_medians(store: Path) -> dict[str, tuple[float, float, float]]:
    """Median ns per call and its 95 % interval, per test, from the store's last run."""
    from perfbench.store import open_store

    with open_store(store, create=False) as opened:
        run = opened.latest_run_id()
        found = {}
        for stored in opened.results(run):  # type: ignore[arg-type]
            stats = stored.result.measurement.stats
            found[stored.result.benchmark.split("::")[-1]] = (stats.median, stats.ci_low, stats.ci_high)
        return found


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
    parser.add_argument("--rounds", type=int, default=3, help="sessions per plugin, alternating (default 3)")
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
        sessions = {
            "perfbench": ("-p", "no:benchmark", "--perfbench-store", str(store), "test_workloads.py"),
            "pytest-benchmark": ("-p", "no:perfbench", f"--benchmark-json={report}", "test_workloads.py"),
            "plain, perfbench loaded": ("-p", "no:benchmark", "plain"),
            "plain, -p no:perfbench": ("-p", "no:benchmark", "-p", "no:perfbench", "plain"),
        }
        walls: dict[str, list[float]] = {name: [] for name in sessions}
        for round_index in range(args.rounds):
            order = list(sessions) if round_index % 2 == 0 else list(reversed(sessions))
            for name in order:
                walls[name].append(session(root, *sessions[name]))
        ours, theirs = perfbench_medians(store), pytest_benchmark_medians(report)
    wall = {name: statistics.median(values) for name, values in walls.items()}
    figures = {
        "rounds": args.rounds,
        "session_wall_seconds": {name: {"median": wall[name], "all": walls[name]} for name in sessions},
        "tests": {name: {"perfbench_median_ns": ours[name][0], "perfbench_ci_ns": list(ours[name][1:]),
                         "pytest_benchmark_median_ns": theirs[name],
                         "ratio_perfbench_to_pytest_benchmark": ours[name][0] / theirs[name]} for name in NAMES},
        "python": sys.version.split()[0],
    }
    print(f"session wall time (median of {args.rounds}, each a new pytest process)")
    print(f"  {'session':<26}{'wall':>9}")
    for name in sessions:
        print(f"  {name:<26}{wall[name]:>8.2f}s")
    print(f"  pytest-benchmark / perfbench: {wall['pytest-benchmark'] / wall['perfbench']:.2f}x; "
          f"plugin loaded / not loaded (200 plain tests): "
          f"{wall['plain, perfbench loaded'] / wall['plain, -p no:perfbench']:.3f}x")
    print("\nmedian per call (last round)")
    print(f"  {'test':<24}{'perfbench [95 % interval]':<30}{'pytest-benchmark':>17}{'ratio':>8}")
    for name in NAMES:
        median, low, high = ours[name]
        shown = f"{_ns(median)} [{_ns(low)}, {_ns(high)}]"
        print(f"  {name:<24}{shown:<30}{_ns(theirs[name]):>17}{median / theirs[name]:>8.3f}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(figures, indent=2) + "\n")


if __name__ == "__main__":
    main()
