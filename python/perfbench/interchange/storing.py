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
from perfbench.resources.host_fingerprint import describes_a_host, host_fingerprint, host_id
from perfbench.store import ResultStore
from perfbench.store.interface import RunMetadata


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


def run_metadata(run: ImportedRun) -> RunMetadata:
    """What identifies the run: a perfbench export's metadata exactly as it was recorded (the
    run imported is the run exported); for another tool's file, the tool, the git state it
    gives (pytest-benchmark's commit_info) and the host fingerprint of what it says about the
    machine, made as a native run's is from its environment (a file that names neither a CPU
    model nor a kernel, as Google Benchmark's, fingerprints no host: host_id None)."""
    if run.metadata is not None:
        recorded = run.metadata
        return RunMetadata(config_hash=recorded.get("config_hash"), git_commit=recorded.get("git_commit"),
                           git_branch=recorded.get("git_branch"), git_dirty=recorded.get("git_dirty"),
                           host=recorded.get("host") or {}, host_id=recorded.get("host_id"), source=run.source)
    git = run.environment.get("git") or {}
    host = host_fingerprint(run.environment) if describes_a_host(run.environment) else {}
    return RunMetadata(git_commit=git.get("commit"), git_branch=git.get("branch"), git_dirty=git.get("dirty"),
                       host=host, host_id=host_id(host) if host else None, source=run.source)


def _store_one(store: ResultStore, run: ImportedRun) -> int:
    run_id = store.begin_run(run.environment, run.command, run_metadata(run), started_at=run.started_at)
    for result in run.results:
        result_id = store.begin_result(run_id, result.lane, result.benchmark, result.kind, result.params)
        store.finish_result(result_id, result)  # with its iterations
    store.add_verdicts(run_id, run.verdicts)
    if run.noise:
        store.set_run_noise(run_id, run.noise)
    # a file that does not say when the run ended: the end is not invented, the start stands for it
    store.finish_run(run_id, run.status, finished_at=run.finished_at or run.started_at)
    return run_id
