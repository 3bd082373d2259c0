"""What every result store does, whatever holds the data (SQLite today, PostgreSQL next).

Everything outside ``store/`` uses a store through this interface only, and opens one with
``open_store`` (locations.py), so that a backend is one more file here.

A run is written as it happens: ``begin_run``; per benchmark ``begin_result``, then
``add_iteration`` the moment each iteration finishes (so a crash loses nothing already
measured), then ``finish_result``; ``add_verdicts``; ``finish_run``. Each call is its own
transaction, unless made inside ``atomically()``: a run recorded after the fact (an import)
is written whole or not at all. Reading gives back the same model objects that were written.

Every error of the underlying database, at opening or after, is raised as a ``StoreError``
naming the store, so a damaged or foreign file is one line and exit code 2, never a
traceback.
"""

from __future__ import annotations

import abc
import contextlib
import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

from perfbench.model import BenchmarkResult, IterationRecord
from perfbench.sla import Verdict


@dataclasses.dataclass(frozen=True, slots=True)
class StoredRun:
    id: int
    started_at: str
    finished_at: str | None
    status: str  # running | complete | failed | interrupted
    perfbench_version: str
    command: str
    git_commit: str | None
    environment: Mapping[str, Any]


@dataclasses.dataclass(frozen=True, slots=True)
class StoredResult:
    run_id: int
    result: BenchmarkResult
    recorded_at: str


class ResultStore(abc.ABC):
    """A result store; a context manager that closes it."""

    @property
    @abc.abstractmethod
    def location(self) -> str:
        """The store as a user named it (a path or URL), for messages."""

    @abc.abstractmethod
    def schema_version(self) -> int:
        """The version of the layout this store holds (``SCHEMA_VERSION`` once opened: opening
        migrates an older store forward and refuses a newer one)."""

    # -- writing, as the run happens
    @abc.abstractmethod
    def begin_run(self, environment: Mapping[str, Any], command: str, *, started_at: str | None = None) -> int:
        """A new run, status 'running'; returns its id. ``started_at`` (ISO 8601) is now unless
        the run is recorded after the fact (an import keeps the time the run was made)."""

    @abc.abstractmethod
    def begin_result(self, run_id: int, lane: str, benchmark: str, kind: str, params: Mapping[str, Any]) -> int:
        """A benchmark that starts, status 'running'; returns its id."""

    @abc.abstractmethod
    def add_iteration(self, result_id: int, record: IterationRecord) -> None:
        """One finished iteration, committed at once."""

    @abc.abstractmethod
    def finish_result(self, result_id: int, result: BenchmarkResult) -> None:
        """The benchmark's result (status ok, failed or interrupted); also stores any of its
        iterations not stored yet."""

    @abc.abstractmethod
    def add_verdicts(self, run_id: int, verdicts: Sequence[Verdict]) -> None: ...

    @abc.abstractmethod
    def finish_run(self, run_id: int, status: str, *, finished_at: str | None = None) -> None:
        """``finished_at``: now, unless the run is recorded after the fact (as ``begin_run``)."""

    @abc.abstractmethod
    def atomically(self) -> contextlib.AbstractContextManager[None]:
        """Every write made inside commits together when the block ends, or none of them when it
        raises: an import stores its files whole or not at all. Outside it, each write call
        commits on its own."""

    # -- reading
    @abc.abstractmethod
    def runs(self) -> list[StoredRun]:
        """Every run, oldest first."""

    @abc.abstractmethod
    def run(self, run_id: int) -> StoredRun | None: ...

    @abc.abstractmethod
    def latest_run_id(self) -> int | None: ...

    @abc.abstractmethod
    def results(self, run_id: int) -> list[StoredResult]:
        """A run's results in the order they ran."""

    @abc.abstractmethod
    def history(self, lane: str, benchmark: str) -> list[StoredResult]:
        """One benchmark's results over every run, oldest first."""

    @abc.abstractmethod
    def verdicts(self, run_id: int) -> list[Verdict]:
        """A run's SLA verdicts as they were recorded."""

    @abc.abstractmethod
    def close(self) -> None: ...

    def __enter__(self) -> ResultStore:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()
