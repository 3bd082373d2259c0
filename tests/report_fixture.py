"""A fixed store for the report formats' golden files: nothing measured, every figure set.

Eight runs on one constructed host, a day apart, of six benchmarks (three processes of ten
samples each around a chosen median, tests/history_runs.py), then SLA verdicts and noise on
the last run and a baseline ``main`` at run 7. The last run, against the baseline:

* ``core/sort_100k`` is 30 % slower (a regression);
* ``core/a|b`c`` (a pipe and a backtick in its name) is 30 % faster;
* ``core/<img src=x onerror=alert(1)>`` and ``core/hash "fast" \\ path`` are the same;
* ``core/flaky`` moves ±12 % from run to run: its history marks it unstable;
* ``core/crash`` timed out;
* ``heavy/checkout_api`` is a load benchmark (in the last run only): two iterations of an
  open loop at 500/s for 2 s, built from histograms filled with known values and a constructed
  per-second timeline (``load_result``), so every report's load section shows known figures.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType

from history_runs import HOST_A, store_history
from perfbench.analysis.aggregate import assemble_result
from perfbench.definition.suite import BenchmarkDefinition, LoadTarget
from perfbench.model import BenchmarkResult, IterationRecord
from perfbench.sla import Verdict
from perfbench.store import open_store

HOSTILE_IMG = "<img src=x onerror=alert(1)>"
PIPE_TICK = "a|b`c"
QUOTED = 'hash "fast" \\ path'
RUNS = 8
MEDIANS = {
    "core/sort_100k": [1000.0] * 7 + [1300.0],
    f"core/{PIPE_TICK}": [200.0] * 7 + [140.0],
    f"core/{HOSTILE_IMG}": [50.0] * 8,
    f"core/{QUOTED}": [80.0] * 8,
    "core/flaky": [100.0, 112.0, 100.0, 88.0, 100.0, 112.0, 100.0, 100.0],
    "core/crash": [5000.0] * 7 + [None],
}
DATES = [f"2026-11-{20 + i:02d}T09:00:00+00:00" for i in range(RUNS)]
NOISE_WARNING = "the 1-minute load average is 3.10 on 2 CPU(s): something else is running"


def _verdicts() -> list[Verdict]:
    def verdict(benchmark: str, rule: str, expression: str, measured: float, status: str, severity: str | None,
                limit: float, low: float, high: float, **extra: str) -> Verdict:
        return Verdict(rule=rule, benchmark=f"core/{benchmark}", expression=expression, metric="median",
                       measured=measured, unit="ns", status=status, severity=severity, message=extra.pop("message", ""),
                       limit=limit, low=low, high=high, noise="between 3 processes", **extra)

    return [
        verdict("sort_100k", "latency", "median < 1us (critical < 1.2us)", 1300.0, "violated", "critical", 1000.0,
                1290.0, 1310.0, message="median 1.3 µs is above the critical limit 1.2 µs"),
        verdict(PIPE_TICK, "latency|pipe", "median < 100ns", 140.0, "violated", "error", 100.0, 139.0, 141.0),
        verdict(HOSTILE_IMG, "tail", "median < 49ns", 50.0, "violated", "warning", 49.0, 49.8, 50.2),
        verdict(QUOTED, "latency", "median < 1us", 80.0, "pass", None, 1000.0, 79.8, 80.2),
        verdict("flaky", "latency", "median < 101ns", 100.0, "unsure", "error", 101.0, 99.0, 101.5,
                settle="about 4 more processes would settle it", between=("pass", "error")),
    ]


# --- the load benchmark -------------------------------------------------------------------
LOAD_LANE, LOAD_NAME = "heavy", "checkout_api"
LOAD_KEY = f"{LOAD_LANE}/{LOAD_NAME}"
LOAD_URL = "http://127.0.0.1:8080/checkout"
MS = 1_000_000
# Each iteration's successful responses (ns -> count; 975 of them). A 40 ms stall held 24
# requests behind it: from their intended send times they waited it out (corrected), from the
# moment they were written they did not (uncorrected).
LOAD_CORRECTED = {int(1.5 * MS): 800, 3 * MS: 150, 40 * MS: 24, 250 * MS: 1}
LOAD_UNCORRECTED = {1 * MS: 800, int(1.5 * MS): 150, 3 * MS: 24, 5 * MS: 1}
LOAD_LAG = {20_000: 990, 200_000: 10}
# Two whole seconds per iteration; the counters of the two add up to the iteration's.
LOAD_WINDOWS = (
    {"completed": 497, "ok": 490, "rate_limited": 5, "status_5xx": 2, "timeout": 2, "reset": 1,
     "corrected_p50": int(1.5 * MS), "corrected_p99": 40 * MS, "uncorrected_p50": 1 * MS, "uncorrected_p99": 3 * MS},
    {"completed": 493, "ok": 485, "rate_limited": 5, "status_5xx": 3, "timeout": 4, "reset": 3,
     "corrected_p50": 3 * MS, "corrected_p99": 250 * MS, "uncorrected_p50": int(1.5 * MS), "uncorrected_p99": 5 * MS},
)
MIB = 1 << 20
# RSS once a second: the generator grows 5 % after its warm-up quarter, the server 2 %.
LOAD_MEMORY = {"generator_rss": [v * MIB for v in (40, 50, 50, 50, 51, 51, 52, 52.5)],
               "server_rss": [v * MIB for v in (30, 31, 32, 32, 32, 32, 32, 32.64)], "interval_s": 1.0}


def _histogram(values: Mapping[int, int]):
    from perfbench import _core

    histogram = _core.LatencyHistogram.request_latency()
    for value, count in values.items():
        histogram.record_n(value, count)
    return histogram


def _window(second: int, figures: Mapping[str, int]) -> dict:
    row = {"second": second, "span_s": 1.0, "partial": False, "scheduled": 500, "sent": 500, "status_1xx": 0, "status_2xx": figures["ok"],
           "status_3xx": 0, "status_4xx": 0, "connect_refused": 0, "connect_failed": 0, "malformed": 0,
           "cancelled": 0, "waited_for_connection": 0, "connections_opened": 8 if second == 0 else 0,
           "lag_p50": 20_000, "lag_p99": 200_000, "lag_max": 200_000, **figures}
    return row


def load_result():
    """One iteration of the load benchmark, as the engine would have returned it (nothing timed)."""
    from perfbench.load.options import LoadOptions, Stage
    from perfbench.load.result import LoadResult, with_rates

    options = LoadOptions(url=LOAD_URL, address="127.0.0.1", port=8080, host_header="127.0.0.1:8080",
                          target="/checkout", method="GET", body_size=0, headers=(), keep_alive=True, connections=8,
                          threads=1, closed=False, stages=(Stage(500.0, 2.0),), burst_stage=None, poisson=False,
                          duration_s=None, requests=None, timeout_s=2.0, lag_bound_s=0.001, seed=1)
    timeline = tuple(with_rates(_window(second, figures)) for second, figures in enumerate(LOAD_WINDOWS))
    counters = {name: sum(row[name] for row in timeline) for name in timeline[0]
                if name not in ("second", "span_s", "rate", "error_rate") and not name.startswith(("corrected", "uncorrected", "lag"))}
    corrected = _histogram(LOAD_CORRECTED)
    return LoadResult(options=options, counters=counters, corrected=corrected, uncorrected=_histogram(LOAD_UNCORRECTED),
                      lag=_histogram(LOAD_LAG), stage_corrected=(corrected,), stage_starts_s=(0.0,), timeline=timeline,
                      wall_s=2.05, thread_cpu_s=(0.4,), stop_reason="completed")


def load_benchmark(iterations: int = 2) -> BenchmarkResult:
    """The load benchmark of ``iterations`` identical iterations, assembled as a run assembles one."""
    from perfbench.load.stored import load_record, window_measurement

    result = load_result()
    records = [IterationRecord(index=i, warmup=False, wall_ns=result.wall_s * 1e9, process=i,
                               measurement=window_measurement(result, process=i),
                               load=load_record(result, LOAD_MEMORY)) for i in range(iterations)]
    definition = BenchmarkDefinition(name=LOAD_NAME, lane=LOAD_LANE, description=f"load test of {LOAD_URL}",
                                     target=LoadTarget(LOAD_URL, MappingProxyType({"rate": "500/s", "duration": "2s"})),
                                     iterations=iterations, warmup_iterations=0)
    return assemble_result(definition, records)


def report_of(*results: BenchmarkResult, run_id: int = 3):
    """ReportData of a run holding just ``results`` (no store, comparison or verdicts)."""
    from perfbench.export.base import ReportData

    return ReportData(run_id=run_id, started_at="2026-11-30T09:00:00+00:00", status="complete",
                      command="perfbench run", environment={}, noise_warnings=(), results=tuple(results))


def build_report_store(path: Path) -> Path:
    """The store at ``path`` (created), as the module's docstring describes."""
    with open_store(path) as store:
        run_ids = store_history(store, MEDIANS, hosts=[HOST_A] * RUNS, dates=DATES)
        last = run_ids[-1]
        load = load_benchmark()
        row = store.begin_result(last, load.lane, load.benchmark, load.kind, dict(load.params))
        store.finish_result(row, load)
        store.add_verdicts(last, _verdicts())
        store.set_run_noise(last, {"load_average": 3.1, "warnings": [NOISE_WARNING]})
        store.save_baseline("main", run_ids[-2], by="ci", reason="the release")
    return path
