"""Storing imported runs: through the store interface, as a native run is stored, so that
every command (analyze, validate-sla, compare, history) reads them like native ones.

All the runs of one import are written in one ``atomically()`` block: several files are
imported whole or not at all, and a failure half-way leaves the store as it was.
"""

from __future__ import annotations

from collections.abc import Sequence

from perfbench.interchange.imported_run import ImportedRun
from perfbench.store import ResultStore


def store_imported(store: ResultStore, runs: Sequence[ImportedRun]) -> list[int]:
    """The runs, stored in one transaction; their new ids, in order."""
    with store.atomically():
        return [_store_one(store, run) for run in runs]


def _store_one(store: ResultStore, run: ImportedRun) -> int:
    run_id = store.begin_run(run.environment, run.command, started_at=run.started_at)
    for result in run.results:
        result_id = store.begin_result(run_id, result.lane, result.benchmark, result.kind, result.params)
        store.finish_result(result_id, result)  # with its iterations
    store.add_verdicts(run_id, run.verdicts)
    # a file that does not say when the run ended: the end is not invented, the start stands for it
    store.finish_run(run_id, run.status, finished_at=run.finished_at or run.started_at)
    return run_id
