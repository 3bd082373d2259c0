"""`report`: a stored run's reports written again from the store, as `run` wrote them (the
``stored_project`` fixture: conftest)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from junitparser import Error, Failure, JUnitXml, Skipped
from prometheus_client.openmetrics.parser import text_string_to_metric_families

from conftest import assert_one_line_error
from perfbench.export import JunitExporter, OpenMetricsExporter, ReportData
from perfbench.store import open_store
from perfbench.model import BenchmarkResult
from perfbench.model import Failure as ModelFailure
from perfbench.sla import Verdict

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
    (("--format", "pdf"), ("--format", "'pdf'", "csv, html, md, json, junit, openmetrics")),
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


def test_junit_has_a_testcase_per_sla_verdict_and_fails_on_errors_only(stored_project: Path, run_cli) -> None:
    completed = run_cli("report", "--format", "junit", "--output-dir", "ci")
    assert completed.returncode == 0, completed.stderr
    xml = JUnitXml.fromfile(str(stored_project / "ci" / "perfbench-run-1-junit.xml"))
    cases = {f"{case.classname}/{case.name}": case for suite in xml for case in suite}
    assert sorted(cases) == ["a/warns :: median < 1ns", "b/errs :: median < 1ns", "b/passes :: median < 10s"]
    [failure] = cases["b/errs :: median < 1ns"].result
    assert isinstance(failure, Failure) and failure.type == "error"
    assert failure.message.startswith("ERROR: median < 1ns; measured ") and "limit 1 ns" in failure.message
    assert cases["a/warns :: median < 1ns"].is_passed  # a warning does not fail the run
    assert "WARNING: median < 1ns" in cases["a/warns :: median < 1ns"].system_out
    assert cases["b/passes :: median < 10s"].is_passed
    assert (xml.tests, xml.failures, xml.errors, xml.skipped) == (3, 1, 0, 0)


def test_junit_escapes_names_and_shows_a_crash_as_an_error(tmp_path: Path) -> None:
    hostile = 'x<img src=x onerror=alert(1)>&"'
    crashed = BenchmarkResult("lane<&>", hostile, "python", None,
                              failure=ModelFailure("crash", "worker killed by SIGSEGV", "stderr tail"))
    unsure = Verdict(rule="p99 < 1ms", benchmark=f"lane<&>/{hostile}", expression="p99 < 1ms", metric="p99",
                     measured=900_000.0, unit="ns", status="unsure", severity="error", message="may exceed",
                     limit=1_000_000.0, low=800_000.0, high=1_200_000.0, settle="3 more processes")
    report = ReportData(run_id=7, started_at="2026-11-30T00:00:00+00:00", status="failed", command="run",
                        environment={}, noise_warnings=(), results=(crashed,), verdicts=(unsure,))
    path = JunitExporter().write(report, tmp_path)
    xml = JUnitXml.fromfile(str(path))
    cases = [case for suite in xml for case in suite]
    assert [(c.classname, c.name) for c in cases] == [("lane<&>", f"{hostile} :: ran"), ("lane<&>", f"{hostile} :: p99 < 1ms")]
    [error] = cases[0].result
    assert isinstance(error, Error) and error.type == "crash" and error.message == "worker killed by SIGSEGV"
    [skipped] = cases[1].result
    assert isinstance(skipped, Skipped) and "UNSURE" in skipped.message and "3 more processes" in skipped.text
    assert b"<img" not in path.read_bytes()  # escaped, never markup


def test_openmetrics_parses_with_prometheus_client_and_holds_the_stored_figures(stored_project: Path, run_cli) -> None:
    completed = run_cli("report", "--format", "openmetrics", "--output-dir", "metrics")
    assert completed.returncode == 0, completed.stderr
    text = (stored_project / "metrics" / "perfbench-run-1.prom").read_text()
    families = {family.name: family for family in text_string_to_metric_families(text)}
    with open_store(stored_project / ".perfbench" / "results.db") as store:
        medians = {f"{s.result.lane}/{s.result.benchmark}": s.result.measurement.median for s in store.results(1)}
        host = store.run(1).host_id
    seconds = {(s.labels["lane"] + "/" + s.labels["benchmark"], s.labels["statistic"]): s.value
               for s in families["perfbench_benchmark_seconds"].samples}
    for key, median_ns in medians.items():
        assert seconds[(key, "median")] == pytest.approx(median_ns / 1e9, rel=1e-12)
        assert seconds[(key, "p99.9")] >= seconds[(key, "p50")]
    assert {s.labels["host"] for s in families["perfbench_benchmark_seconds"].samples} == {host}
    verdict = families["perfbench_sla_verdict"]
    assert verdict.type == "stateset"
    reached = {(s.labels["benchmark"], s.labels["perfbench_sla_verdict"]) for s in verdict.samples if s.value == 1}
    assert reached == {("warns", "warning"), ("errs", "error"), ("passes", "pass")}
    assert {s.value for s in families["perfbench_benchmark_failed"].samples} == {0}


def test_openmetrics_escapes_label_values_and_marks_a_failed_benchmark(tmp_path: Path) -> None:
    name = 'quote" back\\slash\nnew line'
    crashed = BenchmarkResult("lane", name, "python", None, failure=ModelFailure("crash", "worker killed by SIGSEGV"))
    report = ReportData(run_id=3, started_at="2026-11-30T00:00:00+00:00", status="failed", command="run",
                        environment={}, noise_warnings=(), results=(crashed,))
    path = OpenMetricsExporter().write(report, tmp_path)
    families = {f.name: f for f in text_string_to_metric_families(path.read_text())}
    [failed] = families["perfbench_benchmark_failed"].samples
    assert failed.labels["benchmark"] == name and failed.labels["host"] == "unknown" and failed.value == 1


def test_run_report_adds_formats_that_carry_the_baseline_comparison(stored_project: Path, run_cli) -> None:
    """`run --baseline 1 --report md,junit`: the reports are written after the comparison and carry it."""
    completed = run_cli("run", "--quick", "--baseline", "1", "--report", "md,junit")
    assert completed.returncode == 1, completed.stderr  # the project's error-severity SLA violation
    names = sorted(p.name for p in (stored_project / "reports").iterdir() if "run-2" in p.name)
    assert names == ["perfbench-run-2-junit.xml", "perfbench-run-2-metrics.csv", "perfbench-run-2-sla.csv",
                     "perfbench-run-2.csv", "perfbench-run-2.html", "perfbench-run-2.md"]
    markdown = (stored_project / "reports" / "perfbench-run-2.md").read_text()
    assert "Run 2 against run 1" in markdown and "python -m perfbench compare 1 2" in markdown
    xml = JUnitXml.fromfile(str(stored_project / "reports" / "perfbench-run-2-junit.xml"))
    compared = [case.name for suite in xml for case in suite if " :: compared with run 1" in case.name]
    assert sorted(compared) == ["errs :: compared with run 1", "passes :: compared with run 1",
                                "warns :: compared with run 1"]


def test_run_refuses_an_unknown_report_format_before_running(stored_project: Path, run_cli) -> None:
    completed = run_cli("run", "--quick", "--report", "md,pdf")
    assert_one_line_error(completed, "--report", "'pdf'", "md, json, junit, openmetrics")
    with open_store(stored_project / ".perfbench" / "results.db", create=False) as store:
        assert len(store.runs()) == 1
