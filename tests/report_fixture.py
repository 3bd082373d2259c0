"""A fixed store for the report formats' golden files: nothing measured, every figure set.

Eight runs on one constructed host, a day apart, of six benchmarks (three processes of ten
samples each around a chosen median, tests/history_runs.py), then SLA verdicts and noise on
the last run and a baseline ``main`` at run 7. The last run, against the baseline:

* ``core/sort_100k`` is 30 % slower (a regression);
* ``core/a|b`c`` (a pipe and a backtick in its name) is 30 % faster;
* ``core/<img src=x onerror=alert(1)>`` and ``core/hash "fast" \\ path`` are the same;
* ``core/flaky`` moves ±12 % from run to run: its history marks it unstable;
* ``core/crash`` timed out.
"""

from __future__ import annotations

from pathlib import Path

from history_runs import HOST_A, store_history
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


def build_report_store(path: Path) -> Path:
    """The store at ``path`` (created), as the module's docstring describes."""
    with open_store(path) as store:
        run_ids = store_history(store, MEDIANS, hosts=[HOST_A] * RUNS, dates=DATES)
        last = run_ids[-1]
        store.add_verdicts(last, _verdicts())
        store.set_run_noise(last, {"load_average": 3.1, "warnings": [NOISE_WARNING]})
        store.save_baseline("main", run_ids[-2], by="ci", reason="the release")
    return path
