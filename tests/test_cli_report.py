"""`report`: a stored run's reports written again from the store, as `run` wrote them (the
``stored_project`` fixture: conftest)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from conftest import assert_one_line_error

def test_the_reports_of_a_stored_run_are_the_files_run_wrote(stored_project: Path, run_cli) -> None:
    completed = run_cli("report", "--run", "latest", "--output-dir", "again")
    assert completed.returncode == 0, completed.stderr
    written = sorted(p.name for p in (stored_project / "reports").iterdir())
    assert written == ["perfbench-run-1-metrics.csv", "perfbench-run-1-sla.csv", "perfbench-run-1.csv",
                       "perfbench-run-1.html"]
    assert sorted(p.name for p in (stored_project / "again").iterdir()) == written
    for name in written:  # byte for byte: statistics, verdicts, noise warnings and all
        assert (stored_project / "again" / name).read_bytes() == (stored_project / "reports" / name).read_bytes()


def test_one_format_and_one_lane(stored_project: Path, run_cli) -> None:
    completed = run_cli("report", "--format", "csv", "--lane", "a", "--output-dir", "lane-a")
    assert completed.returncode == 0, completed.stderr
    names = sorted(p.name for p in (stored_project / "lane-a").iterdir())
    assert "perfbench-run-1.html" not in names and "perfbench-run-1.csv" in names
    with open(stored_project / "lane-a" / "perfbench-run-1.csv", newline="") as rows:
        assert {row["lane"] for row in csv.DictReader(rows)} == {"a"}
    with open(stored_project / "lane-a" / "perfbench-run-1-sla.csv", newline="") as rows:
        assert [row["benchmark"] for row in csv.DictReader(rows)] == ["a/warns"]


@pytest.mark.parametrize(("args", "fragments"), [
    (("--format", "pdf"), ("--format", "'pdf'", "csv, html")),
    (("--format", ","), ("--format", "html,csv")),
    (("--run", "9"), ("--run", "9")),
    (("--lane", "zzz"), ("--lane", "zzz")),
])
def test_bad_input_is_one_line_and_exit_2(stored_project: Path, run_cli, args: tuple[str, ...],
                                          fragments: tuple[str, ...]) -> None:
    assert_one_line_error(run_cli("report", *args), *fragments)


def test_an_empty_store_says_to_run_first(tmp_path: Path, run_cli) -> None:
    completed = run_cli("report", "--store", "empty.db")
    assert completed.returncode == 2 and "run `python -m perfbench run` first" in completed.stderr
    assert not (tmp_path / "reports").exists()
