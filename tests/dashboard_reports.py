"""ReportData for the dashboard's checks, made two ways.

``stored_dashboard_report``: from a real SQLite store written run by run (history_runs), with
a saved baseline, a comparison of the last run with it, trends with a step, SLA verdicts,
recommendations, a command benchmark with resource time series, a benchmark in two lanes,
a load benchmark (report_fixture.load_benchmark: timeline, spectra, its figures' table),
and a benchmark whose name is an HTML injection. Every section of the page has something
to show: the browser check and the README's screenshot use it.

``synthetic_report``: the size goal's shape (200 benchmarks, 500 runs of history each,
1,000 samples each), constructed in memory (benchmarks/dashboard_size.py).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from history_runs import store_history
from perfbench.analysis.history import BenchmarkHistory, RunPoint, benchmark_history
from perfbench.analysis.trend import trend
from perfbench.export.base import ReportData
from perfbench.model import BenchmarkResult, Failure, IterationRecord, Measurement
from perfbench.recommend import Finding, Recommendation, recommend
from perfbench.resources.environment import collect_environment
from perfbench.run_comparison import ResolvedRun, compare_runs
from perfbench.sla import rule, tiers
from perfbench.store import open_store
from report_fixture import HOSTILE_IMG as HOSTILE_NAME, load_benchmark

RUNS = 12
STEP_AT = 6  # hash_lookup gets 20 % slower from this run on


def _series(median: float, step: float = 0.0) -> list[float]:
    wobble = [1.0, 1.01, 0.99, 1.005, 0.995, 1.0]
    return [median * wobble[i % len(wobble)] * (1.0 + (step if i >= STEP_AT else 0.0)) for i in range(RUNS)]


def command_result(lane: str = "tools", name: str = "compress_file") -> BenchmarkResult:
    """A command benchmark of three iterations, each with a resource time series of 50 ticks."""
    records = []
    for index in range(3):
        series = [{"t": 0.1 * k, "cpu_core_percent": 0.0 if k == 0 else 80.0 + 15.0 * np.sin(k / 5 + index),
                   "cpu_total_percent": 40.0, "system_cpu_percent": 45.0, "rss_bytes": int((20 + k * 0.8) * 2**20),
                   "read_bytes": k * 2**18, "write_bytes": k * 2**17, "machine_net_sent_bytes": 0,
                   "machine_net_recv_bytes": 0, "ctx_switches": 10 * k, "threads": 2, "processes": 1}
                  for k in range(50)]
        records.append(IterationRecord(index=index, warmup=False, wall_ns=5e9 + index * 1e8, process=index,
                                       cpu_user_seconds=4.0, cpu_system_seconds=0.2, exit_code=0,
                                       resources={"timeseries": series}))
    samples = [r.wall_ns for r in records]
    measurement = Measurement(samples_ns=samples, iterations_per_sample=1, overhead_ns=0.0, overhead_subtracted=False,
                              clock="steady_clock", ticks_per_ns=1.0, segments=[(i, 1) for i in range(3)])
    return BenchmarkResult(lane=lane, benchmark=name, kind="command", measurement=measurement,
                           iterations=tuple(records))


def stored_dashboard_report(store_path: Path) -> ReportData:
    keys = {"core/hash_lookup": _series(2_000.0, step=0.2), f"core/{HOSTILE_NAME}": _series(150_000.0),
            "core/sort_10k": _series(450_000.0), "quick/hash_lookup": _series(2_100.0)}
    with open_store(store_path) as store:
        run_ids = store_history(store, keys)
        store.save_baseline("main", run_ids[STEP_AT - 2], by="test", reason="release 1.0")
        current = store.run(run_ids[-1])
        base = store.run(run_ids[STEP_AT - 2])
        assert current is not None and base is not None
        comparison = compare_runs(store, ResolvedRun(base, "main", "baseline 'main'"),
                                  ResolvedRun(current, "latest", "latest"))
        results = [stored.result for stored in store.results(current.id)]
        trends = {r.key: trend(benchmark_history(store, r.lane, r.benchmark)) for r in results}
        baselines = tuple(store.baselines())
    failed = BenchmarkResult(lane="core", benchmark="flaky_io", kind="python", measurement=None,
                             failure=Failure("timeout", "timed out after 10 s", "Traceback: <stuck in read()>"))
    results = [*results, command_result(), load_benchmark(), failed]
    rules = [rule("median < 1ms", name="fast enough"), rule("mean < 2.2us", severity="warning", name="mean"),
             tiers(target="median < 400us", acceptable="median < 500us", critical="median < 1s", name="latency tiers")]
    verdicts = tuple(r.evaluate(result) for result in results if result.measurement is not None for r in rules)
    recommendations = (*recommend(results, verdicts), Recommendation(
        rule="constructed", title="Look at the step in hash_lookup", priority=1, effort="low",
        steps=("bisect the commits between the last run before the step and the first after it",),
        findings=(Finding(benchmark=f"core/{HOSTILE_NAME}", evidence="evidence with <b>markup</b>"),)))
    environment = collect_environment()
    return ReportData(run_id=current.id, started_at=current.started_at, status="complete", command="perfbench run",
                      environment=environment, noise_warnings=("only 2 logical CPU(s): <shared>",),
                      results=tuple(results), verdicts=verdicts, comparison=comparison,
                      reproduce=f"python -m perfbench compare {base.id} {current.id}", trends=trends,
                      unstable={f"core/{HOSTILE_NAME}": "its history moved 9 % between runs"},
                      baselines=baselines, recommendations=recommendations)


def _measurement(rng: np.random.Generator, median: float, samples: int) -> Measurement:
    values = median * rng.lognormal(0.0, 0.05, samples)
    third = samples // 3
    return Measurement(samples_ns=values, iterations_per_sample=100, overhead_ns=1.0, overhead_subtracted=True,
                       clock="steady_clock", ticks_per_ns=1.0,
                       segments=[(0, third), (1, third), (2, samples - 2 * third)])


def synthetic_report(benchmarks: int = 200, history: int = 500, samples: int = 1_000, seed: int = 1) -> ReportData:
    """``benchmarks`` micro-benchmarks in four lanes with ``samples`` samples each and
    ``history`` runs of history each (every tenth with a 10 % step half-way), the last run
    being this one."""
    rng = np.random.default_rng(seed)
    results, trends = [], {}
    for index in range(benchmarks):
        lane, name = f"lane{index % 4}", f"benchmark_{index:03d}"
        median = float(10 ** rng.uniform(1, 7))
        results.append(BenchmarkResult(lane=lane, benchmark=name, kind="python",
                                       measurement=_measurement(rng, median, samples)))
        level = np.where(np.arange(history) >= history // 2, 1.1 if index % 10 == 0 else 1.0, 1.0)
        medians = median * level * rng.lognormal(0.0, 0.01, history)
        points = tuple(RunPoint(run_id=run + 1, date=f"2026-{1 + run // 45 % 12:02d}-01T00:00:00", commit=f"{run:07x}",
                                branch="main", dirty=False, host_id="h", status="ok", median=float(m),
                                ci_low=float(m * 0.99), ci_high=float(m * 1.01), processes=3, noise="between 3 processes")
                       for run, m in enumerate(medians))
        trends[f"{lane}/{name}"] = trend(BenchmarkHistory(lane, name, "h", points))
    return ReportData(run_id=history, started_at="2026-11-30T08:00:00+00:00", status="complete",
                      command="perfbench run", environment=collect_environment(), noise_warnings=(),
                      results=tuple(results), trends=trends)
