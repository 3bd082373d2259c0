"""A benchmark's series over stored runs: one point per run, for `history`, `trend` and charts.

Each point is what one run measured for the benchmark: its median (ns per iteration) with
the median's 95 % interval as the run computed it (between its processes, or batches of
one process's samples; ``noise`` says which), how many processes took the samples, and
the run's id, date, commit and host. A run in which the benchmark failed keeps its point,
without a median, so a chart shows the gap and the reason.

Read through the store interface only (``runs``, ``results``, ``history``), so another
backend changes nothing here.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from perfbench.analysis.run_identity import run_identity
from perfbench.store import ResultStore, ResultSummary, StoredRun

if TYPE_CHECKING:
    import pandas as pd


@dataclasses.dataclass(frozen=True, slots=True)
class RunPoint:
    """One run's figure for one benchmark. ``median``/``ci_low``/``ci_high`` are in ns per
    iteration; ``status`` is "ok" or the failure's kind ("timeout", "crash", ...)."""

    run_id: int
    date: str
    commit: str | None
    branch: str | None
    dirty: bool | None
    host_id: str | None
    status: str
    median: float | None
    ci_low: float | None
    ci_high: float | None
    processes: int
    noise: str

    @property
    def measured(self) -> bool:
        """A complete measurement: what a trend is computed over (a benchmark that failed
        part-way carries the median of the iterations that finished, which is not comparable)."""
        return self.status == "ok" and self.median is not None

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclasses.dataclass(frozen=True, slots=True)
class BenchmarkHistory:
    """A benchmark's points, oldest run first, on ``host_id`` (None: every host)."""

    lane: str
    benchmark: str
    host_id: str | None
    points: tuple[RunPoint, ...]

    @property
    def key(self) -> str:
        return f"{self.lane}/{self.benchmark}"

    @property
    def measured(self) -> tuple[RunPoint, ...]:
        return tuple(p for p in self.points if p.measured)

    def to_dict(self) -> dict[str, Any]:
        return {"lane": self.lane, "benchmark": self.benchmark, "host_id": self.host_id,
                "points": [p.to_dict() for p in self.points]}

    def to_frame(self) -> pd.DataFrame:
        """The points as a DataFrame, one row per run, with the date parsed."""
        import pandas as pd  # imported when asked for: pandas costs ~0.5 s to import

        frame = pd.DataFrame([p.to_dict() for p in self.points], columns=[f.name for f in dataclasses.fields(RunPoint)])
        frame["date"] = pd.to_datetime(frame["date"], utc=True, format="ISO8601")
        return frame


def point(run: StoredRun, summary: ResultSummary) -> RunPoint:
    identity = run_identity(run)
    stats = summary.stats
    return RunPoint(
        run_id=run.id, date=run.started_at, commit=identity.commit, branch=identity.branch, dirty=identity.dirty,
        host_id=identity.host_id, status=summary.status,
        median=stats.median if stats else None, ci_low=stats.ci_low if stats else None,
        ci_high=stats.ci_high if stats else None, processes=summary.processes, noise=stats.noise if stats else "")


def runs_on_host(store: ResultStore, host_id: str | None, last: int | None = None, *,
                 up_to: int | None = None) -> list[StoredRun]:
    """The store's runs on ``host_id`` (None: every host), oldest first; the last ``last``
    (of those up to run ``up_to`` and including it, when given: a report of an older run shows
    the history as it stood then)."""
    runs = [run for run in store.runs() if (host_id is None or run_identity(run).host_id == host_id)
            and (up_to is None or run.id <= up_to)]
    return runs[-last:] if last else runs


def benchmark_history(store: ResultStore, lane: str, benchmark: str, *, host_id: str | None = None,
                      last: int | None = None) -> BenchmarkHistory:
    """One benchmark's history over the last ``last`` runs on the host (fewer points where
    it did not run in some of them)."""
    runs = {run.id: run for run in runs_on_host(store, host_id, last)}
    return BenchmarkHistory(lane, benchmark, host_id, tuple(
        point(runs[summary.run_id], summary) for summary in store.result_summaries(lane=lane, benchmark=benchmark)
        if summary.run_id in runs))


def all_histories(store: ResultStore, select: Callable[[str], bool] = lambda key: True, *,
                  host_id: str | None = None, last: int | None = None,
                  up_to: int | None = None) -> list[BenchmarkHistory]:
    """The history of every benchmark whose 'lane/name' ``select`` accepts, over the last
    ``last`` runs on the host, in one pass over those runs (each result's statistics read once, no samples decoded), in the
    order the benchmarks first ran."""
    series: dict[tuple[str, str], list[RunPoint]] = {}
    for run in runs_on_host(store, host_id, last, up_to=up_to):
        for summary in store.result_summaries(run_id=run.id):
            if select(summary.key):
                series.setdefault((summary.lane, summary.benchmark), []).append(point(run, summary))
    return [BenchmarkHistory(lane, name, host_id, tuple(points)) for (lane, name), points in series.items()]
