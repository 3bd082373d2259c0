"""The SQLite store's layout, and its history as forward migrations.

Schema history (``schema_info.schema_version``); each version is a migration from the one
before, and a new store is made by running all of them on an empty database, so that the
way from an old store is the way every new store goes:

  1  runs; results (statistics as columns, the pooled measurement as JSON with its samples,
     metrics, sweep points, baseline, labels); iterations (each IterationRecord as JSON,
     samples included); sla_verdicts (one column per field).
  2  results.measurement_errors: figures found impossible when the result was made.
  3  Samples stored once, in the iterations: results.measurement keeps how the measurement
     was taken without its samples, and results.stats its statistics as a JSON document
     (SampleStats.to_dict()); results.sweep and results.baseline keep the same for each
     pooled sweep point and the pooled baseline. sla_verdicts.verdict holds every field of
     each verdict as a JSON document (the columns stay, for queries). Sweep points and
     baselines are the iterations' (IterationRecord format 2) and pooled from them; where
     the iterations do not carry them yet (records of format 1), the result's, which were
     its last counted iteration's, move into that iteration's record. A measurement without
     segments (which process took which samples) gets those its iterations record, and
     every measurement statistics computed by this version.
  4  Run metadata and baselines. runs gains config_hash, git_branch, git_dirty, host (the
     host fingerprint, JSON), host_id, source (the tool that made the run) and noise (JSON:
     what made its numbers noisy). A run from before is given what its recorded environment
     says: git_dirty from its git state, host and host_id derived from it the way a new run's
     are (resources/host_fingerprint.py), so that history groups old and new runs of one
     machine together; its config hash and branch were never recorded and stay NULL.
     baselines (a name -> a run) and baseline_acceptances (every move of one: who, when,
     why); runs_by_host for history on one host.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from typing import Any

import numpy as np

from perfbench.model import IterationRecord, Measurement
from perfbench.resources.host_fingerprint import describes_a_host, host_fingerprint, host_id
from perfbench.store.documents import baseline_samples, sweep_samples, target_samples

SCHEMA_VERSION = 4


class MigrationError(Exception):
    """A row a migration cannot carry forward without losing something."""


_V1 = (
    """CREATE TABLE runs (
        id INTEGER PRIMARY KEY,
        started_at TEXT NOT NULL,
        finished_at TEXT,
        status TEXT NOT NULL,               -- running | complete | failed | interrupted
        perfbench_version TEXT NOT NULL,
        command TEXT NOT NULL,
        git_commit TEXT,
        environment TEXT NOT NULL           -- JSON
    )""",
    """CREATE TABLE results (
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
        measurement TEXT,                   -- JSON (from v3: without the samples, which are the iterations')
        metrics TEXT NOT NULL DEFAULT '[]', -- JSON [{name, value, unit}]
        sweep TEXT NOT NULL DEFAULT '[]',   -- JSON [{value, measurement}]
        baseline TEXT,                      -- JSON measurement compared side by side
        labels TEXT NOT NULL DEFAULT '{}',  -- JSON {name: text}, e.g. big_o
        started_at TEXT NOT NULL,
        recorded_at TEXT,
        UNIQUE (run_id, lane, benchmark)
    )""",
    "CREATE INDEX results_by_benchmark ON results (lane, benchmark)",
    """CREATE TABLE iterations (
        id INTEGER PRIMARY KEY,
        result_id INTEGER NOT NULL REFERENCES results(id) ON DELETE CASCADE,
        idx INTEGER NOT NULL,
        warmup INTEGER NOT NULL,
        status TEXT NOT NULL,               -- ok | failed
        wall_ns REAL,
        failure_kind TEXT,
        record TEXT NOT NULL,               -- JSON IterationRecord, samples and resource time series included
        recorded_at TEXT NOT NULL,
        UNIQUE (result_id, idx)
    )""",
    """CREATE TABLE sla_verdicts (
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
    )""",
)


def _version_1(db: sqlite3.Connection) -> None:
    for statement in _V1:
        db.execute(statement)


def _summary(whole: dict[str, Any], segments: list[list[int]]) -> dict[str, Any]:
    """A pooled measurement document (samples included) as schema 3 keeps it: without its
    samples, with ``segments`` (which process took which samples; older documents left that
    to the iterations) where it has none, and with statistics computed by this version."""
    whole = {"segments": segments, **whole}
    document = {k: v for k, v in whole.items() if k != "samples_ns"}
    return {"measurement": document, "stats": Measurement.from_dict(whole).stats.to_dict()}


def _same(samples: list[float], pooled: np.ndarray, where: str) -> None:
    if not np.array_equal(np.asarray(samples, dtype=np.float64), pooled):
        raise MigrationError(f"{where}: its samples are not those of its iterations, so they cannot be stored once")


def _move_into_last_iteration(db: sqlite3.Connection, records: dict[int, dict[str, Any]], points: list[Any],
                              baseline: dict[str, Any] | None, where: str) -> None:
    """Before iterations carried them (IterationRecord format 1), a result kept the sweep
    points and baseline of its last counted iteration only, in the result row: they go back
    into that iteration's record, where schema 3 keeps them."""
    last = next((row_id for row_id, record in reversed(records.items())
                 if not record["warmup"] and record["failure"] is None), None)
    if last is None:
        raise MigrationError(f"{where}: a sweep or baseline without the iteration it came from")
    record = records[last]
    if points:
        largest = points[-1]["measurement"]["samples_ns"]
        if record["measurement"] is None or record["measurement"]["samples_ns"] != largest:
            raise MigrationError(f"{where}: its last iteration's samples are not its largest sweep point's")
        record.update(measurement=None, sweep=points)  # format 2: the measurement is the largest point, once
    if baseline:
        record["baseline"] = baseline
    db.execute("UPDATE iterations SET record = ? WHERE id = ?", (json.dumps(record), last))


def _carry_result_forward(db: sqlite3.Connection, result_id: int, where: str, measurement: str | None,
                          sweep: str, baseline: str | None) -> None:
    records = {row_id: json.loads(record) for row_id, record in db.execute(
        "SELECT id, record FROM iterations WHERE result_id = ? ORDER BY idx", (result_id,))}
    points, base = json.loads(sweep), json.loads(baseline) if baseline else None
    if (points or base) and not any(record.get("sweep") or record.get("baseline") for record in records.values()):
        _move_into_last_iteration(db, records, points, base, where)
    iterations = [IterationRecord.from_dict(record) for record in records.values()]
    counted = [r for r in iterations if r.ok and not r.warmup]
    target = None
    if measurement is not None:
        whole = json.loads(measurement)
        _same(whole["samples_ns"], target_samples(iterations), where)
        target = _summary(whole, [[r.process, _count(r)] for r in counted])
    for point in points:
        _same(point["measurement"]["samples_ns"], sweep_samples(iterations, point["value"]), f"{where}, a sweep point")
    if base:
        _same(base["samples_ns"], baseline_samples(iterations), f"{where}, its baseline")

    def one_iteration(whole: dict[str, Any]) -> dict[str, Any]:  # records of format 1: the last iteration's
        return _summary(whole, [[counted[-1].process, len(whole["samples_ns"])]])

    db.execute("UPDATE results SET measurement = ?, stats = ?, sweep = ?, baseline = ? WHERE id = ?",
               (json.dumps(target["measurement"]) if target else None, json.dumps(target["stats"]) if target else None,
                json.dumps([{"value": p["value"], **one_iteration(p["measurement"])} for p in points]),
                json.dumps(one_iteration(base)) if base else None, result_id))


def _count(record: IterationRecord) -> int:
    return record.measurement.samples_ns.size if record.measurement is not None else 1


def _version_2(db: sqlite3.Connection) -> None:
    db.execute("ALTER TABLE results ADD COLUMN measurement_errors TEXT NOT NULL DEFAULT '[]'")  # JSON [{check, ...}]


def _version_3(db: sqlite3.Connection) -> None:
    db.execute("ALTER TABLE results ADD COLUMN stats TEXT")  # JSON SampleStats.to_dict()
    db.execute("ALTER TABLE sla_verdicts ADD COLUMN verdict TEXT")  # JSON, every field of the Verdict
    for result_id, key, measurement, sweep, baseline in db.execute(
            "SELECT id, lane || '/' || benchmark, measurement, sweep, baseline FROM results").fetchall():
        _carry_result_forward(db, result_id, f"result {result_id} ({key})", measurement, sweep, baseline)
    fields = ("rule", "benchmark", "expression", "metric", "measured", "unit", "status", "severity", "message")
    for verdict_id, *values, limit in db.execute(
            f"SELECT id, {', '.join(fields)}, limit_value FROM sla_verdicts").fetchall():
        db.execute("UPDATE sla_verdicts SET verdict = ? WHERE id = ?",
                   (json.dumps({**dict(zip(fields, values)), "limit": limit}), verdict_id))


_V4 = (
    "ALTER TABLE runs ADD COLUMN config_hash TEXT",
    "ALTER TABLE runs ADD COLUMN git_branch TEXT",
    "ALTER TABLE runs ADD COLUMN git_dirty INTEGER",
    "ALTER TABLE runs ADD COLUMN host TEXT NOT NULL DEFAULT '{}'",  # JSON host fingerprint
    "ALTER TABLE runs ADD COLUMN host_id TEXT",
    "ALTER TABLE runs ADD COLUMN source TEXT NOT NULL DEFAULT 'perfbench'",
    "ALTER TABLE runs ADD COLUMN noise TEXT NOT NULL DEFAULT '{}'",  # JSON
    "CREATE INDEX runs_by_host ON runs (host_id, id)",
    # A baseline's run cannot be deleted while it points there (no ON DELETE: the delete fails).
    """CREATE TABLE baselines (
        name TEXT PRIMARY KEY,
        run_id INTEGER NOT NULL REFERENCES runs(id),
        created_at TEXT NOT NULL,
        created_by TEXT NOT NULL,
        reason TEXT NOT NULL DEFAULT ''
    )""",
    "CREATE INDEX baselines_by_run ON baselines (run_id)",
    # The runs are ids, not references: a baseline's history outlives the runs it left.
    """CREATE TABLE baseline_acceptances (
        id INTEGER PRIMARY KEY,
        baseline TEXT NOT NULL REFERENCES baselines(name) ON DELETE CASCADE,
        run_id INTEGER NOT NULL,
        previous_run_id INTEGER NOT NULL,
        accepted_at TEXT NOT NULL,
        accepted_by TEXT NOT NULL,
        reason TEXT NOT NULL
    )""",
    "CREATE INDEX acceptances_by_baseline ON baseline_acceptances (baseline, id)",
)


def _version_4(db: sqlite3.Connection) -> None:
    for statement in _V4:
        db.execute(statement)
    for run_id, environment in db.execute("SELECT id, environment FROM runs").fetchall():
        recorded = json.loads(environment)
        dirty = (recorded.get("git") or {}).get("dirty")
        host = host_fingerprint(recorded) if describes_a_host(recorded) else None
        db.execute("UPDATE runs SET git_dirty = ?, host = ?, host_id = ? WHERE id = ?",
                   (None if dirty is None else int(dirty), json.dumps(host or {}), host and host_id(host), run_id))


# version -> the migration that makes it from the version before
MIGRATIONS: dict[int, Callable[[sqlite3.Connection], None]] = {1: _version_1, 2: _version_2, 3: _version_3,
                                                               4: _version_4}
assert sorted(MIGRATIONS) == list(range(1, SCHEMA_VERSION + 1))


def migrate(db: sqlite3.Connection, version: int) -> None:
    """From ``version`` (0: an empty database) to SCHEMA_VERSION, inside the caller's
    transaction: a failure part-way leaves the store as it was."""
    for target in range(version + 1, SCHEMA_VERSION + 1):
        MIGRATIONS[target](db)
    db.execute("CREATE TABLE IF NOT EXISTS schema_info (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    db.execute("INSERT OR REPLACE INTO schema_info VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
