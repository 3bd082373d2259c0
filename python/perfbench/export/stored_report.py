"""A stored run as the exporters' ``ReportData``: what ``run`` hands its exporters at the end
of a run, read back from the store, so that ``perfbench report`` writes a report of any
stored run (an older one, one made on another machine and imported, one whose reports were
lost) exactly as ``run`` would have."""

from __future__ import annotations

from perfbench.export.base import ReportData
from perfbench.store import ResultStore, StoredRun


def stored_report_data(store: ResultStore, run: StoredRun, lanes: list[str] | None = None) -> ReportData:
    """The run's results (in the order it ran them), its SLA verdicts and the noise warnings
    it printed; ``lanes``: only these lanes' results and verdicts."""
    results = tuple(stored.result for stored in store.results(run.id)
                    if not lanes or stored.result.lane in lanes)
    verdicts = tuple(v for v in store.verdicts(run.id) if not lanes or v.benchmark.split("/", 1)[0] in lanes)
    return ReportData(run_id=run.id, started_at=run.started_at, status=run.status, command=run.command,
                      environment=dict(run.environment), noise_warnings=tuple(run.noise.get("warnings", ())),
                      results=results, verdicts=verdicts)
