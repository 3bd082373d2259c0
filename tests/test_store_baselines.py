"""Baselines in the store: saved, moved (every move recorded: who, when, why), listed,
deleted; old runs deleted without ever losing a baseline's run, and the file shrinks."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from test_store import command_result, python_result, store_run

from perfbench.errors import StoreError
from perfbench.store import open_store
from perfbench.store.interface import Acceptance


@pytest.fixture
def store(tmp_path: Path):
    with open_store(tmp_path / "s.db") as opened:
        for _ in range(4):
            store_run(opened, python_result())
        yield opened


def test_a_saved_baseline_reads_back(store) -> None:
    saved = store.save_baseline("main", 2, by="ada", reason="release 1.0")
    assert (saved.name, saved.run_id, saved.created_by, saved.reason, saved.acceptances) == (
        "main", 2, "ada", "release 1.0", ())
    assert store.baseline("main") == saved and store.baselines() == [saved]
    assert saved.created_at.startswith("20") and store.baseline("other") is None


def test_saving_a_baseline_again_moves_it_and_records_the_move(store) -> None:
    store.save_baseline("main", 1, by="ada")
    moved = store.save_baseline("main", 3, by="bob", reason="nightly")
    assert moved.run_id == 3 and (moved.created_by, moved.reason) == ("ada", "")  # the creation stays as it was
    [move] = moved.acceptances
    assert (move.run_id, move.previous_run_id, move.by, move.reason) == (3, 1, "bob", "nightly")


def test_accepting_records_who_when_and_why_in_order(store) -> None:
    store.save_baseline("main", 1, by="ada")
    store.accept_baseline("main", 2, by="bob", reason="the new parser is slower on purpose")
    accepted = store.accept_baseline("main", 4, by="cy", reason="vectorised")
    assert accepted.run_id == 4
    assert [(a.run_id, a.previous_run_id, a.by, a.reason) for a in accepted.acceptances] == [
        (2, 1, "bob", "the new parser is slower on purpose"), (4, 2, "cy", "vectorised")]
    assert all(isinstance(a, Acceptance) and a.at for a in accepted.acceptances)
    assert accepted.acceptances[0].at <= accepted.acceptances[1].at


def test_accepting_an_unknown_baseline_names_the_ones_there_are(store) -> None:
    with pytest.raises(StoreError, match=r"no baseline named 'nope'; there are none yet"):
        store.accept_baseline("nope", 1, by="ada", reason="r")
    store.save_baseline("main", 1, by="ada")
    store.save_baseline("arm", 1, by="ada")
    with pytest.raises(StoreError, match=r"s\.db: no baseline named 'nope'; the baselines are: arm, main$"):
        store.accept_baseline("nope", 1, by="ada", reason="r")


def test_a_baseline_at_a_run_that_is_not_there_is_refused(store) -> None:
    with pytest.raises(StoreError, match=r"no run 9 in the store \(its runs are numbered up to 4\)"):
        store.save_baseline("main", 9, by="ada")
    store.save_baseline("main", 1, by="ada")
    with pytest.raises(StoreError, match="no run 9"):
        store.accept_baseline("main", 9, by="ada", reason="r")
    assert store.baseline("main").run_id == 1 and store.baseline("main").acceptances == ()


def test_accepting_takes_a_reason(store) -> None:
    store.save_baseline("main", 1, by="ada")
    with pytest.raises(ValueError, match="reason"):
        store.accept_baseline("main", 2, by="ada", reason="  ")
    assert store.baseline("main").run_id == 1


def test_deleting_a_baseline_deletes_its_history_not_its_run(store, tmp_path: Path) -> None:
    store.save_baseline("main", 1, by="ada")
    store.accept_baseline("main", 2, by="ada", reason="r")
    assert store.delete_baseline("main") is True and store.delete_baseline("main") is False
    assert store.baselines() == [] and store.run(2) is not None
    with sqlite3.connect(tmp_path / "s.db") as db:
        assert db.execute("SELECT COUNT(*) FROM baseline_acceptances").fetchone() == (0,)
    db.close()


def _counts(path: Path) -> dict[str, int]:
    with sqlite3.connect(path) as db:
        counts = {table: db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
                  for table in ("runs", "results", "iterations", "sla_verdicts")}
    db.close()
    return counts


def test_deleting_old_runs_keeps_the_newest_and_every_baselines_run(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    with open_store(path) as store:
        for _ in range(6):
            store_run(store, python_result(), command_result())
        store.save_baseline("release", 2, by="ada")
        store.save_baseline("moved", 1, by="ada")
        store.accept_baseline("moved", 3, by="ada", reason="r")  # run 1 is no baseline's any more
        before = _counts(path)
        assert store.delete_old_runs(2, dry_run=True) == [1, 4]
        assert _counts(path) == before
        assert store.delete_old_runs(2) == [1, 4]
        assert [run.id for run in store.runs()] == [2, 3, 5, 6]
        assert store.delete_old_runs(2) == []
        # the results, iterations and verdicts of the deleted runs went with them
        assert _counts(path) == {table: count * 4 // 6 for table, count in before.items()}
        assert [s.run_id for s in store.history("l", "b")] == [2, 3, 5, 6]
        assert store.baseline("moved").acceptances[0].previous_run_id == 1  # history outlives the run
        assert store.delete_old_runs(0) == [5, 6]
        assert [run.id for run in store.runs()] == [2, 3]
        with pytest.raises(ValueError, match="keep -1"):
            store.delete_old_runs(-1)


def test_a_baselines_run_cannot_be_deleted_behind_its_back(store, tmp_path: Path) -> None:
    store.save_baseline("main", 1, by="ada")
    db = sqlite3.connect(tmp_path / "s.db")
    db.execute("PRAGMA foreign_keys = ON")
    with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"):
        db.execute("DELETE FROM runs WHERE id = 1")  # the schema refuses it, whatever code asks
    db.close()


def test_deleting_old_runs_gives_the_space_back(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    with open_store(path) as store:
        for _ in range(30):
            store_run(store, python_result(iterations=6), command_result())
    full = path.stat().st_size
    with open_store(path) as store:
        assert len(store.delete_old_runs(3)) == 27
    assert path.stat().st_size < full * 0.25
    with open_store(path) as store:
        assert len(store.runs()) == 3 and all(len(store.results(run.id)) == 2 for run in store.runs())
