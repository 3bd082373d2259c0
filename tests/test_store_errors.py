"""Store errors after opening, and stores shared by processes: a damaged, foreign, empty or
newer store is one line and exit code 2 in every command, a file that is not a perfbench store
is never written to, and processes creating or writing one store at once lose nothing."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from conftest import assert_one_line_error
from test_store import python_result, store_run

from perfbench.errors import StoreError
from perfbench.store import open_store
from perfbench.store.sqlite_schema import SCHEMA_VERSION

READERS = ("analyze", "validate-sla", "optimize")

ONE_BENCHMARK = """
import perfbench

@perfbench.benchmark(lane="a", budget="20ms")
def one():
    sum(range(10))
"""


@pytest.fixture
def project(write_module, tmp_path: Path) -> Path:
    write_module("benchmarks/bench_one.py", ONE_BENCHMARK)
    return tmp_path


def _every_command_refuses(run_cli, store: str, *fragments: str) -> None:
    for command in ("run", *READERS):
        args = (command, "--store", store) + (("--quick", "--output-dir", "out") if command == "run" else ())
        assert_one_line_error(run_cli(*args), store, *fragments)


def _damage(path: Path, from_page: int | None = None) -> None:
    """A store of 20 runs, then garbage over every page from ``from_page`` on (numbered from 1,
    the header's), or over the last page only."""
    with open_store(path) as store:
        for _ in range(20):
            store_run(store, python_result())
    data = bytearray(path.read_bytes())
    size = int.from_bytes(data[16:18], "big")
    pages = len(data) // size
    assert pages > 4
    for page in range(from_page or pages, pages + 1):
        data[(page - 1) * size:page * size] = bytes([0xA5]) * size
    path.write_bytes(bytes(data))


def test_a_damaged_store_is_one_line_and_exit_2_in_every_command(project: Path, run_cli) -> None:
    _damage(project / "s.db", from_page=3)  # the header and the schema page stay valid
    _every_command_refuses(run_cli, "s.db", "damaged")
    assert not (project / "out").exists()  # refused before anything ran


def test_a_run_finds_a_damaged_page_before_it_runs_anything(project: Path, run_cli) -> None:
    _damage(project / "s.db")  # one page of data; the schema and the runs still read
    with open_store(project / "s.db", create=False) as store:
        assert store.latest_run_id() == 20
    assert_one_line_error(run_cli("run", "--quick", "--store", "s.db", "--output-dir", "out"), "s.db", "damaged")
    assert not (project / "out").exists()


def test_another_applications_sqlite_file_is_refused_and_never_written(project: Path, run_cli) -> None:
    with sqlite3.connect(project / "app.db") as db:
        db.execute("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)")
        db.execute("INSERT INTO users (name) VALUES ('ada')")
    db.close()
    before = (project / "app.db").read_bytes()
    _every_command_refuses(run_cli, "app.db", "not a perfbench store", "users")
    assert (project / "app.db").read_bytes() == before
    assert sorted(p.name for p in project.iterdir()) == ["app.db", "benchmarks"]


def test_a_file_that_is_not_sqlite_is_refused(project: Path, run_cli) -> None:
    (project / "notes.txt").write_text("not a database\n" * 100)
    _every_command_refuses(run_cli, "notes.txt", "not a SQLite database")
    assert (project / "notes.txt").read_text() == "not a database\n" * 100


def test_an_empty_file_is_no_store_to_read_and_is_not_written_by_reading(project: Path, run_cli) -> None:
    (project / "empty.db").touch()
    for command in READERS:
        assert_one_line_error(run_cli(command, "--store", "empty.db"), "empty.db", "no perfbench store")
    assert (project / "empty.db").stat().st_size == 0
    completed = run_cli("run", "--quick", "--store", "empty.db", "--output-dir", "out")  # run makes it one
    assert completed.returncode == 0, completed.stderr
    assert run_cli("analyze", "--store", "empty.db").returncode == 0


def test_a_store_from_a_newer_perfbench_is_refused_and_never_written(project: Path, run_cli) -> None:
    with open_store(project / "s.db") as store:
        store_run(store, python_result())
    with sqlite3.connect(project / "s.db") as db:
        db.execute("UPDATE schema_info SET value = '99' WHERE key = 'schema_version'")
    db.close()
    before = hashlib.sha256((project / "s.db").read_bytes()).hexdigest()
    _every_command_refuses(run_cli, "s.db", "schema version 99", f"newer than this perfbench understands "
                           f"({SCHEMA_VERSION})", "upgrade perfbench")
    with pytest.raises(StoreError, match="upgrade perfbench"):
        open_store(project / "s.db")
    assert hashlib.sha256((project / "s.db").read_bytes()).hexdigest() == before
    assert sorted(p.name for p in project.iterdir()) == ["benchmarks", "s.db"]  # no log or lock file left either


def test_the_store_errors_of_reading_are_store_errors(tmp_path: Path) -> None:
    with open_store(tmp_path / "s.db") as store:
        run_id = store_run(store, python_result())
    with sqlite3.connect(tmp_path / "s.db") as db:
        db.execute("UPDATE iterations SET record = '{not json'")
    db.close()
    with open_store(tmp_path / "s.db") as store, pytest.raises(StoreError, match="s.db"):
        store.results(run_id)


CREATOR = """
import sys, time
from perfbench.store import open_store
from perfbench.store.sqlite_schema import SCHEMA_VERSION
path, start = sys.argv[1], float(sys.argv[2])
while time.time() < start:
    pass
with open_store(path) as store:
    run_id = store.begin_run({}, "concurrent")
    store.finish_run(run_id, "complete")
"""


@pytest.mark.slow
def test_processes_creating_one_new_store_at_the_same_moment_all_succeed(tmp_path: Path) -> None:
    for attempt in range(3):
        path = tmp_path / f"new-{attempt}" / "results.db"
        start = time.time() + 1.5  # every process is up and spinning by then
        processes = [subprocess.Popen([sys.executable, "-c", CREATOR, str(path), str(start)],
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(6)]
        outputs = [p.communicate(timeout=120) for p in processes]
        assert [p.returncode for p in processes] == [0] * 6, [err for _, err in outputs]
        with open_store(path, create=False) as store:
            assert store.schema_version() == SCHEMA_VERSION
            assert [r.status for r in store.runs()] == ["complete"] * 6


@pytest.mark.slow
def test_two_runs_writing_one_store_at_once_lose_nothing(write_module, tmp_path: Path) -> None:
    write_module("benchmarks/bench_two.py", """
        import perfbench

        @perfbench.benchmark(lane="a", budget="20ms")
        def first():
            sum(range(10))

        @perfbench.benchmark(lane="a", budget="20ms")
        def second():
            sum(range(20))
    """)
    command = [sys.executable, "-m", "perfbench", "run", "--iterations", "3", "--store", "shared.db"]
    processes = [subprocess.Popen([*command, "--output-dir", f"out-{i}"], cwd=tmp_path, stdin=subprocess.DEVNULL,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for i in range(2)]
    outputs = [p.communicate(timeout=300) for p in processes]
    assert [p.returncode for p in processes] == [0, 0], [err for _, err in outputs]
    with open_store(tmp_path / "shared.db", create=False) as store:
        runs = store.runs()
        assert [r.status for r in runs] == ["complete", "complete"]
        for run in runs:
            results = store.results(run.id)
            assert sorted(s.result.benchmark for s in results) == ["first", "second"]
            # warm-up + 3 counted iterations each, all stored, all pooled
            assert [len(s.result.iterations) for s in results] == [4, 4]
            assert all(s.result.ok and s.result.measurement.stats.n > 0 for s in results)
