"""The embedded SQLite result store (``.perfbench/results.db`` by default).

One row per run; one row per benchmark, opened when it starts (status 'running'); one row
per iteration, committed the moment it finishes, so that a crash or Ctrl-C loses nothing
already measured; the benchmark's row is completed (or marked 'interrupted') at its end.
Summary statistics are columns (for SQL queries); the full measurement, raw samples
included, is a JSON document.

Schema history (``schema_info.schema_version``); each step is a migration below:
  1  runs, results (with metrics, sweep points, baseline, labels), iterations, sla_verdicts
  2  results.measurement_errors: figures found impossible when the result was made
"""

from __future__ import annotations

import dataclasses
import datetime
import json
import sqlite3
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from perfbench.errors import StoreError
from perfbench.model import (BenchmarkResult, Failure, IterationRecord, Measurement, MeasurementError, Metric,
                             SweepPoint)
from perfbench.sla import Verdict
from perfbench.store.interface import ResultStore, StoredResult, StoredRun

SCHEMA_VERSION = 2

_MIGRATIONS: dict[int, str] = {
    1: """
    CREATE TABLE runs (
        id INTEGER PRIMARY KEY,
        started_at TEXT NOT NULL,
        finished_at TEXT,
        status TEXT NOT NULL,               -- running | complete | failed | interrupted
        perfbench_version TEXT NOT NULL,
        command TEXT NOT NULL,
        git_commit TEXT,
        environment TEXT NOT NULL           -- JSON
    );
    CREATE TABLE results (
        id INTEGER PRIMARY KEY,
        run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        lane TEXT NOT NULL,
        benchmark TEXT NOT NULL,
        kind TEXT NOT NULL,
        params TEXT NOT NULL,               -- JSON
        status TEXT NOT NULL,               -- running | ok | failed | interrupted
        failure_kind TEXT,
        failure_message TEXT,
        failure_detail TEXT,
        unit TEXT NOT NULL DEFAULT 'ns',
        n INTEGER, mean REAL, median REAL, stdev REAL, min REAL, max REAL,
        p90 REAL, p95 REAL, p99 REAL, p999 REAL, mad REAL, cv REAL, ci_low REAL, ci_high REAL,
        measurement TEXT,                   -- JSON, raw samples included
        metrics TEXT NOT NULL DEFAULT '[]', -- JSON [{name, value, unit}]
        sweep TEXT NOT NULL DEFAULT '[]',   -- JSON [{value, measurement}]
        baseline TEXT,                      -- JSON measurement compared side by side
        labels TEXT NOT NULL DEFAULT '{}',  -- JSON {name: text}, e.g. big_o
        started_at TEXT NOT NULL,
        recorded_at TEXT,
        UNIQUE (run_id, lane, benchmark)
    );
    CREATE INDEX results_by_benchmark ON results (lane, benchmark);
    CREATE TABLE iterations (
        id INTEGER PRIMARY KEY,
        result_id INTEGER NOT NULL REFERENCES results(id) ON DELETE CASCADE,
        idx INTEGER NOT NULL,
        warmup INTEGER NOT NULL,
        status TEXT NOT NULL,               -- ok | failed
        wall_ns REAL,
        failure_kind TEXT,
        record TEXT NOT NULL,               -- JSON IterationRecord, resource time series included
        recorded_at TEXT NOT NULL,
        UNIQUE (result_id, idx)
    );
    CREATE TABLE sla_verdicts (
        id INTEGER PRIMARY KEY,
        run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        benchmark TEXT NOT NULL,            -- lane/benchmark
        rule TEXT NOT NULL,
        expression TEXT NOT NULL,
        metric TEXT NOT NULL,
        measured REAL,
        unit TEXT,
        status TEXT NOT NULL,               -- pass | violated | insufficient | not-evaluated | invalid
        severity TEXT,
        message TEXT NOT NULL,
        limit_value REAL
    );
    """,
    2: """
    ALTER TABLE results ADD COLUMN measurement_errors TEXT NOT NULL DEFAULT '[]';  -- JSON [{check, figures, message}]
    """,
}


def _now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="milliseconds")


class SqliteStore(ResultStore):
    @staticmethod
    def open(path: Path, location: str, *, create: bool = True) -> SqliteStore:
        if not create and not path.exists():
            raise StoreError(f"{location}: no result store here; run `python -m perfbench run` first "
                             "or pass --store PATH")
        return SqliteStore(path, location)

    def __init__(self, path: Path, location: str) -> None:
        self.path = path
        self._location = location
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.path, isolation_level=None)  # explicit transactions
            self._db.execute("PRAGMA foreign_keys = ON")
            self._db.execute("PRAGMA journal_mode = WAL")
            self._migrate()
        except sqlite3.DatabaseError as error:
            raise StoreError(f"{self.path}: not a usable perfbench SQLite store ({error})") from None
        except OSError as error:
            raise StoreError(f"{self.path}: cannot open the store ({error.strerror})") from None

    @property
    def location(self) -> str:
        return self._location

    # -- schema
    def _migrate(self) -> None:
        self._db.execute("CREATE TABLE IF NOT EXISTS schema_info (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        row = self._db.execute("SELECT value FROM schema_info WHERE key = 'schema_version'").fetchone()
        version = int(row[0]) if row else 0
        if version > SCHEMA_VERSION:
            raise StoreError(f"{self.path}: schema version {version} is newer than this perfbench understands "
                             f"({SCHEMA_VERSION}); upgrade perfbench")
        for target in range(version + 1, SCHEMA_VERSION + 1):
            # executescript() commits any open transaction first, so each migration carries
            # its own BEGIN/COMMIT: a failure part-way leaves the previous version intact.
            try:
                self._db.executescript(
                    "BEGIN IMMEDIATE;" + _MIGRATIONS[target] +
                    f"INSERT OR REPLACE INTO schema_info VALUES ('schema_version', '{target}'); COMMIT;")
            except sqlite3.Error:
                if self._db.in_transaction:
                    self._db.execute("ROLLBACK")
                raise

    def schema_version(self) -> int:
        return int(self._db.execute("SELECT value FROM schema_info WHERE key = 'schema_version'").fetchone()[0])

    class _Transaction:
        def __init__(self, db: sqlite3.Connection) -> None:
            self.db = db

        def __enter__(self) -> None:
            self.db.execute("BEGIN IMMEDIATE")

        def __exit__(self, exc_type: object, *_: object) -> None:
            self.db.execute("ROLLBACK" if exc_type else "COMMIT")

    def _transaction(self) -> SqliteStore._Transaction:
        return SqliteStore._Transaction(self._db)

    # -- writing
    def begin_run(self, environment: dict[str, Any], command: str) -> int:
        git = environment.get("git") or {}
        with self._transaction():
            cursor = self._db.execute(
                "INSERT INTO runs (started_at, status, perfbench_version, command, git_commit, environment) "
                "VALUES (?, 'running', ?, ?, ?, ?)",
                (_now(), environment.get("perfbench_version", "unknown"), command, git.get("commit"),
                 json.dumps(environment)))
        return int(cursor.lastrowid)

    def begin_result(self, run_id: int, lane: str, benchmark: str, kind: str, params: dict[str, Any]) -> int:
        with self._transaction():
            cursor = self._db.execute(
                "INSERT INTO results (run_id, lane, benchmark, kind, params, status, started_at) "
                "VALUES (?, ?, ?, ?, ?, 'running', ?)", (run_id, lane, benchmark, kind, json.dumps(params), _now()))
        return int(cursor.lastrowid)

    def add_iteration(self, result_id: int, record: IterationRecord) -> None:
        with self._transaction():
            self._insert_iteration(result_id, record)

    def _insert_iteration(self, result_id: int, record: IterationRecord) -> None:
        self._db.execute(
            "INSERT INTO iterations (result_id, idx, warmup, status, wall_ns, failure_kind, record, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (result_id, record.index, int(record.warmup), "ok" if record.ok else "failed", record.wall_ns,
             record.failure.kind if record.failure else None, json.dumps(record.to_dict()), _now()))

    def finish_result(self, result_id: int, result: BenchmarkResult) -> None:
        m, f = result.measurement, result.failure
        stats = m.stats if m else None
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
                "mad = ?, cv = ?, ci_low = ?, ci_high = ?, measurement = ?, metrics = ?, sweep = ?, baseline = ?, "
                "labels = ?, measurement_errors = ?, recorded_at = ? WHERE id = ?",
                (status, f.kind if f else None, f.message if f else None, f.detail if f else None,
                 *((stats.n, stats.mean, stats.median, stats.stdev, stats.min, stats.max, stats.p90,
                    stats.p95, stats.p99, stats.p999, stats.mad, stats.cv, stats.ci_low, stats.ci_high)
                   if stats else (None,) * 14),
                 json.dumps(m.to_dict()) if m else None,
                 json.dumps([metric.to_dict() for metric in result.metrics]),
                 json.dumps([point.to_dict() for point in result.sweep]),
                 json.dumps(result.baseline.to_dict()) if result.baseline else None,
                 json.dumps(dict(result.labels)),
                 json.dumps([error.to_dict() for error in result.measurement_errors]), _now(), result_id))

    def add_verdicts(self, run_id: int, verdicts: Sequence[Verdict]) -> None:
        with self._transaction():
            self._db.executemany(
                "INSERT INTO sla_verdicts (run_id, benchmark, rule, expression, metric, measured, unit, status, "
                "severity, message, limit_value) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [(run_id, v.benchmark, v.rule, v.expression, v.metric, v.measured, v.unit, v.status, v.severity,
                  v.message, v.limit) for v in verdicts])

    def verdicts(self, run_id: int) -> list[Verdict]:
        rows = self._db.execute("SELECT rule, benchmark, expression, metric, measured, unit, status, severity, "
                                "message, limit_value FROM sla_verdicts WHERE run_id = ? ORDER BY id",
                                (run_id,)).fetchall()
        return [Verdict(*row) for row in rows]

    def finish_run(self, run_id: int, status: str) -> None:
        with self._transaction():
            self._db.execute("UPDATE runs SET finished_at = ?, status = ? WHERE id = ?", (_now(), status, run_id))

    # -- reading
    def runs(self) -> list[StoredRun]:
        rows = self._db.execute("SELECT id, started_at, finished_at, status, perfbench_version, command, "
                                "git_commit, environment FROM runs ORDER BY id").fetchall()
        return [StoredRun(*row[:7], environment=json.loads(row[7])) for row in rows]

    def latest_run_id(self) -> int | None:
        row = self._db.execute("SELECT MAX(id) FROM runs").fetchone()
        return row[0]

    def results(self, run_id: int) -> list[StoredResult]:
        return list(self._iter_results("WHERE run_id = ? ORDER BY id", (run_id,)))

    def run(self, run_id: int) -> StoredRun | None:
        return next((run for run in self.runs() if run.id == run_id), None)

    def history(self, lane: str, benchmark: str) -> list[StoredResult]:
        return list(self._iter_results("WHERE lane = ? AND benchmark = ? ORDER BY run_id, id", (lane, benchmark)))

    def _iter_results(self, where: str, args: tuple[Any, ...]) -> Iterator[StoredResult]:
        query = ("SELECT id, run_id, lane, benchmark, kind, params, failure_kind, failure_message, failure_detail, "
                 "measurement, metrics, sweep, baseline, labels, measurement_errors, recorded_at FROM results " + where)
        for (result_id, run_id, lane, benchmark, kind, params, fkind, fmessage, fdetail, measurement, metrics,
             sweep, baseline, labels, errors, recorded) in self._db.execute(query, args).fetchall():
            iterations = tuple(IterationRecord.from_dict(json.loads(row[0])) for row in self._db.execute(
                "SELECT record FROM iterations WHERE result_id = ? ORDER BY idx", (result_id,)))
            if measurement is None and fkind is None:
                fkind, fmessage = "interrupted", "did not finish"  # a row left 'running' by a killed run
            result = BenchmarkResult(
                lane=lane, benchmark=benchmark, kind=kind, params=json.loads(params),
                measurement=Measurement.from_dict(json.loads(measurement)) if measurement else None,
                failure=Failure(fkind, fmessage, fdetail or "") if fkind else None,
                metrics=tuple(Metric(**m) for m in json.loads(metrics)),
                sweep=tuple(SweepPoint.from_dict(p) for p in json.loads(sweep)),
                baseline=Measurement.from_dict(json.loads(baseline)) if baseline else None,
                labels=json.loads(labels), iterations=iterations,
                measurement_errors=tuple(MeasurementError.from_dict(e) for e in json.loads(errors)))
            yield StoredResult(run_id=run_id, result=result, recorded_at=recorded or "")

    def close(self) -> None:
        self._db.close()
