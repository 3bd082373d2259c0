"""@perfbench.benchmark functions, discovered and run end to end in a temporary project."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

import perfbench
from conftest import assert_one_line_error, exit_code_the_store_implies
from perfbench.definition.discovery import discover
from perfbench.errors import DefinitionError

PROJECT = """
import os
import perfbench

DATA = []

def load():
    DATA.extend(range(50_000))

@perfbench.benchmark(lane="fast", params={"n": [100, 1000], "reverse": [False, True]}, setup=load,
                     sla=["median < 1s", {"rule": "p99 < 10s", "severity": "warning"}], budget="20ms")
def sort_prefix(n, reverse):
    sorted(DATA[:n], reverse=reverse)

@perfbench.benchmark(lane="fast", budget="20ms")
def tiny():
    return 1 + 1

def not_a_benchmark():
    pass
"""

CRASHER = """
import os
import perfbench

@perfbench.benchmark(lane="fast", budget="20ms")
def crashes():
    os.abort()
"""


def test_discovery_expands_parameters(write_module, tmp_path: Path) -> None:
    write_module("benchmarks/bench_project.py", PROJECT)
    found = discover(tmp_path / "benchmarks")
    names = sorted(f["name"] for f in found)
    assert names == ["sort_prefix", "tiny"]
    sort_spec = next(f for f in found if f["name"] == "sort_prefix")
    assert sort_spec["params"] == {"n": [100, 1000], "reverse": [False, True]}
    assert sort_spec["setup"] == "load"
    assert sort_spec["sweep"] == "n"  # the numeric parameter is a size: swept, not a row per value


def test_an_import_error_names_the_file(write_module, tmp_path: Path) -> None:
    write_module("benchmarks/bench_broken.py", "import no_such_module_here\n")
    with pytest.raises(DefinitionError, match=r"bench_broken\.py: cannot import: ModuleNotFoundError"):
        discover(tmp_path / "benchmarks")


def test_a_bad_sla_rule_fails_where_it_is_written() -> None:
    from perfbench.errors import ConfigError

    with pytest.raises(ConfigError, match="@benchmark .*sla\\[0\\].*parsecs"):
        perfbench.benchmark(sla=["p99 < 2 parsecs"])(lambda: None)


def test_run_end_to_end(write_module, run_cli, tmp_path: Path) -> None:
    write_module("benchmarks/bench_project.py", PROJECT)
    completed = run_cli("run", "--iterations", "2")
    assert completed.returncode == 0, completed.stderr
    with sqlite3.connect(tmp_path / ".perfbench" / "results.db") as db:
        rows = dict(db.execute("SELECT benchmark, status FROM results").fetchall())
        iterations = db.execute("SELECT COUNT(*), SUM(warmup) FROM iterations").fetchone()
        verdicts = db.execute("SELECT rule, status FROM sla_verdicts").fetchall()
    assert set(rows) == {"sort_prefix[reverse=False]", "sort_prefix[reverse=True]", "tiny"}
    assert set(rows.values()) == {"ok"}
    assert iterations == (3 * 3, 3)  # 2 counted + 1 warm-up each
    assert ("median < 1s", "pass") in verdicts
    assert "SLO compliance" in completed.stdout


def test_setup_is_timed_separately(write_module, tmp_path: Path) -> None:
    from perfbench.definition.project import Overrides, Selection, select
    from perfbench.execution.runner import results_of, run_benchmarks

    write_module("benchmarks/bench_project.py", PROJECT)
    definitions = select(tmp_path, None, Selection(patterns=("sort_prefix[reverse=False]",)),
                         Overrides(quick=True))
    (result,) = results_of(run_benchmarks(definitions))
    assert result.metric("setup_time").value > 0


def test_a_crashing_benchmark_gives_exit_3_and_the_others_are_stored(write_module, run_cli, tmp_path: Path) -> None:
    write_module("benchmarks/bench_project.py", PROJECT)
    write_module("benchmarks/bench_crash.py", CRASHER)
    completed = run_cli("run", "--quick")
    assert completed.returncode == 3, completed.stderr
    assert "SIGABRT" in completed.stderr
    with sqlite3.connect(tmp_path / ".perfbench" / "results.db") as db:
        statuses = dict(db.execute("SELECT benchmark, status FROM results").fetchall())
    assert statuses.pop("crashes") == "failed"
    assert len(statuses) == 3 and set(statuses.values()) == {"ok"}


def test_benchmark_patterns_and_unknown_patterns(write_module, run_cli) -> None:
    write_module("benchmarks/bench_project.py", PROJECT)
    completed = run_cli("run", "--quick", "--benchmark", "tiny")
    assert completed.returncode == 0, completed.stderr
    assert "fast/tiny" in completed.stderr and "sort_prefix" not in completed.stderr
    assert_one_line_error(run_cli("run", "--benchmark", "nothing*"), "--benchmark", "nothing*")


def test_builtin_lanes_stay_available(write_module, run_cli, tmp_path: Path) -> None:
    write_module("benchmarks/bench_project.py", PROJECT)
    completed = run_cli("run", "--quick", "--lane", "core", "--benchmark", "empty")
    # the empty body's |t| <= 0.5 ns rule is a timing verdict: the exit code must follow it
    assert completed.returncode == exit_code_the_store_implies(tmp_path / ".perfbench" / "results.db"), \
        completed.stderr
    assert "core/empty" in completed.stderr
