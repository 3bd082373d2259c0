"""Schema 3: samples stored once (in the iterations), statistics and verdicts as JSON documents;
stores made by schema 1 and 2 open, migrate and lose nothing."""

from __future__ import annotations

import dataclasses
import json
import shutil
import sqlite3
from pathlib import Path

import numpy as np
import pytest

from perfbench.analysis.stats import SampleStats
from perfbench.model import Measurement
from perfbench.sla import Verdict, rule
from perfbench.store import open_store
from perfbench.store.sqlite_schema import SCHEMA_VERSION

from test_store import baseline_result, command_result, python_result, store_run, sweep_result

V1_STORE = Path(__file__).parent / "data" / "store_v1.db"  # made by tests/data/make_store_v1.py at schema 1
V2_STORE = Path(__file__).parent / "data" / "store_v2.db"  # made by tests/data/make_store_v2.py at schema 2


def _rows(db: sqlite3.Connection, table: str) -> list[dict]:
    db.row_factory = sqlite3.Row
    return [dict(row) for row in db.execute(f"SELECT * FROM {table} ORDER BY id")]


def _as_before(after: list[dict], before: list[dict]) -> list[dict]:
    """The rows after a migration with only the columns they had before (later schemas add some)."""
    return [{key: new[key] for key in old} for new, old in zip(after, before, strict=True)]


@pytest.fixture
def v1_store(tmp_path: Path) -> Path:
    path = tmp_path / "store_v1.db"
    shutil.copyfile(V1_STORE, path)
    return path


def test_the_v1_fixture_is_what_it_claims(v1_store: Path) -> None:
    with sqlite3.connect(v1_store) as db:
        assert db.execute("SELECT value FROM schema_info").fetchall() == [("1",)]
        assert db.execute("SELECT status, COUNT(*) FROM runs GROUP BY status ORDER BY status").fetchall() == [
            ("complete", 1), ("failed", 1), ("interrupted", 1), ("running", 1)]
        kinds = db.execute("SELECT kind, status, sweep != '[]', baseline IS NOT NULL FROM results").fetchall()
    assert ("command", "ok", 0, 0) in kinds and ("python", "failed", 0, 0) in kinds
    assert ("workload", "ok", 1, 0) in kinds and ("workload", "ok", 0, 1) in kinds
    assert ("command", "interrupted", 0, 0) in kinds and ("command", "running", 0, 0) in kinds


def test_a_v1_store_opens_migrates_and_loses_nothing(v1_store: Path) -> None:
    with sqlite3.connect(v1_store) as db:
        before = {table: _rows(db, table) for table in ("runs", "results", "iterations", "sla_verdicts")}
    with open_store(v1_store) as store:
        assert store.schema_version() == SCHEMA_VERSION
        runs = store.runs()
        results = {(s.run_id, s.result.benchmark): s.result for run in runs for s in store.results(run.id)}
        verdicts = [v for run in runs for v in store.verdicts(run.id)]
    with sqlite3.connect(v1_store) as db:
        after = {table: _rows(db, table) for table in ("runs", "results", "iterations", "sla_verdicts")}

    # every row is still there; runs are untouched, and so are the iterations but for the two
    # that the v1 result's sweep points and baseline (theirs) moved into
    assert {t: len(rows) for t, rows in after.items()} == {t: len(rows) for t, rows in before.items()}
    assert _as_before(after["runs"], before["runs"]) == before["runs"] and [r.id for r in runs] == [1, 2, 3, 4]
    moved = {old["id"]: (old, new) for old, new in zip(before["iterations"], after["iterations"], strict=True)
             if old != new}
    assert len(moved) == 2
    for old, new in moved.values():
        assert {k: v for k, v in new.items() if k != "record"} == {k: v for k, v in old.items() if k != "record"}
        old_record, new_record = json.loads(old["record"]), json.loads(new["record"])
        assert {k: new_record[k] for k in old_record if k != "measurement"} == {
            k: v for k, v in old_record.items() if k != "measurement"}
        assert new_record.get("sweep") or new_record.get("baseline")

    for old, new in zip(before["results"], after["results"], strict=True):
        unchanged = {k: v for k, v in old.items() if k not in ("measurement", "sweep", "baseline")}
        assert {k: new[k] for k in unchanged} == unchanged
        result = results[(old["run_id"], old["benchmark"])]
        assert result.counted_iterations == tuple(i for i in result.iterations if not i.warmup)
        if old["measurement"] is None:
            assert result.measurement is None and result.failure is not None
            continue
        # the pooled measurement comes back from the iterations, whole, with the v1 statistics
        whole = json.loads(old["measurement"])
        assert '"samples_ns"' not in new["measurement"]
        whole_samples = np.asarray(whole.pop("samples_ns"))
        assert np.array_equal(result.measurement.samples_ns, whole_samples)
        segments = [[i.process, i.measurement.samples_ns.size if i.measurement else 1]
                    for i in result.counted_iterations if i.ok]  # v1 kept them in the iterations only
        assert result.measurement.to_dict() == {**whole, "samples_ns": whole_samples.tolist(), "segments": segments}
        stats = result.measurement.stats
        assert (stats.n, stats.mean, stats.median, stats.p99) == (old["n"], old["mean"], old["median"], old["p99"])
        # its intervals as this version computes them for the v1 measurement
        assert stats == Measurement.from_dict({**whole, "samples_ns": whole_samples, "segments": segments}).stats
        for point, old_point in zip(result.sweep, json.loads(old["sweep"]), strict=True):
            assert point.value == old_point["value"]
            assert point.measurement.samples_ns.tolist() == old_point["measurement"]["samples_ns"]
            assert point.measurement.to_dict() == {"segments": point.measurement.to_dict()["segments"],
                                                   **old_point["measurement"]}
        if result.sweep:  # the result's measurement is the largest size's
            assert np.array_equal(result.measurement.samples_ns, result.sweep[-1].measurement.samples_ns)
        if old["baseline"]:
            assert result.baseline.to_dict() == {"segments": result.baseline.to_dict()["segments"],
                                                 **json.loads(old["baseline"])}
        assert [m.to_dict() for m in result.metrics] == json.loads(old["metrics"])
        assert dict(result.labels) == json.loads(old["labels"])
    assert results[(4, "slow")].failure.message == "did not finish"  # left 'running' by a killed run

    fields = ("rule", "benchmark", "expression", "metric", "measured", "unit", "status", "severity", "message")
    assert verdicts == [Verdict(*(row[f] for f in fields), limit=row["limit_value"]) for row in before["sla_verdicts"]]
    points = [p for row in after["results"] for p in json.loads(row["sweep"])]
    assert points and all("stats" in p and "samples_ns" not in p["measurement"] for p in points)
    assert sum(1 for row in after["results"] if row["baseline"] and "samples_ns" not in row["baseline"]) == 1

    with open_store(v1_store) as store:  # opened again: nothing left to migrate
        assert store.schema_version() == SCHEMA_VERSION and len(store.runs()) == 4


def test_a_v2_store_opens_migrates_and_loses_nothing(tmp_path: Path) -> None:
    path = tmp_path / "store_v2.db"
    shutil.copyfile(V2_STORE, path)
    error = {"check": "max-below-average", "figures": ["cpu_max", "cpu_avg"], "message": "cpu_max below cpu_avg"}
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT value FROM schema_info").fetchall() == [("2",)]
        db.execute("UPDATE results SET measurement_errors = ? WHERE benchmark = 'plain'", (json.dumps([error]),))
        before = {table: _rows(db, table) for table in ("runs", "results", "iterations", "sla_verdicts")}
    db.close()
    with open_store(path) as store:
        assert store.schema_version() == SCHEMA_VERSION
        results = {s.result.benchmark: s.result for run in store.runs() for s in store.results(run.id)}
    with sqlite3.connect(path) as db:
        after = {table: _rows(db, table) for table in ("runs", "results", "iterations", "sla_verdicts")}
    db.close()

    # the iterations already carry their sweep points and baseline (and every sample): untouched
    assert _as_before(after["runs"], before["runs"]) == before["runs"] and after["iterations"] == before["iterations"]
    assert len(after["sla_verdicts"]) == len(before["sla_verdicts"]) == 2
    assert [m.to_dict() for m in results["plain"].measurement_errors] == [error]
    sweep, telemetry = results["summing"], results["workflow.telemetry_overhead"]
    assert len(sweep.counted_iterations) == 2 and {i.process for i in sweep.iterations} == {0, 1}
    for old in before["results"]:
        result = results[old["benchmark"]]
        whole = json.loads(old["measurement"])
        assert result.measurement.to_dict() == whole  # samples pooled from the iterations again
        assert result.measurement.stats == Measurement.from_dict(whole).stats
        assert [(p.value, p.measurement.to_dict()) for p in result.sweep] == [
            (p["value"], p["measurement"]) for p in json.loads(old["sweep"])]
        assert (result.baseline.to_dict() if result.baseline else None) == (
            json.loads(old["baseline"]) if old["baseline"] else None)
    assert len(sweep.sweep) == 3 and telemetry.baseline is not None
    assert all("samples_ns" not in row["measurement"] + row["sweep"] + (row["baseline"] or "")
               for row in after["results"])


def test_a_result_keeps_statistics_and_iterations_keep_the_samples(tmp_path: Path) -> None:
    written = [python_result(), command_result()]
    with open_store(tmp_path / "s.db") as store:
        store_run(store, *written)
    with sqlite3.connect(tmp_path / "s.db") as db:
        rows = db.execute("SELECT measurement, stats FROM results ORDER BY id").fetchall()
        verdicts = [json.loads(v) for (v,) in db.execute("SELECT verdict FROM sla_verdicts ORDER BY id")]
    for (how, stats), (_, _, result) in zip(rows, written, strict=True):
        assert "samples_ns" not in json.loads(how)
        assert json.loads(stats) == result.measurement.stats.to_dict()  # every field, as statistics have them
    assert verdicts == [rule("median < 1s").evaluate(r).to_dict() for _, _, r in written]


def test_reading_hands_back_the_stored_statistics_without_computing_them(tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    from perfbench import model

    written = [python_result(), sweep_result(), baseline_result()]
    with open_store(tmp_path / "s.db") as store:
        run_id = store_run(store, *written)

    def no_bootstrap(*_: object) -> SampleStats:
        raise AssertionError("statistics recomputed on reading")

    monkeypatch.setattr(model, "summarize", no_bootstrap)
    with open_store(tmp_path / "s.db") as store:
        read = [stored.result for stored in store.results(run_id)]
    for result, (_, _, expected) in zip(read, written, strict=True):
        assert result.measurement.stats == expected.measurement.stats
        assert [p.measurement.stats for p in result.sweep] == [p.measurement.stats for p in expected.sweep]
        assert (result.baseline and result.baseline.stats) == (expected.baseline and expected.baseline.stats)


def test_a_measurement_its_iterations_do_not_give_back_is_refused(tmp_path: Path) -> None:
    definition, records, result = python_result()
    other = Measurement(samples_ns=[1.0, 2.0], iterations_per_sample=1, overhead_ns=0.0, overhead_subtracted=False,
                        clock="steady_clock", ticks_per_ns=1.0)
    with open_store(tmp_path / "s.db") as store:
        run_id = store.begin_run({}, "test")
        result_id = store.begin_result(run_id, "l", "b", "python", {})
        with pytest.raises(ValueError, match="keeps samples once"):
            store.finish_result(result_id, dataclasses.replace(result, measurement=other))


def test_a_migration_that_would_lose_samples_leaves_the_store_as_it_was(v1_store: Path) -> None:
    from perfbench.errors import StoreError

    with sqlite3.connect(v1_store) as db:
        (result_id, measurement) = db.execute(
            "SELECT id, measurement FROM results WHERE benchmark = 'sort_1k'").fetchone()
        whole = json.loads(measurement)
        whole["samples_ns"][0] += 1.0  # samples its iterations do not give back
        db.execute("UPDATE results SET measurement = ? WHERE id = ?", (json.dumps(whole), result_id))
    db.close()
    before = v1_store.read_bytes()
    with pytest.raises(StoreError, match=rf"cannot migrate schema version 1 to {SCHEMA_VERSION}; the store is left "
                                         r"as it was: result \d+ \(core/sort_1k\)"):
        open_store(v1_store)
    with sqlite3.connect(v1_store) as db:
        assert db.execute("SELECT value FROM schema_info").fetchall() == [("1",)]
        assert "stats" not in [column[1] for column in db.execute("PRAGMA table_info(results)")]
        assert db.execute("SELECT measurement FROM results WHERE id = ?", (result_id,)).fetchone() == (
            json.dumps(whole),)
    db.close()
    assert len(v1_store.read_bytes()) == len(before)


V3_STORE = Path(__file__).parent / "data" / "store_v3.db"  # made by tests/data/make_store_v3.py at schema 3
TABLES = ("runs", "results", "iterations", "sla_verdicts")


def test_the_v3_fixture_is_what_it_claims(tmp_path: Path) -> None:
    with sqlite3.connect(V3_STORE) as db:
        assert db.execute("SELECT value FROM schema_info").fetchall() == [("3",)]
        assert db.execute("SELECT status, COUNT(*) FROM runs GROUP BY status ORDER BY status").fetchall() == [
            ("complete", 1), ("failed", 1), ("interrupted", 1), ("running", 1)]
        kinds = set(db.execute("SELECT kind, status, sweep != '[]', baseline IS NOT NULL FROM results").fetchall())
        counts = [db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0] for table in TABLES]
    db.close()
    assert {("python", "ok", 1, 0), ("python", "failed", 0, 0), ("command", "ok", 0, 0), ("workload", "ok", 0, 1),
            ("command", "interrupted", 0, 0), ("command", "running", 0, 0)} <= kinds
    assert counts == [4, 7, 19, 4]


def test_a_v3_store_opens_migrates_and_loses_nothing(tmp_path: Path) -> None:
    path = tmp_path / "store_v3.db"
    shutil.copyfile(V3_STORE, path)
    with sqlite3.connect(path) as db:
        before = {table: _rows(db, table) for table in TABLES}
    db.close()
    with open_store(path) as store:
        assert store.schema_version() == SCHEMA_VERSION
        runs = store.runs()
        results = {(s.run_id, s.result.benchmark): s.result for run in runs for s in store.results(run.id)}
        verdicts = [v for run in runs for v in store.verdicts(run.id)]
        assert store.baselines() == []
    with sqlite3.connect(path) as db:
        after = {table: _rows(db, table) for table in TABLES}
    db.close()

    # every row of every table, every value as it was; the runs gain their metadata columns
    assert {table: after[table] for table in TABLES[1:]} == {table: before[table] for table in TABLES[1:]}
    assert _as_before(after["runs"], before["runs"]) == before["runs"]
    assert len(results) == 7 and len(verdicts) == 4
    for row in before["results"]:
        result = results[(row["run_id"], row["benchmark"])]
        assert (result.measurement.stats.median if result.measurement else None) == row["median"]
        assert len(result.iterations) == sum(1 for i in before["iterations"] if i["result_id"] == row["id"])

    # what a schema 3 run recorded of its machine gives it the host a new run there gets
    from perfbench.resources.host_fingerprint import host_fingerprint, host_id

    for run, row in zip(runs, before["runs"], strict=True):
        environment = json.loads(row["environment"])
        assert run.host == host_fingerprint(environment) and run.host_id == host_id(run.host)
        assert run.host["cpu_model"] == environment["cpu"]["model"] and len(run.host_id) == 12
        assert (run.git_commit, run.git_dirty, run.git_branch) == (None, None, None)  # made outside a checkout
        assert (run.config_hash, run.source, dict(run.noise)) == (None, "perfbench", {})
    assert len({run.host_id for run in runs}) == 1  # one machine made them all

    with open_store(path) as store:  # opened again: nothing left to migrate
        assert store.schema_version() == SCHEMA_VERSION and len(store.runs()) == 4


def test_a_schema_3_run_keeps_its_git_state(tmp_path: Path) -> None:
    path = tmp_path / "store_v3.db"
    shutil.copyfile(V3_STORE, path)
    with sqlite3.connect(path) as db:
        db.execute("UPDATE runs SET git_commit = 'abc123', environment = json_set(environment, '$.git', "
                   "json('{\"commit\": \"abc123\", \"dirty\": true}')) WHERE id = 2")
        db.execute("UPDATE runs SET environment = '{}' WHERE id = 3")  # nothing recorded of the machine
    db.close()
    with open_store(path) as store:
        second, third = store.run(2), store.run(3)
    assert (second.git_commit, second.git_dirty) == ("abc123", True)
    assert (dict(third.host), third.host_id) == ({}, None)
