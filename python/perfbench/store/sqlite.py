"""The embedded SQLite result store (``.perfbench/results.db`` by default).

One row per run; one row per benchmark, opened when it starts (status 'running'); one row
per iteration, committed the moment it finishes, so that a crash or an interrupt loses
nothing already measured; the benchmark's row is completed at its end. Samples live in
the iteration rows only; a result row holds its statistics, as columns (for SQL queries)
and as a JSON document, and how its measurement was taken (documents.py). The layout and
its migrations are in sqlite_schema.py.
"""

from __future__ import annotations

import contextlib
import datetime
import functools
import json
import sqlite3
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

from perfbench.analysis.stats import SampleStats
from perfbench.errors import StoreError
from perfbench.model import BenchmarkResult, IterationRecord
from perfbench.sla import Verdict
from perfbench.store import documents, sample_encoding
from perfbench.store.interface import (
    Acceptance, Baseline, ResultStore, ResultSummary, RunMetadata, StoredResult, StoredRun,
)
from perfbench.store.sqlite_schema import COMPACT_SAMPLES, SCHEMA_VERSION, MigrationError, migrate


T = TypeVar("T")


def _now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="milliseconds")


# How long a writer waits for another process's transaction on the same store (two runs
# writing one store, or creating it at the same moment) before giving up.
BUSY_TIMEOUT_SECONDS = 30.0


def _reported(method: Callable[..., T]) -> Callable[..., T]:
    """Every error of the database (and a stored document that no longer parses) as one
    StoreError naming the store: a damaged file is exit code 2 and one line, never a
    traceback."""

    @functools.wraps(method)
    def reported(self: SqliteStore, *args: Any, **kwargs: Any) -> T:
        try:
            return method(self, *args, **kwargs)
        except (sqlite3.Error, json.JSONDecodeError, sample_encoding.DamagedSamples) as error:
            raise StoreError(f"{self.location}: {_explain(error)}") from None

    return reported


def _explain(error: Exception) -> str:
    text = str(error)
    if isinstance(error, json.JSONDecodeError):
        return f"the store is damaged: a stored document does not parse ({text})"
    if isinstance(error, sample_encoding.DamagedSamples):
        return f"the store is damaged: {text}"
    if "malformed" in text or "disk I/O" in text:
        return f"the store is damaged ({text}); keep a copy and pass another --store to start afresh"
    if "file is not a database" in text:
        return "not a SQLite database (a perfbench store is a SQLite file); pass another --store"
    if "locked" in text or "busy" in text:
        return (f"the store stayed locked by another process for more than {BUSY_TIMEOUT_SECONDS:g} s ({text}); "
                "retry when it is done")
    return f"the store cannot be used ({text})"


class SqliteStore(ResultStore):
    """Opened with ``open``: the file is classified (empty, a perfbench store of some schema
    version, or something else) by reading alone, before anything is written, so that a file
    that is not a perfbench store, or is one from a newer perfbench, is refused untouched.
    Creating and migrating happen in one ``BEGIN IMMEDIATE`` transaction that classifies
    again inside it: of several processes opening a new store at once, one creates it and
    the others, having waited (busy timeout), find it made."""

    @staticmethod
    def open(path: Path, location: str, *, create: bool = True) -> SqliteStore:
        try:
            if create:
                path.parent.mkdir(parents=True, exist_ok=True)
                db = sqlite3.connect(path, isolation_level=None, timeout=BUSY_TIMEOUT_SECONDS)
            else:
                # mode=rw: a store that is not there is not created by reading it
                db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=rw", uri=True, isolation_level=None,
                                     timeout=BUSY_TIMEOUT_SECONDS)
        except sqlite3.OperationalError:
            if not path.exists():
                raise StoreError(f"{location}: no result store here; run `python -m perfbench run` first "
                                 "or pass --store PATH") from None
            raise StoreError(f"{location}: cannot open the store (is it a readable, writable file?)") from None
        except OSError as error:
            raise StoreError(f"{location}: cannot open the store ({error.strerror})") from None
        store = SqliteStore(db, location)
        try:
            store._prepare(create)
        except BaseException:
            db.close()
            raise
        return store

    def __init__(self, db: sqlite3.Connection, location: str) -> None:
        self._db = db  # autocommit: every write below is an explicit transaction
        self._location = location

    @property
    def location(self) -> str:
        return self._location

    # -- opening: classify, then create or migrate
    def _version(self) -> int:
        """The schema version the file holds: 0 for an empty database. Reads only."""
        tables = {name for (name,) in self._db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")}
        row = None
        if "schema_info" in tables:
            row = self._db.execute("SELECT value FROM schema_info WHERE key = 'schema_version'").fetchone()
        if row is not None:
            return int(row[0])
        if tables - {"schema_info"}:  # perfbench's schema is created with its version, in one transaction
            shown = ", ".join(sorted(tables)[:5]) + (", ..." if len(tables) > 5 else "")
            raise StoreError(f"{self._location}: an SQLite database but not a perfbench store (it holds tables "
                             f"{shown}); it is left untouched: pass another --store")
        return 0

    def _refuse_newer(self, version: int) -> None:
        if version > SCHEMA_VERSION:
            raise StoreError(f"{self._location}: schema version {version} is newer than this perfbench understands "
                             f"({SCHEMA_VERSION}); it is left untouched: upgrade perfbench to use it")

    @_reported
    def _prepare(self, create: bool) -> None:
        version = self._version()
        self._refuse_newer(version)
        if version == 0 and not create:
            raise StoreError(f"{self._location}: holds no perfbench store (an empty database); "
                             "run `python -m perfbench run --store ...` to make one there")
        if version < SCHEMA_VERSION:
            with self._transaction():
                version = self._version()  # again, holding the write lock: another process may have been first
                self._refuse_newer(version)
                try:
                    if version < SCHEMA_VERSION:
                        migrate(self._db, version)
                except MigrationError as error:
                    raise StoreError(f"{self._location}: cannot migrate schema version {version} to "
                                     f"{SCHEMA_VERSION}; the store is left as it was: {error}") from None
            if 0 < version < COMPACT_SAMPLES:
                self._give_space_back(best_effort=True)  # the samples' JSON text left free pages behind
        if create:
            # A run writes for minutes: find a damaged page now, before anything runs, not
            # at the last write. It reads every page: 26-41 ms for a 59 MB store here, warm.
            problem = self._db.execute("PRAGMA quick_check").fetchone()[0]
            if problem != "ok":
                raise StoreError(f"{self._location}: the store is damaged ({problem}); keep a copy and pass "
                                 "another --store to start afresh")
        self._db.execute("PRAGMA foreign_keys = ON")
        self._use_wal()

    @_reported
    def schema_version(self) -> int:
        return self._version()

    def _use_wal(self) -> None:
        """Write-ahead logging, so that readers (analyze while a run writes) never wait. A
        setting of the file: once one process has made it, the others find it made. The
        switch needs the database to itself; with other processes at it, it is left to them."""
        if self._db.execute("PRAGMA journal_mode").fetchone()[0] == "wal":
            return
        try:
            self._db.execute("PRAGMA journal_mode = WAL")
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) and "busy" not in str(error):
                raise

    class _Transaction:
        """A write transaction; inside another one (``atomically``), part of it."""

        def __init__(self, db: sqlite3.Connection) -> None:
            self.db = db
            self.outermost = False

        def __enter__(self) -> None:
            self.outermost = not self.db.in_transaction
            if self.outermost:
                self.db.execute("BEGIN IMMEDIATE")

        def __exit__(self, exc_type: object, *_: object) -> None:
            # an error that SQLite answered with its own rollback leaves nothing to roll back
            if self.outermost and self.db.in_transaction:
                self.db.execute("ROLLBACK" if exc_type else "COMMIT")

    def _transaction(self) -> SqliteStore._Transaction:
        return SqliteStore._Transaction(self._db)

    @contextlib.contextmanager
    def atomically(self) -> Iterator[None]:
        try:
            with self._transaction():
                yield
        except sqlite3.Error as error:  # beginning or committing it (the writes inside report their own)
            raise StoreError(f"{self.location}: {_explain(error)}") from None

    # -- writing
    @_reported
    def begin_run(self, environment: Mapping[str, Any], command: str, metadata: RunMetadata | None = None, *,
                  started_at: str | None = None) -> int:
        meta = metadata or RunMetadata(git_commit=(environment.get("git") or {}).get("commit"))
        with self._transaction():
            cursor = self._db.execute(
                "INSERT INTO runs (started_at, status, perfbench_version, command, git_commit, environment, "
                "config_hash, git_branch, git_dirty, host, host_id, source) "
                "VALUES (?, 'running', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (started_at or _now(), environment.get("perfbench_version", "unknown"), command, meta.git_commit,
                 json.dumps(dict(environment)), meta.config_hash, meta.git_branch,
                 None if meta.git_dirty is None else int(meta.git_dirty), json.dumps(dict(meta.host)),
                 meta.host_id, meta.source))
        return int(cursor.lastrowid)  # type: ignore[arg-type]

    @_reported
    def begin_result(self, run_id: int, lane: str, benchmark: str, kind: str, params: Mapping[str, Any]) -> int:
        with self._transaction():
            cursor = self._db.execute(
                "INSERT INTO results (run_id, lane, benchmark, kind, params, status, started_at) "
                "VALUES (?, ?, ?, ?, ?, 'running', ?)",
                (run_id, lane, benchmark, kind, json.dumps(dict(params)), _now()))
        return int(cursor.lastrowid)  # type: ignore[arg-type]

    @_reported
    def add_iteration(self, result_id: int, record: IterationRecord) -> None:
        with self._transaction():
            self._insert_iteration(result_id, record)

    def _insert_iteration(self, result_id: int, record: IterationRecord) -> None:
        stored, samples = sample_encoding.pack(record.to_dict())
        self._db.execute(
            "INSERT INTO iterations (result_id, idx, warmup, status, wall_ns, failure_kind, record, samples, "
            "recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (result_id, record.index, int(record.warmup), "ok" if record.ok else "failed", record.wall_ns,
             record.failure.kind if record.failure else None, json.dumps(stored), samples, _now()))

    @_reported
    def finish_result(self, result_id: int, result: BenchmarkResult) -> None:
        m, f = result.measurement, result.failure
        documents.check_pooled(result)
        stats = m.stats if m else None
        document = documents.result_document(result)
        status = "ok" if result.ok else ("interrupted" if f and f.kind == "interrupted" else "failed")
        with self._transaction():
            stored = {idx for (idx,) in self._db.execute("SELECT idx FROM iterations WHERE result_id = ?",
                                                          (result_id,))}
            for record in result.iterations:  # those an interrupt kept from being stored as they finished
                if record.index not in stored:
                    self._insert_iteration(result_id, record)
            self._db.execute(
                "UPDATE results SET status = ?, failure_kind = ?, failure_message = ?, failure_detail = ?, "
                "n = ?, mean = ?, median = ?, stdev = ?, min = ?, max = ?, p90 = ?, p95 = ?, p99 = ?, p999 = ?, "
                "mad = ?, cv = ?, ci_low = ?, ci_high = ?, measurement = ?, stats = ?, metrics = ?, sweep = ?, "
                "baseline = ?, labels = ?, measurement_errors = ?, recorded_at = ? WHERE id = ?",
                (status, f.kind if f else None, f.message if f else None, f.detail if f else None,
                 *((stats.n, stats.mean, stats.median, stats.stdev, stats.min, stats.max, stats.p90,
                    stats.p95, stats.p99, stats.p999, stats.mad, stats.cv, stats.ci_low, stats.ci_high)
                   if stats else (None,) * 14),
                 *(json.dumps(document[key]) if document[key] is not None else None
                   for key in ("measurement", "stats", "metrics", "sweep", "baseline", "labels",
                               "measurement_errors")), _now(), result_id))

    @_reported
    def add_verdicts(self, run_id: int, verdicts: Sequence[Verdict]) -> None:
        with self._transaction():
            self._db.executemany(
                "INSERT INTO sla_verdicts (run_id, benchmark, rule, expression, metric, measured, unit, status, "
                "severity, message, limit_value, verdict) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [(run_id, v.benchmark, v.rule, v.expression, v.metric, v.measured, v.unit, v.status, v.severity,
                  v.message, v.limit, json.dumps(documents.verdict(v))) for v in verdicts])

    @_reported
    def set_run_noise(self, run_id: int, noise: Mapping[str, Any]) -> None:
        with self._transaction():
            self._db.execute("UPDATE runs SET noise = ? WHERE id = ?", (json.dumps(dict(noise)), run_id))

    @_reported
    def finish_run(self, run_id: int, status: str, *, finished_at: str | None = None) -> None:
        with self._transaction():
            self._db.execute("UPDATE runs SET finished_at = ?, status = ? WHERE id = ?",
                             (finished_at or _now(), status, run_id))

    # -- baselines
    @_reported
    def save_baseline(self, name: str, run_id: int, *, by: str, reason: str = "") -> Baseline:
        with self._transaction():
            self._require_run(run_id)
            if self._baseline_row(name) is None:
                self._db.execute("INSERT INTO baselines (name, run_id, created_at, created_by, reason) "
                                 "VALUES (?, ?, ?, ?, ?)", (name, run_id, _now(), by, reason))
            else:
                self._move_baseline(name, run_id, by, reason)
        return self._baseline(name)  # type: ignore[return-value]

    @_reported
    def accept_baseline(self, name: str, run_id: int, *, by: str, reason: str) -> Baseline:
        if not reason.strip():
            raise ValueError("accepting a baseline takes a reason: it is what stops the next reader wondering")
        with self._transaction():
            if self._baseline_row(name) is None:
                raise StoreError(f"{self.location}: no baseline named {name!r}; {self._baseline_names()}")
            self._require_run(run_id)
            self._move_baseline(name, run_id, by, reason)
        return self._baseline(name)  # type: ignore[return-value]

    def _move_baseline(self, name: str, run_id: int, by: str, reason: str) -> None:
        (previous,) = self._db.execute("SELECT run_id FROM baselines WHERE name = ?", (name,)).fetchone()
        self._db.execute("UPDATE baselines SET run_id = ? WHERE name = ?", (run_id, name))
        self._db.execute("INSERT INTO baseline_acceptances (baseline, run_id, previous_run_id, accepted_at, "
                         "accepted_by, reason) VALUES (?, ?, ?, ?, ?, ?)", (name, run_id, previous, _now(), by, reason))

    def _require_run(self, run_id: int) -> None:
        if self._db.execute("SELECT 1 FROM runs WHERE id = ?", (run_id,)).fetchone() is None:
            latest = self._db.execute("SELECT MAX(id) FROM runs").fetchone()[0]
            raise StoreError(f"{self.location}: no run {run_id} in the store"
                             + (f" (its runs are numbered up to {latest})" if latest else " (it holds no runs)"))

    def _baseline_names(self) -> str:
        names = [name for (name,) in self._db.execute("SELECT name FROM baselines ORDER BY name")]
        return (f"the baselines are: {', '.join(names)}" if names
                else "there are none yet (save one with `run --save-baseline NAME`)")

    def _baseline_row(self, name: str) -> tuple[Any, ...] | None:
        return self._db.execute("SELECT name, run_id, created_at, created_by, reason FROM baselines WHERE name = ?",
                                (name,)).fetchone()

    def _baseline(self, name: str) -> Baseline | None:
        row = self._baseline_row(name)
        if row is None:
            return None
        acceptances = tuple(Acceptance(*values) for values in self._db.execute(
            "SELECT run_id, previous_run_id, accepted_at, accepted_by, reason FROM baseline_acceptances "
            "WHERE baseline = ? ORDER BY id", (name,)))
        return Baseline(*row, acceptances=acceptances)

    @_reported
    def baseline(self, name: str) -> Baseline | None:
        return self._baseline(name)

    @_reported
    def baselines(self) -> list[Baseline]:
        return [self._baseline(name) for (name,) in  # type: ignore[misc]
                self._db.execute("SELECT name FROM baselines ORDER BY name").fetchall()]

    @_reported
    def delete_baseline(self, name: str) -> bool:
        with self._transaction():
            deleted = self._db.execute("DELETE FROM baselines WHERE name = ?", (name,)).rowcount
        return deleted > 0

    # -- housekeeping
    @_reported
    def delete_old_runs(self, keep: int, *, dry_run: bool = False) -> list[int]:
        if keep < 0:
            raise ValueError(f"keep {keep}: the number of runs to keep is 0 or more")
        with self._transaction():
            old = [run_id for (run_id,) in self._db.execute(
                "SELECT id FROM runs WHERE id NOT IN (SELECT id FROM runs ORDER BY id DESC LIMIT ?) "
                "AND id NOT IN (SELECT run_id FROM baselines) AND status != 'running' ORDER BY id", (keep,))]
            if not dry_run:
                # results, iterations and verdicts go with their run (ON DELETE CASCADE)
                self._db.executemany("DELETE FROM runs WHERE id = ?", [(run_id,) for run_id in old])
        if old and not dry_run and not self._db.in_transaction:  # VACUUM cannot run inside atomically()
            self._give_space_back()
        return old

    def _give_space_back(self, *, best_effort: bool = False) -> None:
        """Deleted rows leave free pages the file keeps; VACUUM rewrites it without them, and
        the checkpoint folds that into the file itself (in WAL mode the rewrite lands in the
        log first). ``best_effort``: left for later when other processes are at the store."""
        try:
            self._db.execute("VACUUM")
            self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        except sqlite3.OperationalError as error:
            if not best_effort or ("locked" not in str(error) and "busy" not in str(error)):
                raise

    # -- reading
    @_reported
    def runs(self) -> list[StoredRun]:
        return self._runs("")

    @_reported
    def run(self, run_id: int) -> StoredRun | None:
        return next(iter(self._runs("WHERE id = ?", (run_id,))), None)

    def _runs(self, where: str, args: tuple[Any, ...] = ()) -> list[StoredRun]:
        rows = self._db.execute("SELECT id, started_at, finished_at, status, perfbench_version, command, "
                                "git_commit, environment, config_hash, git_branch, git_dirty, host, host_id, source, "
                                f"noise FROM runs {where} ORDER BY id", args).fetchall()
        return [StoredRun(*row[:7], environment=json.loads(row[7]), config_hash=row[8], git_branch=row[9],
                          git_dirty=None if row[10] is None else bool(row[10]), host=json.loads(row[11]),
                          host_id=row[12], source=row[13], noise=json.loads(row[14])) for row in rows]

    @_reported
    def latest_run_id(self) -> int | None:
        return self._db.execute("SELECT MAX(id) FROM runs").fetchone()[0]

    @_reported
    def results(self, run_id: int) -> list[StoredResult]:
        return list(self._results("WHERE run_id = ? ORDER BY id", (run_id,)))

    @_reported
    def history(self, lane: str, benchmark: str, host_id: str | None = None) -> list[StoredResult]:
        if host_id is None:
            return list(self._results("WHERE lane = ? AND benchmark = ? ORDER BY run_id, id", (lane, benchmark)))
        return list(self._results("WHERE lane = ? AND benchmark = ? AND run_id IN (SELECT id FROM runs WHERE "
                                  "host_id = ?) ORDER BY run_id, id", (lane, benchmark, host_id)))

    @_reported
    def result_summaries(self, *, run_id: int | None = None, lane: str | None = None,
                         benchmark: str | None = None) -> list[ResultSummary]:
        conditions = [(column, value) for column, value in (("run_id", run_id), ("lane", lane),
                                                            ("benchmark", benchmark)) if value is not None]
        where = "WHERE " + " AND ".join(f"{column} = ?" for column, _ in conditions) if conditions else ""
        rows = self._db.execute("SELECT run_id, lane, benchmark, kind, failure_kind, measurement, stats, recorded_at "
                                f"FROM results {where} ORDER BY run_id, id", tuple(v for _, v in conditions))
        summaries = []
        for run_id_, lane_, benchmark_, kind, failure_kind, how, stats, recorded in rows:
            measured = json.loads(how) if how else None
            status = failure_kind or ("ok" if measured is not None else "interrupted")
            processes = len({segment[0] for segment in measured.get("segments") or []}) or 1 if measured else 0
            summaries.append(ResultSummary(run_id=run_id_, lane=lane_, benchmark=benchmark_, kind=kind, status=status,
                                           stats=SampleStats.from_dict(json.loads(stats)) if how and stats else None,
                                           processes=processes, recorded_at=recorded or ""))
        return summaries

    def _results(self, where: str, args: tuple[Any, ...]) -> Iterator[StoredResult]:
        query = ("SELECT id, run_id, lane, benchmark, kind, params, failure_kind, failure_message, failure_detail, "
                 "measurement, stats, metrics, sweep, baseline, labels, measurement_errors, recorded_at FROM results "
                 + where)
        for (result_id, run_id, lane, benchmark, kind, params, fkind, fmessage, fdetail, how, stats, metrics,
             sweep, baseline, labels, errors, recorded) in self._db.execute(query, args).fetchall():
            iterations = tuple(IterationRecord.from_dict(sample_encoding.unpack(json.loads(record), samples))
                               for record, samples in self._db.execute(
                                   "SELECT record, samples FROM iterations WHERE result_id = ? ORDER BY idx",
                                   (result_id,)))
            if how is None and fkind is None:
                fkind, fmessage = "interrupted", "did not finish"  # a row left 'running' by a killed run
            result = documents.result_from({
                "lane": lane, "benchmark": benchmark, "kind": kind, "params": json.loads(params),
                "failure": {"kind": fkind, "message": fmessage, "detail": fdetail or ""} if fkind else None,
                "measurement": json.loads(how) if how else None, "stats": json.loads(stats) if how else None,
                "metrics": json.loads(metrics), "sweep": json.loads(sweep),
                "baseline": json.loads(baseline) if baseline else None, "labels": json.loads(labels),
                "measurement_errors": json.loads(errors)}, iterations)
            yield StoredResult(run_id=run_id, result=result, recorded_at=recorded or "")

    @_reported
    def verdicts(self, run_id: int) -> list[Verdict]:
        rows = self._db.execute("SELECT verdict FROM sla_verdicts WHERE run_id = ? ORDER BY id", (run_id,))
        return [documents.verdict_from(json.loads(document)) for (document,) in rows]

    @_reported
    def close(self) -> None:
        self._db.close()
