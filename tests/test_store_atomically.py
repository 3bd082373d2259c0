"""Writes made after the fact: ``atomically()`` commits a whole run or nothing, and a run
recorded after the fact keeps the times it was made at (real SQLite files)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from perfbench.errors import StoreError
from perfbench.store import open_store
from test_store import python_result, store_run


def row_counts(path: Path) -> dict[str, int]:
    with sqlite3.connect(path) as db:
        return {table: db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
                for table in ("runs", "results", "iterations", "sla_verdicts")}


def test_a_block_that_raises_leaves_nothing_of_what_it_wrote(tmp_path: Path) -> None:
    path = tmp_path / "r.db"
    with open_store(path) as store:
        store_run(store, python_result())
    before = row_counts(path)
    with open_store(path) as store:
        with pytest.raises(RuntimeError, match="half way"):
            with store.atomically():
                store_run(store, python_result("b1"), python_result("b2"))
                store.begin_run({"perfbench_version": "test"}, "second")
                raise RuntimeError("half way")
        assert [r.command for r in store.runs()] == ["test"]
    assert row_counts(path) == before


def test_a_block_that_ends_commits_every_write_in_it(tmp_path: Path) -> None:
    path = tmp_path / "r.db"
    with open_store(path) as store, store.atomically():
        store_run(store, python_result("b1"))
        store_run(store, python_result("b2"))
    # a second connection (another process would see the same) finds both runs
    assert row_counts(path) == {"runs": 2, "results": 2, "iterations": 6, "sla_verdicts": 2}


def test_a_write_the_database_refuses_rolls_back_the_writes_before_it(tmp_path: Path) -> None:
    path = tmp_path / "r.db"
    with open_store(path) as store:
        store_run(store, python_result())
    before = row_counts(path)
    with open_store(path) as store:
        with pytest.raises(StoreError, match="FOREIGN KEY"), store.atomically():
            run_id = store.begin_run({"perfbench_version": "test"}, "doomed")
            store.begin_result(run_id, "l", "b", "python", {})
            store.begin_result(run_id + 100, "l", "b", "python", {})  # no such run: the database refuses it
        assert [r.command for r in store.runs()] == ["test"]
        store_run(store, python_result())  # and the store takes writes again afterwards
    assert row_counts(path) == {**before, "runs": 2, "results": 2, "iterations": 6, "sla_verdicts": 2}


def test_a_run_recorded_after_the_fact_keeps_its_times(tmp_path: Path) -> None:
    with open_store(tmp_path / "r.db") as store:
        run_id = store.begin_run({"perfbench_version": "test"}, "imported", started_at="2024-05-01T12:00:00+00:00")
        store.finish_run(run_id, "complete", finished_at="2024-05-01T12:03:00+00:00")
        run = store.run(run_id)
    assert (run.started_at, run.finished_at, run.status) == ("2024-05-01T12:00:00+00:00",
                                                             "2024-05-01T12:03:00+00:00", "complete")
