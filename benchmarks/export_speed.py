"""How long the reports of a large run take: html + csv + md for 100 benchmarks x 1,000
samples (issue 11's goal: <= 2 s), written from a real SQLite store as `run` and `report` do.

The store holds ``--history`` earlier runs of the same 100 benchmarks (so the dashboard has
trend charts and the Markdown a comparison's history), then the run reported, each benchmark
in 4 processes of 250 samples (lognormal around a per-benchmark median; nothing is timed).
Timed, each ``--repeat`` times, the median kept:

* ``read``: ``stored_report_data`` (results with their samples, verdicts, every history and
  its steps, recommendations) and the comparison with the run before (for md);
* each exporter's ``write``;
* the total, which is what the goal is about.

    python benchmarks/export_speed.py [--benchmarks 100] [--samples 1000] [--history 20] [--json reports/export_speed.json]
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from perfbench.analysis.aggregate import assemble_result
from perfbench.definition.suite import BenchmarkDefinition, PythonTarget
from perfbench.export import EXPORTERS
from perfbench.export.stored_report import stored_report_data
from perfbench.model import IterationRecord, Measurement
from perfbench.resources.environment import collect_environment
from perfbench.resources.host_fingerprint import host_fingerprint, host_id
from perfbench.run_comparison import ResolvedRun, compare_runs
from perfbench.store import open_store
from perfbench.store.interface import RunMetadata

PROCESSES = 4
FORMATS = ("html", "csv", "md")


def build_store(path: Path, benchmarks: int, samples: int, history: int, seed: int = 1) -> int:
    """The store described in the module's docstring; returns the reported run's id."""
    rng = np.random.default_rng(seed)
    medians = rng.uniform(50.0, 50_000.0, benchmarks)
    per_process = samples // PROCESSES
    environment = collect_environment()  # this machine's, as a run records it
    fingerprint = host_fingerprint(environment)
    metadata = RunMetadata(git_commit="c0", git_branch="main", git_dirty=False, host=fingerprint,
                           host_id=host_id(fingerprint))
    run_id = 0
    with open_store(path) as store:
        for run in range(history + 1):
            run_id = store.begin_run(environment, "export_speed", metadata)
            drift = rng.normal(1.0, 0.02)
            for b in range(benchmarks):
                name = f"bench_{b:03d}"
                definition = BenchmarkDefinition(name=name, lane="big", target=PythonTarget("bench.py", name),
                                                 iterations=PROCESSES, warmup_iterations=0, processes=PROCESSES)
                records = [IterationRecord(index=p, warmup=False, wall_ns=1e6, process=p, measurement=Measurement(
                    samples_ns=medians[b] * drift * rng.lognormal(0.0, 0.05, per_process), iterations_per_sample=10,
                    overhead_ns=0.0, overhead_subtracted=True, clock="steady_clock", ticks_per_ns=1.0,
                    wall_seconds=0.01, counters={"available": False}, segments=[(p, per_process)]))
                    for p in range(PROCESSES)]
                result_id = store.begin_result(run_id, "big", name, "python", {})
                store.finish_result(result_id, assemble_result(definition, records))
            store.finish_run(run_id, "complete")
    return run_id


def time_once(path: Path, run_id: int, output: Path) -> dict[str, float]:
    timings: dict[str, float] = {}
    started = time.perf_counter()
    with open_store(path, create=False) as store:
        run = store.run(run_id)
        before = store.run(run_id - 1)
        assert run is not None and before is not None
        results = [stored.result for stored in store.results(run_id)]
        compared = compare_runs(store, ResolvedRun(before, str(before.id), f"run {before.id}"),
                                ResolvedRun(run, str(run.id), f"run {run.id}"))
        report = stored_report_data(store, run, results, comparison=compared)
    timings["read"] = time.perf_counter() - started
    for name in FORMATS:
        started = time.perf_counter()
        EXPORTERS[name]().write(report, output)
        timings[name] = time.perf_counter() - started
    timings["total"] = sum(timings.values())
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--benchmarks", type=int, default=100)
    parser.add_argument("--samples", type=int, default=1000)
    parser.add_argument("--history", type=int, default=20, help="earlier runs in the store")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--json", type=Path, help="write the figures here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "big.db"
        run_id = build_store(path, args.benchmarks, args.samples, args.history)
        rounds = [time_once(path, run_id, Path(tmp) / f"out{i}") for i in range(args.repeat)]
        sizes = {name: sum(f.stat().st_size for f in (Path(tmp) / "out0").iterdir()
                           if f.suffix == {"html": ".html", "csv": ".csv", "md": ".md"}[name]) for name in FORMATS}
    medians = {key: statistics.median(r[key] for r in rounds) for key in rounds[0]}
    print(f"{args.benchmarks} benchmarks x {args.samples} samples, {args.history} earlier runs; median of "
          f"{args.repeat} rounds ({platform.processor() or platform.machine()}, load {__import__('os').getloadavg()[0]:.1f})")
    print(f"{'step':<8}{'seconds':>10}{'file size':>14}")
    for key, value in medians.items():
        size = f"{sizes[key] / 1e6:.2f} MB" if key in sizes else ""
        print(f"{key:<8}{value:>10.3f}{size:>14}")
    goal = 2.0
    print(f"goal: total <= {goal} s: {'met' if medians['total'] <= goal else 'NOT met'} "
          f"({medians['total'] / goal:.2f} of the goal)")
    if args.json:
        args.json.write_text(json.dumps({"benchmarks": args.benchmarks, "samples": args.samples,
                                         "history": args.history, "rounds": rounds, "median": medians,
                                         "bytes": sizes, "goal_seconds": goal}, indent=2) + "\n")


if __name__ == "__main__":
    main()
