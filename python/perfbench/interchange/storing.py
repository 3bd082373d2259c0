"""Storing imported runs: through the store interface, as a native run is stored, so that
every command (analyze, validate-sla, compare, history) reads them like native ones.

All the runs of one import are written in one ``atomically()`` block: several files are
imported whole or not at all, and a failure half-way leaves the store as it was. A file
already imported into the store (the same bytes: its sha256) is refused, so that a CI job
that imports its artifact twice does not put the same run twice into a benchmark's history.
"""

from __future__ import annotations

from collections.abc import Sequence

from perfbench.errors import InputFileError
from perfbench.interchange.imported_run import ImportedRun
from perfbench.store import ResultStore


def store_imported(store: ResultStore, runs: Sequence[ImportedRun]) -> list[int]:
    """The runs, stored in one transaction; their new ids, in order. Raises InputFileError
    (and stores none of them) if one of the files is in the store already."""
    with store.atomically():
        _refuse_repeats(store, runs)
        return [_store_one(store, run) for run in runs]


def _digest(run: ImportedRun) -> str:
    return run.environment["imported"]["sha256"]


def _refuse_repeats(store: ResultStore, runs: Sequence[ImportedRun]) -> None:
    stored = {imported["sha256"]: run for run in store.runs()
              if isinstance(imported := run.environment.get("imported"), dict) and "sha256" in imported}
    seen: dict[str, ImportedRun] = {}
    for run in runs:
        earlier = stored.get(_digest(run))
        if earlier is not None:
            raise InputFileError(f"{run.file}: already imported into {store.location} as run {earlier.id} "
                                 f"(the same file: sha256 {_digest(run)[:12]}…, from "
                                 f"{earlier.environment['imported'].get('file')})")
        if _digest(run) in seen:
            raise InputFileError(f"{run.file}: the same file as {seen[_digest(run)].file}, given twice")
        seen[_digest(run)] = run


def _store_one(store: ResultStore, run: ImportedRun) -> int:
    run_id = store.begin_run(run.environment, run.command, started_at=run.started_at)
    for result in run.results:
        result_id = store.begin_result(run_id, result.lane, result.benchmark, result.kind, result.params)
        store.finish_result(result_id, result)  # with its iterations
    store.add_verdicts(run_id, run.verdicts)
    # a file that does not say when the run ended: the end is not invented, the start stands for it
    store.finish_run(run_id, run.status, finished_at=run.finished_at or run.started_at)
    return run_id
