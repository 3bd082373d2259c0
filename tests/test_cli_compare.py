"""`compare` and `run --baseline` end to end: real runs of a tiny project into a real store.

The project has two Python benchmarks: `steady`, and `sometimes_slow`, which does ten times
the work when TINY_SLOWDOWN=10 is set (a slowdown made by the workload, never by editing
stored results). Only a 10x change is asserted on: no noise of this machine turns +900 %
into anything but slower. `steady` is at warning severity, so whatever the noise makes of
it, it never decides an exit code.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from conftest import assert_one_line_error

BENCHMARKS = '''\
import os
import perfbench

WORK = int(os.environ.get("TINY_SLOWDOWN", "1"))


@perfbench.benchmark(lane="tiny", budget="20ms", regression_severity="warning")
def steady():
    sum(range(200))


@perfbench.benchmark(lane="tiny", budget="20ms")
def sometimes_slow():
    for _ in range(WORK):
        sum(range(200))


@perfbench.benchmark(lane="tiny", budget="20ms")
def crashes_on_request():
    if os.environ.get("TINY_CRASH"):
        raise RuntimeError("asked to crash")
    sum(range(200))
'''

CONFIG = """\
store = "results.db"
output_dir = "reports"

[lanes.tiny]
iterations = 3
processes = 3
warmup = 0
regression_threshold = "10%"
"""


def perfbench(project: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "perfbench", *args], cwd=project, capture_output=True, text=True,
                          timeout=300, stdin=subprocess.DEVNULL, env={**os.environ, **(env or {})})


def make_project(directory: Path) -> Path:
    (directory / "benchmarks").mkdir(parents=True)
    (directory / "benchmarks" / "bench_tiny.py").write_text(BENCHMARKS)
    (directory / "perfbench.toml").write_text(CONFIG)
    return directory


def run_ids(project: Path) -> list[int]:
    with sqlite3.connect(project / "results.db") as db:
        return [row[0] for row in db.execute("SELECT id FROM runs ORDER BY id")]


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Run 1 as the code is, run 2 with `sometimes_slow` ten times slower."""
    directory = make_project(tmp_path_factory.mktemp("compare"))
    for env in ({}, {"TINY_SLOWDOWN": "10"}):
        completed = perfbench(directory, "run", env=env)
        assert completed.returncode == 0, completed.stderr
    assert run_ids(directory) == [1, 2]
    return directory


def verdicts(completed: subprocess.CompletedProcess[str]) -> dict[str, dict]:
    return {v["benchmark"]: v for v in json.loads(completed.stdout)["verdicts"]}


def test_compare_defaults_to_the_previous_run_against_the_latest_and_fails_on_a_regression(project: Path) -> None:
    completed = perfbench(project, "compare")
    assert completed.returncode == 1, completed.stderr
    assert "base:    the run before run 2 = run 1" in completed.stdout
    assert "current: latest = run 2" in completed.stdout
    row = next(line for line in completed.stdout.splitlines() if "tiny/sometimes_slow" in line)
    assert "slower" in row
    assert "regression: 1 benchmark(s) slower beyond their threshold: tiny/sometimes_slow" in completed.stderr


def test_the_table_lists_slower_before_unsure_before_faster_and_counts_the_rest(project: Path) -> None:
    completed = perfbench(project, "compare", "2", "1")
    lines = completed.stdout.splitlines()
    counts = next(line for line in lines if line.endswith(" same") or " same, " in line)
    assert "faster" in counts and "slower" in counts and "unsure" in counts
    faster_row = next(i for i, line in enumerate(lines) if "tiny/sometimes_slow" in line)
    assert "faster" in lines[faster_row]
    for status in ("slower", "unsure"):  # whatever steady reads, it is listed above a faster row
        rows = [i for i, line in enumerate(lines) if "tiny/steady" in line and f" {status} " in line]
        assert all(i < faster_row for i in rows)


def test_faster_does_not_fail_and_a_warning_severity_slowdown_does_not_either(project: Path, tmp_path: Path) -> None:
    # sometimes_slow 10x faster: exit 0 (steady is at warning severity: it cannot fail the check)
    assert perfbench(project, "compare", "2", "1").returncode == 0
    warned = make_project(tmp_path)  # the same project, its lane's slowdowns at warning severity
    (warned / "perfbench.toml").write_text(CONFIG + 'regression_severity = "warning"\n')
    completed = perfbench(warned, "compare", "1", "2", "--store", str(project / "results.db"))
    assert completed.returncode == 0, completed.stderr
    row = next(line for line in completed.stdout.splitlines() if "tiny/sometimes_slow" in line)
    assert "slower (warning)" in row
    assert "slower at warning severity (not failing): tiny/sometimes_slow" in completed.stderr


def test_json_gives_each_verdict_with_its_interval_and_the_resolved_runs(project: Path) -> None:
    completed = perfbench(project, "compare", "1", "latest", "--json")
    assert completed.returncode == 1
    document = json.loads(completed.stdout)
    assert document["base"]["run_id"] == 1 and document["base"]["resolved_by"] == "run 1"
    assert document["current"]["run_id"] == 2 and document["current"]["resolved_by"] == "latest"
    assert document["between_runs"] is True and document["compared"] == 3 and document["check_failed"] is True
    slow = verdicts(completed)["sometimes_slow"]
    assert slow["status"] == "slower" and slow["severity"] == "error"
    assert slow["low"] <= slow["change"] <= slow["high"] and slow["low"] > 1.0  # more than doubled
    assert slow["current_processes"] == slow["base_processes"] == 3
    assert "between runs" in slow["noise"]


def test_the_command_line_threshold_wins_over_the_config(project: Path) -> None:
    configured = verdicts(perfbench(project, "compare", "1", "2", "--json"))
    assert {v["threshold"] for v in configured.values()} == {0.10}
    assert all(v["threshold_requested"] for v in configured.values())
    flagged = verdicts(perfbench(project, "compare", "1", "2", "--json", "--threshold", "7%"))
    assert {v["threshold"] for v in flagged.values()} == {0.07}


@pytest.mark.parametrize(("args", "fragments"), [
    (("compare", "nope"), ("BASE: 'nope' is neither a baseline nor a run id", "runs 1, 2")),
    (("compare", "1", "99"), ("CURRENT: no run 99 in ", "results.db; it holds runs 1, 2")),
    (("compare", "2", "2"), ("both sides are run 2",)),
    (("compare", "--threshold", "5"), ("--threshold: '5' is not a percentage",)),
    (("compare", "--threshold", "120%"), ("--threshold: '120%'", "below 100 %")),
], ids=["unknown-name", "unknown-run", "same-run", "no-unit", "too-large"])
def test_a_bad_reference_or_threshold_is_one_line_and_exit_2(project: Path, args: tuple[str, ...],
                                                             fragments: tuple[str, ...]) -> None:
    assert_one_line_error(perfbench(project, *args), *fragments)


def test_compare_needs_a_store_with_two_runs(tmp_path: Path) -> None:
    make_project(tmp_path)
    assert_one_line_error(perfbench(tmp_path, "compare"), "results.db")


def test_run_baseline_compares_at_the_end_and_sets_the_exit_code(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    assert perfbench(project, "run").returncode == 0
    slow = perfbench(project, "run", "--baseline", "1", "--until-sure", "3", env={"TINY_SLOWDOWN": "10"})
    assert slow.returncode == 1, slow.stderr
    assert "--until-sure: " in slow.stdout  # what it adds depends on steady's noise; that it reports does not
    assert slow.stdout.index("perfbench results") < slow.stdout.index("compared with the base")
    assert "base:    run 1" in slow.stdout and "current: this run = run 2" in slow.stdout
    row = next(line for line in slow.stdout.splitlines() if "tiny/sometimes_slow" in line and "%" in line)
    assert "slower" in row
    # a benchmark that crashes still gives 3, whatever the comparison says
    crashed = perfbench(project, "run", "--baseline", "1", env={"TINY_SLOWDOWN": "10", "TINY_CRASH": "1"})
    assert crashed.returncode == 3, crashed.stderr
    assert "not compared: tiny/crashes_on_request: current:" in crashed.stdout
    # back to the code as it was, against run 1, with the slow runs in the history: no regression possible
    # from sometimes_slow, and steady is at warning severity
    assert perfbench(project, "run", "--baseline", "1").returncode == 0


@pytest.mark.parametrize(("args", "fragments"), [
    (("--baseline", "nope"), ("--baseline: 'nope' is neither a baseline nor a run id",)),
    (("--threshold", "5%"), ("--threshold: only with --baseline NAME",)),
    (("--until-sure",), ("--until-sure: only with --baseline NAME",)),
    (("--baseline", "1", "--until-sure", "soon"), ("--until-sure:", "or a number of processes such as 20")),
    (("--baseline", "1", "--until-sure", "0"), ("--until-sure: 0 processes",)),
    (("--baseline", "1", "--threshold", "0%"), ("--threshold: '0%'",)),
], ids=["unknown-baseline", "threshold-alone", "until-sure-alone", "bad-budget", "zero-processes", "zero-threshold"])
def test_run_refuses_a_bad_comparison_request_before_running(project: Path, args: tuple[str, ...],
                                                              fragments: tuple[str, ...]) -> None:
    before = run_ids(project)
    assert_one_line_error(perfbench(project, "run", *args), *fragments)
    assert run_ids(project) == before
