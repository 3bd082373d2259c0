"""Finding the stored run a read-only command (validate-sla, analyze, optimize) looks at."""

from __future__ import annotations

from perfbench.errors import StoreError, UsageError
from perfbench.model import BenchmarkResult
from perfbench.store import ResultStore, StoredRun, open_store


def open_existing_store(location: str) -> ResultStore:
    """The store a read-only command looks at: never created, only read (and migrated)."""
    return open_store(location, create=False)


def resolve_run(store: ResultStore, run: str | None) -> StoredRun:
    if run in (None, "latest"):
        latest = store.latest_run_id()
        if latest is None:
            raise StoreError(f"{store.location}: holds no runs yet; run `python -m perfbench run` first")
        found = store.run(latest)
    else:
        try:
            run_id = int(run)
        except ValueError:
            raise UsageError(f"--run: expected a run id or 'latest', got {run!r}") from None
        found = store.run(run_id)
        if found is None:
            ids = [r.id for r in store.runs()]
            raise UsageError(f"--run: no run {run_id} in {store.location}; it holds runs "
                             f"{', '.join(map(str, ids[-10:])) or 'none'}")
    assert found is not None
    return found


def results_in_lanes(store: ResultStore, run: StoredRun, lanes: list[str] | None) -> list[BenchmarkResult]:
    results = [stored.result for stored in store.results(run.id)]
    if lanes:
        present = {r.lane for r in results}
        for lane in lanes:
            if lane not in present:
                raise UsageError(f"--lane: run {run.id} has no lane {lane!r}; it has {', '.join(sorted(present))}")
        results = [r for r in results if r.lane in lanes]
    return results
