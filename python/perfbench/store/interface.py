"""What every result store does, whatever holds the data (SQLite today, PostgreSQL next).

Everything outside ``store/`` uses a store through this interface only, and opens one with
``open_store`` (locations.py), so that a backend is one more file here.

A run is written as it happens: ``begin_run``; per benchmark ``begin_result``, then
``add_iteration`` the moment each iteration finishes (so a crash loses nothing already
measured), then ``finish_result``; ``add_verdicts``; ``set_run_noise``; ``finish_run``. Each
call is its own transaction, unless made inside ``atomically()``: a run recorded after the
fact (an import) is written whole or not at all. Reading gives back the same model objects
that were written.

A run carries its ``RunMetadata`` (config hash, git state, the host it ran on) so that runs
can be grouped by host and matched to commits, and the noise seen while it ran. Baselines
are named pointers at runs; moving one (``accept_baseline``, or ``save_baseline`` on a name
that exists) is recorded as an ``Acceptance``: who, when, why. ``delete_old_runs`` never
deletes a run a baseline points at.

Every error of the underlying database, at opening or after, is raised as a ``StoreError``
naming the store, so a damaged or foreign file is one line and exit code 2, never a
traceback.
"""

from __future__ import annotations

import abc
import contextlib
import dataclasses
from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Any

from perfbench.analysis.stats import SampleStats
from perfbench.model import BenchmarkResult, IterationRecord
from perfbench.sla import Verdict


def _empty() -> Mapping[str, Any]:
    return MappingProxyType({})


@dataclasses.dataclass(frozen=True, slots=True)
class RunMetadata:
    """What identifies a run beside its time and command: which configuration, which commit,
    which machine, and which tool made it."""

    config_hash: str | None = None  # sha256 of the resolved configuration's content
    git_commit: str | None = None
    git_branch: str | None = None
    git_dirty: bool | None = None  # uncommitted changes to tracked files
    host: Mapping[str, Any] = dataclasses.field(default_factory=_empty)  # the host fingerprint (resources/host_fingerprint.py)
    host_id: str | None = None  # short stable hash of ``host``: what comparisons and history group by
    source: str = "perfbench"  # or the tool an imported run came from: google-benchmark, pyperf, pytest-benchmark


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
    config_hash: str | None = None
    git_branch: str | None = None
    git_dirty: bool | None = None
    host: Mapping[str, Any] = dataclasses.field(default_factory=_empty)
    host_id: str | None = None  # None for a run stored without a host (nor an environment to derive it from)
    source: str = "perfbench"
    # What made this run's numbers noisy (load average at start and end, CPU steal, the
    # interference share, the noise warnings printed); empty until set_run_noise.
    noise: Mapping[str, Any] = dataclasses.field(default_factory=_empty)

    @property
    def metadata(self) -> RunMetadata:
        return RunMetadata(config_hash=self.config_hash, git_commit=self.git_commit, git_branch=self.git_branch,
                           git_dirty=self.git_dirty, host=self.host, host_id=self.host_id, source=self.source)


@dataclasses.dataclass(frozen=True, slots=True)
class Acceptance:
    """A baseline moved to another run, on purpose: an intended slowdown stops alarming."""

    run_id: int  # the run the baseline points at from then on
    previous_run_id: int  # the run it pointed at before (which may since have been deleted)
    at: str
    by: str
    reason: str


@dataclasses.dataclass(frozen=True, slots=True)
class Baseline:
    """A named run that later runs are compared with."""

    name: str
    run_id: int  # the run it points at now
    created_at: str
    created_by: str
    reason: str  # why it was saved ("" when none was given)
    acceptances: tuple[Acceptance, ...] = ()  # every move since it was saved, oldest first


@dataclasses.dataclass(frozen=True, slots=True)
class StoredResult:
    run_id: int
    result: BenchmarkResult
    recorded_at: str


@dataclasses.dataclass(frozen=True, slots=True)
class ResultSummary:
    """A stored result's statistics without its samples: what a history or the run-to-run
    noise of a comparison needs, read without decoding a single iteration (over a long
    history, decoding every past run's samples is nearly all of the time a comparison takes)."""

    run_id: int
    lane: str
    benchmark: str
    kind: str
    status: str  # ok, or the failure's kind
    stats: SampleStats | None  # of the measurement: median, its interval, how the noise was measured
    processes: int  # worker processes the measurement came from (0: none measured)
    recorded_at: str

    @property
    def key(self) -> str:
        return f"{self.lane}/{self.benchmark}"

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    @property
    def median(self) -> float | None:
        return self.stats.median if self.stats is not None else None


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
    def begin_run(self, environment: Mapping[str, Any], command: str, metadata: RunMetadata | None = None, *,
                  started_at: str | None = None) -> int:
        """A new run, status 'running'; returns its id. Without ``metadata``, only the git
        commit is taken, from ``environment["git"]``. ``started_at`` (ISO 8601) is now unless
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
    def set_run_noise(self, run_id: int, noise: Mapping[str, Any]) -> None:
        """What made the run's numbers noisy, seen by its end (JSON-able values); replaces any
        set before."""

    @abc.abstractmethod
    def finish_run(self, run_id: int, status: str, *, finished_at: str | None = None) -> None:
        """``finished_at``: now, unless the run is recorded after the fact (as ``begin_run``)."""

    @abc.abstractmethod
    def atomically(self) -> contextlib.AbstractContextManager[None]:
        """Every write made inside commits together when the block ends, or none of them when it
        raises: an import stores its files whole or not at all. Outside it, each write call
        commits on its own."""

    # -- baselines
    @abc.abstractmethod
    def save_baseline(self, name: str, run_id: int, *, by: str, reason: str = "") -> Baseline:
        """The baseline ``name`` at ``run_id``: created, or moved there (recorded as an
        acceptance) when it exists. StoreError for a run that is not in the store."""

    @abc.abstractmethod
    def baseline(self, name: str) -> Baseline | None: ...

    @abc.abstractmethod
    def baselines(self) -> list[Baseline]:
        """Every baseline, by name."""

    @abc.abstractmethod
    def delete_baseline(self, name: str) -> bool:
        """Deletes the baseline and its acceptances (not its run); False if there was none."""

    @abc.abstractmethod
    def accept_baseline(self, name: str, run_id: int, *, by: str, reason: str) -> Baseline:
        """Moves an existing baseline to ``run_id``, recording who, when and why. StoreError
        naming the baselines that exist when there is none called ``name``, or for a run that
        is not in the store; ValueError for an empty reason."""

    # -- housekeeping
    @abc.abstractmethod
    def delete_old_runs(self, keep: int, *, dry_run: bool = False) -> list[int]:
        """Deletes every run but the newest ``keep`` (and their results, iterations and
        verdicts), never a run a baseline points at nor one still 'running' (another process
        may be writing it: a run whose process was killed is marked finished first, by whoever
        can tell), and gives the space back; returns the ids deleted, oldest first.
        ``dry_run``: only says which runs it would delete."""

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
    def history(self, lane: str, benchmark: str, host_id: str | None = None) -> list[StoredResult]:
        """One benchmark's results over every run, oldest first; with ``host_id``, over the
        runs made on that host only."""

    @abc.abstractmethod
    def result_summaries(self, *, run_id: int | None = None, lane: str | None = None,
                         benchmark: str | None = None) -> list[ResultSummary]:
        """Results' statistics without their samples, in run order: one run's (``run_id``),
        one benchmark's over every run (``lane`` and ``benchmark``), or every stored one."""

    @abc.abstractmethod
    def verdicts(self, run_id: int) -> list[Verdict]:
        """A run's SLA verdicts as they were recorded."""

    @abc.abstractmethod
    def close(self) -> None: ...

    def __enter__(self) -> ResultStore:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()
