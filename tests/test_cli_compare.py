"""`compare` and `run --baseline` end to end: real runs of a tiny project into a real store.

The project has two Python benchmarks: `steady`, and `sometimes_slow`, which does ten times
the work when TINY_SLOWDOWN=10 is set (a slowdown made by the workload, never by editing
stored results). Only a 10x change is asserted on: no noise of this machine turns +900 %
into anything but slower. The other two are at warning severity, so whatever the noise makes
of them, they never decide an exit code.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from conftest import assert_one_line_error
from perfbench.store import open_store
from perfbench.store.interface import RunMetadata

BENCHMARKS = '''\
import os
import perfbench

WORK = int(os.environ.get("TINY_SLOWDOWN", "1"))


@perfbench.benchmark(lane="tiny", budget="50ms", regression_severity="warning")
def steady():
    sum(range(200))


@perfbench.benchmark(lane="tiny", budget="50ms")
def sometimes_slow():
    for _ in range(WORK):
        sum(range(200))


@perfbench.benchmark(lane="tiny", budget="50ms", regression_severity="warning")
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
    # sometimes_slow 10x faster: exit 0 (the others are at warning severity: they cannot fail the check)
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
    assert document["between_runs"] is True and document["check_failed"] is True
    assert document["compared"] == sum(1 for v in document["verdicts"] if v["p_beyond"] is not None)
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
    # back to the code as it was, against run 1 saved as a baseline: the same code does not get 90 % slower
    # (the others are at warning severity), and crashes_on_request runs: exit 0
    with open_store(project / "results.db") as store:
        store.save_baseline("main", 1, by="test")
    back = perfbench(project, "run", "--baseline", "main", "--threshold", "90%")
    assert back.returncode == 0, back.stderr
    assert "base:    baseline 'main' = run 1" in back.stdout


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


# --- baselines and hosts -----------------------------------------------------------------


def store_copy(project: Path, directory: Path) -> Path:
    """The module's store (runs 1 and 2) to change in one test."""
    copy = directory / "results.db"
    shutil.copyfile(project / "results.db", copy)
    return copy


def stored_again(store_path: Path, run_id: int, host: str) -> int:
    """Run ``run_id``'s results as a new run measured on ``host`` (as an import from another
    machine would be stored); the results themselves are not touched."""
    with open_store(store_path) as store:
        results = [stored.result for stored in store.results(run_id)]
        new = store.begin_run({}, f"results of run {run_id} from {host}",
                              RunMetadata(host={"cpu_model": host}, host_id=host))
        for result in results:
            row = store.begin_result(new, result.lane, result.benchmark, result.kind, result.params)
            store.finish_result(row, result)
        store.finish_run(new, "complete")
    return new


def test_a_baseline_name_resolves_to_its_run(project: Path, tmp_path: Path) -> None:
    copy = store_copy(project, tmp_path)
    with open_store(copy) as store:
        store.save_baseline("main", 1, by="test")
    completed = perfbench(project, "compare", "main", "--store", str(copy), "--json")
    assert completed.returncode == 1, completed.stderr
    document = json.loads(completed.stdout)
    assert (document["base"]["run_id"], document["base"]["resolved_by"]) == (1, "baseline 'main'")
    assert (document["current"]["run_id"], document["current"]["resolved_by"]) == (2, "latest")
    named = perfbench(project, "compare", "nope", "--store", str(copy))
    assert_one_line_error(named, "'nope' is neither a baseline nor a run id", "baselines 'main'")


def test_runs_from_different_hosts_are_refused_unless_allowed(project: Path, tmp_path: Path) -> None:
    copy = store_copy(project, tmp_path)
    here, there = stored_again(copy, 1, "host-a"), stored_again(copy, 2, "host-b")
    refused = perfbench(project, "compare", str(here), str(there), "--store", str(copy))
    assert_one_line_error(refused, f"run {here} (run {here}) was measured on host host-a",
                          f"run {there} (run {there}) on host host-b", "--allow-mixed-hosts")
    allowed = perfbench(project, "compare", str(here), str(there), "--store", str(copy), "--allow-mixed-hosts")
    assert allowed.returncode == 1, allowed.stderr  # sometimes_slow is still ten times slower
    assert "the runs come from different hosts (host-a, host-b)" in allowed.stdout


def test_run_baseline_on_another_host_is_refused_before_running(project: Path, tmp_path: Path) -> None:
    copy = store_copy(project, tmp_path)
    elsewhere = stored_again(copy, 1, "host-far-away")
    with open_store(copy) as store:
        store.save_baseline("far", elsewhere, by="test")
    refused = perfbench(project, "run", "--store", str(copy), "--baseline", "far")
    assert_one_line_error(refused, "baseline 'far'", "host host-far-away", "this run (here) on host ",
                          "--allow-mixed-hosts")
    with open_store(copy) as store:
        assert [run.id for run in store.runs()] == [1, 2, elsewhere]


def test_the_same_comparison_from_python(project: Path) -> None:
    import perfbench

    compared = perfbench.compare(store=project / "results.db")  # the run before the latest against the latest
    assert (compared.base.run.id, compared.current.run.id) == (1, 2)
    assert compared.comparison.verdict("tiny/sometimes_slow").status == "slower"
    assert compared.check_failed  # from Python, every benchmark is at error severity unless told otherwise
    warned = perfbench.compare(1, 2, store=project / "results.db", threshold=0.2,
                               severities=dict.fromkeys((v.key for v in compared.verdicts), "warning"))
    assert not warned.check_failed and warned.comparison.verdict("tiny/sometimes_slow").status == "slower"
    assert {v.threshold for v in warned.verdicts} == {0.2}
    assert json.loads(json.dumps(compared.to_dict()))["current"]["run_id"] == 2
    with pytest.raises(perfbench.ComparisonError, match="'nope' is neither a baseline nor a run id"):
        perfbench.compare("nope", store=project / "results.db")
