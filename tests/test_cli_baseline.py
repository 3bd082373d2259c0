"""`baseline list | show | delete | accept` and `run --save-baseline`, end to end with their
exit codes."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import assert_one_line_error
from test_cli_compare import make_project, perfbench
from test_store import python_result, store_run

from perfbench.store import open_store
from perfbench.store.interface import RunMetadata

ONE_BENCHMARK = """
import perfbench

@perfbench.benchmark(lane="a", budget="20ms")
def one():
    sum(range(10))
"""


@pytest.fixture
def store(tmp_path: Path) -> Path:
    """Three complete runs, and one interrupted, in s.db."""
    path = tmp_path / "s.db"
    with open_store(path) as opened:
        for _ in range(3):
            store_run(opened, python_result())
        run_id = opened.begin_run({}, "interrupted", RunMetadata(git_commit="0123456789abcdef", git_branch="main",
                                                                 host={"cpu_model": "Zen 4", "logical_cores": 16},
                                                                 host_id="feedbeef0001"))
        opened.finish_run(run_id, "interrupted")
    return path


def _save(path: Path, *baselines: tuple[str, int]) -> None:
    with open_store(path) as opened:
        for name, run_id in baselines:
            opened.save_baseline(name, run_id, by="ada")


def _baseline(path: Path, name: str):
    with open_store(path, create=False) as opened:
        return opened.baseline(name)


def test_no_baselines_yet_is_said_plainly(run_cli, store: Path) -> None:
    listed = run_cli("baseline", "list", "--store", "s.db")
    assert listed.returncode == 0, listed.stderr
    assert "no baselines in s.db" in listed.stdout and "--save-baseline" in listed.stdout


def test_accept_moves_a_baseline_and_records_who_when_and_why(run_cli, store: Path) -> None:
    with open_store(store) as opened:
        opened.save_baseline("main", 1, by="ada", reason="release 1.0")
    accepted = run_cli("baseline", "accept", "main", "--run", "2", "--reason", "the parser is slower on purpose",
                       "--store", "s.db", env={"PERFBENCH_USER": "bob"})
    assert accepted.returncode == 0, accepted.stderr
    assert "baseline 'main' moved from run 1 to run 2 by bob" in accepted.stdout
    latest = run_cli("baseline", "accept", "main", "--reason", "vectorised", "--store", "s.db",
                     env={"PERFBENCH_USER": "cy"})
    assert_one_line_error(latest,  # latest is run 4, which was interrupted
                          "--run", "run 4 is interrupted", "accept a complete run")
    again = run_cli("baseline", "accept", "main", "--run", "3", "--reason", "vectorised", "--store", "s.db",
                    env={"PERFBENCH_USER": "cy"})
    assert again.returncode == 0, again.stderr
    baseline = _baseline(store, "main")
    assert baseline.run_id == 3
    assert [(a.previous_run_id, a.run_id, a.by, a.reason) for a in baseline.acceptances] == [
        (1, 2, "bob", "the parser is slower on purpose"), (2, 3, "cy", "vectorised")]

    shown = run_cli("baseline", "show", "main", "--store", "s.db")
    assert shown.returncode == 0, shown.stderr
    for fragment in ("run:         3 (complete)", "saved:       ", "by ada: release 1.0", "the parser is slower on purpose",
                     "vectorised", "bob", "cy", "commit:      abc"):
        assert fragment in shown.stdout, fragment
    listed = run_cli("baseline", "list", "--store", "s.db")
    assert listed.returncode == 0 and "main" in listed.stdout and "2 (last" in listed.stdout


def test_accept_takes_a_reason(run_cli, store: Path) -> None:
    _save(store, ("main", 1))
    missing = run_cli("baseline", "accept", "main", "--run", "2", "--store", "s.db")
    assert_one_line_error(missing, "--reason")
    blank = run_cli("baseline", "accept", "main", "--run", "2", "--reason", "  ", "--store", "s.db")
    assert_one_line_error(blank, "--reason", "say why")
    assert _baseline(store, "main").run_id == 1


def test_show_names_the_host_and_commit_of_the_baselines_run(run_cli, store: Path) -> None:
    _save(store, ("odd", 4))
    shown = run_cli("baseline", "show", "odd", "--store", "s.db")
    assert shown.returncode == 0, shown.stderr
    assert "commit:      0123456789 on main" in shown.stdout
    assert "host:        feedbeef0001: Zen 4, 16 logical cores" in shown.stdout
    assert "never moved since it was saved" in shown.stdout


@pytest.mark.parametrize("action", [("show", "nope"), ("delete", "nope"),
                                    ("accept", "nope", "--run", "1", "--reason", "r")], ids=lambda a: a[0])
def test_an_unknown_baseline_is_one_line_naming_the_ones_there_are(run_cli, store: Path, action) -> None:
    assert_one_line_error(run_cli("baseline", *action, "--store", "s.db"), "'nope'", "there are none yet")
    _save(store, ("main", 1), ("arm", 2))
    assert_one_line_error(run_cli("baseline", *action, "--store", "s.db"), "baseline 'nope'", "s.db",
                          "the baselines are: arm, main")


def test_an_unknown_run_to_accept_is_one_line(run_cli, store: Path) -> None:
    _save(store, ("main", 1))
    assert_one_line_error(run_cli("baseline", "accept", "main", "--run", "99", "--reason", "r", "--store", "s.db"),
                          "--run", "no run 99")
    assert_one_line_error(run_cli("baseline", "accept", "main", "--run", "x", "--reason", "r", "--store", "s.db"),
                          "--run", "'x'")


def test_delete_keeps_the_run(run_cli, store: Path) -> None:
    _save(store, ("main", 2))
    deleted = run_cli("baseline", "delete", "main", "--store", "s.db")
    assert deleted.returncode == 0, deleted.stderr
    assert "deleted baseline 'main' (it pointed at run 2" in deleted.stdout
    with open_store(store, create=False) as opened:
        assert opened.baselines() == [] and opened.run(2) is not None


def test_baseline_commands_need_a_store(run_cli, tmp_path: Path) -> None:
    assert_one_line_error(run_cli("baseline", "list", "--store", "none.db"), "none.db", "no result store")
    assert not (tmp_path / "none.db").exists()


def test_run_saves_a_baseline_when_it_completes(run_cli, write_module, tmp_path: Path) -> None:
    write_module("benchmarks/bench_one.py", ONE_BENCHMARK)
    ran = run_cli("run", "--store", "s.db", "--output-dir", "out", "--save-baseline", "main",
                  env={"PERFBENCH_USER": "ci-bot"})
    assert ran.returncode == 0, ran.stderr
    assert "saved run 1 as baseline 'main'" in ran.stderr
    again = run_cli("run", "--store", "s.db", "--output-dir", "out", "--save-baseline", "main",
                    env={"PERFBENCH_USER": "ci-bot"})
    assert again.returncode == 0, again.stderr
    baseline = _baseline(tmp_path / "s.db", "main")
    assert (baseline.run_id, baseline.created_by) == (2, "ci-bot")
    assert [(a.previous_run_id, a.run_id, a.by) for a in baseline.acceptances] == [(1, 2, "ci-bot")]


def test_a_run_that_did_not_complete_is_not_saved_as_a_baseline(run_cli, write_module, tmp_path: Path) -> None:
    write_module("benchmarks/bench_one.py", ONE_BENCHMARK + """
@perfbench.benchmark(lane="a", budget="20ms")
def broken():
    raise RuntimeError("boom")
""")
    ran = run_cli("run", "--store", "s.db", "--output-dir", "out", "--save-baseline", "main")
    assert ran.returncode == 3
    assert "not saved as baseline 'main': the run is failed" in ran.stderr
    assert _baseline(tmp_path / "s.db", "main") is None


@pytest.mark.parametrize("name", ["12", "latest", "", " main"])
def test_a_baseline_name_that_reads_as_something_else_is_refused_before_running(run_cli, write_module,
                                                                                tmp_path: Path, name: str) -> None:
    write_module("benchmarks/bench_one.py", ONE_BENCHMARK)
    assert_one_line_error(run_cli("run", "--store", "s.db", "--output-dir", "out", "--save-baseline", name),
                          "--save-baseline")
    assert not (tmp_path / "s.db").exists()


@pytest.mark.slow
def test_a_run_slower_than_the_baseline_it_would_replace_does_not_replace_it(tmp_path: Path) -> None:
    """`run --baseline main --save-baseline main` (CI moving its reference along): a run slower
    than main is not saved as main. Only a 10x slowdown is asserted on (test_cli_compare.py)."""
    project = make_project(tmp_path)
    first = perfbench(project, "run", "--save-baseline", "main")
    assert first.returncode == 0, first.stderr
    slow = perfbench(project, "run", "--baseline", "main", "--save-baseline", "main", env={"TINY_SLOWDOWN": "10"})
    assert slow.returncode == 1, slow.stderr
    assert ("not saved as baseline 'main': the run is slower than it; if that is intended: "
            "`python -m perfbench baseline accept main --run 2 --reason TEXT`") in slow.stderr
    assert _baseline(project / "results.db", "main").run_id == 1
    # the same code as main's, with a threshold no noise here reaches: not slower, so it moves main along
    same = perfbench(project, "run", "--baseline", "main", "--save-baseline", "main", "--threshold", "90%")
    assert same.returncode == 0, same.stderr
    assert "saved run 3 as baseline 'main'" in same.stderr
    moved = _baseline(project / "results.db", "main")
    assert moved.run_id == 3 and [(a.previous_run_id, a.run_id) for a in moved.acceptances] == [(1, 3)]
