"""A stored run as the exporters' ``ReportData``: what ``run`` hands its exporters at the end
of a run, read back from the store, so that ``perfbench report`` writes a report of any
stored run (an older one, one made on another machine and imported, one whose reports were
lost) exactly as ``run`` would have."""

from __future__ import annotations

from collections.abc import Sequence

from perfbench.export.base import ReportData
from perfbench.model import BenchmarkResult
from perfbench.store import ResultStore, StoredRun


def stored_report_data(store: ResultStore, run: StoredRun, results: Sequence[BenchmarkResult]) -> ReportData:
    """The run with ``results`` (its own, read from the store, in the order it ran them; or
    those of some of its lanes), the SLA verdicts of those results and the noise warnings
    it printed."""
    keys = {result.key for result in results}
    verdicts = tuple(v for v in store.verdicts(run.id) if v.benchmark in keys)
    return ReportData(run_id=run.id, started_at=run.started_at, status=run.status, command=run.command,
                      environment=dict(run.environment), noise_warnings=tuple(run.noise.get("warnings", ())),
                      results=tuple(results), verdicts=verdicts)
