"""`gc --keep N` end to end: removes all but the newest N runs, never a baseline's, says what
it removed and kept, shrinks the file; --dry-run deletes nothing; a bad N is one line, exit 2."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from conftest import assert_one_line_error
from test_store import command_result, python_result, store_run

from perfbench.cli.cmd_gc import id_ranges
from perfbench.store import open_store


@pytest.fixture
def store(tmp_path: Path) -> Path:
    path = tmp_path / "s.db"
    with open_store(path) as opened:
        for _ in range(12):
            store_run(opened, python_result(iterations=6), command_result())
        opened.save_baseline("release", 3, by="ada")
        opened.save_baseline("main", 11, by="ada")
    return path


def _run_ids(path: Path) -> list[int]:
    with open_store(path, create=False) as opened:
        return [run.id for run in opened.runs()]


def test_gc_keeps_the_newest_runs_and_every_baselines_run(run_cli, store: Path) -> None:
    size = store.stat().st_size
    collected = run_cli("gc", "--keep", "2", "--store", "s.db")
    assert collected.returncode == 0, collected.stderr
    assert collected.stdout.splitlines() == [
        "removed 9 runs from s.db: 1-2, 4-10",
        "kept 3 runs: the newest 2 runs: 11-12; run 3 (baseline release)",
    ]
    assert _run_ids(store) == [3, 11, 12]
    assert store.stat().st_size < size * 0.5  # the space is given back, not left as free pages
    with open_store(store, create=False) as opened:
        assert [len(opened.results(run_id)) for run_id in (3, 11, 12)] == [2, 2, 2]
    again = run_cli("gc", "--keep", "2", "--store", "s.db")
    assert again.returncode == 0 and again.stdout.splitlines()[0] == "removed 0 runs from s.db"


def test_gc_keep_0_keeps_only_the_baselines_runs(run_cli, store: Path) -> None:
    collected = run_cli("gc", "--keep", "0", "--store", "s.db")
    assert collected.returncode == 0, collected.stderr
    assert collected.stdout.splitlines()[1] == "kept 2 runs: run 3 (baseline release); run 11 (baseline main)"
    assert _run_ids(store) == [3, 11]


def test_a_dry_run_deletes_nothing(run_cli, store: Path) -> None:
    before = hashlib.sha256(store.read_bytes()).hexdigest()
    dry = run_cli("gc", "--keep", "5", "--dry-run", "--store", "s.db")
    assert dry.returncode == 0, dry.stderr
    assert dry.stdout.splitlines() == ["would remove 6 runs from s.db: 1-2, 4-7",
                                       "would keep 6 runs: the newest 5 runs: 8-12; run 3 (baseline release)",
                                       "nothing was deleted (--dry-run)"]
    assert _run_ids(store) == list(range(1, 13))
    assert hashlib.sha256(store.read_bytes()).hexdigest() == before


@pytest.mark.parametrize(("keep", "fragment"), [("-1", "0 or more, got -1"), ("three", "--keep"), ("2.5", "--keep")])
def test_a_bad_keep_is_one_line_and_exit_2(run_cli, store: Path, keep: str, fragment: str) -> None:
    assert_one_line_error(run_cli("gc", "--keep", keep, "--store", "s.db"), fragment)
    assert _run_ids(store) == list(range(1, 13))


def test_gc_without_keep_is_one_line_and_exit_2(run_cli, store: Path) -> None:
    assert_one_line_error(run_cli("gc", "--store", "s.db"), "--keep")


def test_gc_needs_a_store(run_cli, tmp_path: Path) -> None:
    assert_one_line_error(run_cli("gc", "--keep", "3", "--store", "none.db"), "none.db", "no result store")
    assert not (tmp_path / "none.db").exists()


def test_run_ids_read_as_ranges() -> None:
    assert id_ranges([]) == ""
    assert id_ranges([7, 1, 2, 3, 5, 9, 10]) == "1-3, 5, 7, 9-10"
