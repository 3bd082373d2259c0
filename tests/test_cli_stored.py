"""validate-sla, analyze and optimize over a stored run."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import assert_one_line_error

PROJECT = """
import perfbench

@perfbench.benchmark(lane="a", budget="20ms", sla=[{"rule": "median < 1ns", "severity": "warning"}])
def warns():
    sum(range(100))

@perfbench.benchmark(lane="b", budget="20ms", sla=["median < 1ns"])
def errs():
    sum(range(100))

@perfbench.benchmark(lane="b", budget="20ms", sla=["median < 10s"])
def passes():
    sum(range(100))
"""


@pytest.fixture
def stored_project(write_module, run_cli, tmp_path: Path) -> Path:
    write_module("benchmarks/bench_sla.py", PROJECT)
    completed = run_cli("run", "--quick")
    assert completed.returncode == 1, completed.stderr  # an error-severity violation
    return tmp_path


def test_validate_sla_exits_1_on_an_error_violation(stored_project, run_cli) -> None:
    completed = run_cli("validate-sla")
    assert completed.returncode == 1
    assert "ERROR" in completed.stdout and "WARNING" in completed.stdout and "PASS" in completed.stdout


def test_warnings_alone_pass_unless_asked(stored_project, run_cli) -> None:
    assert run_cli("validate-sla", "--lane", "a").returncode == 0
    assert run_cli("validate-sla", "--lane", "a", "--fail-on", "warning").returncode == 1


def test_validate_a_named_run(stored_project, run_cli) -> None:
    assert run_cli("validate-sla", "--run", "1", "--lane", "a").returncode == 0
    assert_one_line_error(run_cli("validate-sla", "--run", "7"), "--run", "7")
    assert_one_line_error(run_cli("validate-sla", "--run", "yesterday"), "--run", "yesterday")
    assert_one_line_error(run_cli("validate-sla", "--lane", "zzz"), "--lane", "zzz")


def test_analyze_prints_statistics_lanes_and_resources(stored_project, run_cli) -> None:
    completed = run_cli("analyze")
    assert completed.returncode == 0, completed.stderr
    for fragment in ("statistics per benchmark", "lane to lane", "warns", "errs", "resources"):
        assert fragment in completed.stdout


def test_optimize_runs_on_the_stored_run(stored_project, run_cli) -> None:
    completed = run_cli("optimize")
    assert completed.returncode == 0, completed.stderr
    assert "recommendation" in completed.stdout


def test_commands_without_a_store_give_exit_2(run_cli) -> None:
    for command in ("validate-sla", "analyze", "optimize"):
        assert_one_line_error(run_cli(command), "no result store")
