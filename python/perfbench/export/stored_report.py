"""A stored run as the exporters' ``ReportData``: what ``run`` hands its exporters at the end
of a run, read back from the store, so that ``perfbench report`` writes a report of any
stored run (an older one, one made on another machine and imported, one whose reports were
lost) exactly as ``run`` would have.

Besides the run's results and SLA verdicts it gathers what the store knows around them:
each benchmark's history on the run's host up to this run (the last ``HISTORY_RUNS`` runs),
with its steps and whether it marks the benchmark unstable; the saved baselines; the
recommendations; and, when asked for, a comparison with a baseline or another run.
"""

from __future__ import annotations

from collections.abc import Sequence

from perfbench.analysis.history import all_histories
from perfbench.analysis.run_identity import run_identity
from perfbench.analysis.stability import unstable_benchmarks
from perfbench.analysis.trend import trend
from perfbench.export.base import ReportData
from perfbench.model import BenchmarkResult
from perfbench.recommend import recommend
from perfbench.run_comparison import RunComparison
from perfbench.store import ResultStore, StoredRun

# History points per benchmark in a report: enough for a trend chart and its steps; the
# dashboard's size goal is set for 500.
HISTORY_RUNS = 500


def stored_report_data(store: ResultStore, run: StoredRun, results: Sequence[BenchmarkResult], *,
                       comparison: RunComparison | None = None, reproduce: str = "",
                       history_runs: int = HISTORY_RUNS) -> ReportData:
    """The run with ``results`` (its own, read from the store, in the order it ran them; or
    those of some of its lanes), the SLA verdicts of those results, the noise warnings it
    printed, and what the store holds around it (see the module's docstring)."""
    keys = {result.key for result in results}
    verdicts = tuple(v for v in store.verdicts(run.id) if v.benchmark in keys)
    histories = all_histories(store, keys.__contains__, host_id=run_identity(run).host_id, last=history_runs,
                              up_to=run.id)
    trends = {history.key: trend(history) for history in histories}
    return ReportData(run_id=run.id, started_at=run.started_at, status=run.status, command=run.command,
                      environment=dict(run.environment), noise_warnings=tuple(run.noise.get("warnings", ())),
                      results=tuple(results), verdicts=verdicts, comparison=comparison, reproduce=reproduce,
                      trends=trends, unstable=unstable_benchmarks(trends.values()), baselines=tuple(store.baselines()),
                      recommendations=tuple(recommend(results, verdicts)), stored_run=run)
