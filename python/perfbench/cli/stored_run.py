"""Finding the stored run a read-only command (validate-sla, analyze, optimize) looks at."""

from __future__ import annotations

from pathlib import Path

from perfbench.errors import StoreError, UsageError
from perfbench.model import BenchmarkResult
from perfbench.store import SqliteStore, StoredRun


def open_store(path: Path) -> SqliteStore:
    if not path.exists():
        raise StoreError(f"{path}: no result store here; run `python -m perfbench run` first or pass --store PATH")
    return SqliteStore(path)


def resolve_run(store: SqliteStore, run: str | None) -> StoredRun:
    if run in (None, "latest"):
        latest = store.latest_run_id()
        if latest is None:
            raise StoreError(f"{store.path}: holds no runs yet; run `python -m perfbench run` first")
        found = store.run(latest)
    else:
        try:
            run_id = int(run)
        except ValueError:
            raise UsageError(f"--run: expected a run id or 'latest', got {run!r}") from None
        found = store.run(run_id)
        if found is None:
            ids = [r.id for r in store.runs()]
            raise UsageError(f"--run: no run {run_id} in {store.path}; it holds runs "
                             f"{', '.join(map(str, ids[-10:])) or 'none'}")
    assert found is not None
    return found


def results_in_lanes(store: SqliteStore, run: StoredRun, lanes: list[str] | None) -> list[BenchmarkResult]:
    results = [stored.result for stored in store.results(run.id)]
    if lanes:
        present = {r.lane for r in results}
        for lane in lanes:
            if lane not in present:
                raise UsageError(f"--lane: run {run.id} has no lane {lane!r}; it has {', '.join(sorted(present))}")
        results = [r for r in results if r.lane in lanes]
    return results
