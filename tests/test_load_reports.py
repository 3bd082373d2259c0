"""Load benchmarks in the terminal: `run` prints them in a table of their own (rates, the
corrected spectrum with the uncorrected p99 beside it, errors, send lag, verdict), never in the
"time per iteration" table, whose figures would be their window medians. The constructed load
benchmark of tests/report_fixture.py gives known figures; one real `run` of a `[[load]]` entry
against the built-in server checks the whole path (only its shape: nothing timed is asserted).
The other formats' load sections are checked in tests/test_report_formats.py and
tests/test_dashboard_browser.py."""

from __future__ import annotations

import csv
import io
import textwrap
from pathlib import Path

import pytest

from dashboard_reports import command_result
from perfbench.cli.cmd_run import _print_summary
from perfbench.export.load_figures import load_figures
from perfbench.load.result import percentile_label
from perfbench.model import BenchmarkResult, Failure
from report_fixture import LOAD_NAME, load_benchmark, report_of


def _table_lines(output: str, title: str) -> list[str]:
    """The lines of the table under ``title`` (up to the next table's title or a blank line)."""
    lines = output.splitlines()
    start = next(i for i, line in enumerate(lines) if title in line)
    end = next((i for i in range(start + 1, len(lines)) if not lines[i].strip() or "perfbench " in lines[i]),
               len(lines))
    return lines[start:end]


def test_run_prints_load_benchmarks_in_their_own_table(capsys: pytest.CaptureFixture[str]) -> None:
    _print_summary([command_result(), load_benchmark()])
    output = capsys.readouterr().out
    timing = "\n".join(_table_lines(output, "time per iteration"))
    assert "compress_file" in timing and LOAD_NAME not in timing
    (row,) = [line for line in _table_lines(output, "load benchmarks") if LOAD_NAME in line]
    cells = [cell.strip() for cell in row.strip("│ ").split("│")]
    # lane, benchmark, target, achieved, p50, p99, p99.9, max (corrected), p99 uncorrected, errors, lag p99, verdict
    assert cells == ["heavy", LOAD_NAME, "500/s", "495/s", "1.5 ms", "40.01 ms", "250 ms", "250 ms", "3 ms",
                     "50 (2.5 %)", "20.02 µs", "valid"]


def test_a_run_of_only_load_benchmarks_prints_no_timing_table(capsys: pytest.CaptureFixture[str]) -> None:
    _print_summary([load_benchmark()])
    output = capsys.readouterr().out
    assert "time per iteration" not in output and "load benchmarks" in output


def test_a_load_benchmark_that_could_not_run_stays_in_the_timing_table(capsys: pytest.CaptureFixture[str]) -> None:
    failed = BenchmarkResult(lane="heavy", benchmark="down_api", kind="load", measurement=None,
                             failure=Failure("error", "connection refused by 127.0.0.1:1"))
    _print_summary([failed])
    output = capsys.readouterr().out
    assert "down_api" in "\n".join(_table_lines(output, "time per iteration"))
    assert "load benchmarks" not in output


def test_the_figures_every_format_shows_are_the_constructed_ones() -> None:
    figures = load_figures(load_benchmark())
    assert figures is not None
    assert [percentile_label(p) for p in figures.percentiles] == ["min", "p50", "p75", "p90", "p95", "p99", "p99.9",
                                                                   "p99.99", "max"]
    # two iterations of 975 successes each: p99 is the 40 ms stall (bucket top), the maximum exact
    assert figures.corrected(99.0) == 40_009_727 and figures.corrected(100.0) == 250_000_000
    assert figures.uncorrected(99.0) == 3_000_319 and figures.uncorrected(100.0) == 5_000_000
    assert (figures.target_rate, figures.achieved_rate, figures.error_rate) == (500.0, 495.0, 0.025)
    assert figures.errors["rate_limited"] == 20 and figures.errors["timeout"] == 12
    assert figures.generator_growth == pytest.approx(0.05) and figures.server_growth == pytest.approx(0.02)
    assert len(figures.timeline) == 4 and [row["iteration"] for row in figures.timeline] == [0, 0, 1, 1]
    assert load_figures(command_result()) is None


LOAD_CONFIG = """
[lanes.heavy]
iterations = 1
warmup = 0

[[load]]
name = "api"
url = "/bytes/256"
server = { threads = 1 }
rate = "100/s"
duration = "1.5s"
connections = 4
lag_bound = "10s"
"""


def test_run_of_a_load_entry_prints_the_load_table_and_writes_its_timeline(run_cli, tmp_path: Path) -> None:
    (tmp_path / "perfbench.toml").write_text(textwrap.dedent(LOAD_CONFIG))
    completed = run_cli("run", "--output-dir", "reports", timeout=180)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "time per iteration" not in completed.stdout
    (row,) = [line for line in _table_lines(completed.stdout, "load benchmarks") if " api " in line]
    cells = [cell.strip() for cell in row.strip("│ ").split("│")]
    from perfbench.load.stored import load_summary
    from perfbench.store import open_store

    with open_store(tmp_path / ".perfbench" / "results.db", create=False) as store:
        (stored,) = store.results(store.runs()[-1].id)
    summary = load_summary(stored.result)
    assert summary is not None
    assert cells[:3] == ["heavy", "api", "100/s"] and cells[-1] == summary.verdict  # as stored, whichever it is
    (timeline,) = (tmp_path / "reports").glob("*-load-timeline.csv")
    rows = list(csv.DictReader(io.StringIO(timeline.read_bytes().decode(), newline="")))
    assert {r["benchmark"] for r in rows} == {"api"} and [r["second"] for r in rows][:1] == ["0"]
    assert sum(int(r["scheduled"]) for r in rows) == 150  # 100/s for 1.5 s: the schedule, not a timing
    (html,) = (tmp_path / "reports").glob("*.html")
    assert 'data-chart="load-spectrum"' in html.read_text()


def test_the_dashboard_shows_the_load_figures_table_and_no_distribution_of_window_medians() -> None:
    import re

    from perfbench.export.html_report import render

    html = render(report_of(load_benchmark()))
    table = html[html.index('<table class="load-figures">'):]
    cells = re.findall(r"<td[^>]*>([^<]*)</td>", table[:table.index("</table>")])
    # target, achieved, error rate, 429s, requests, lag p99, verdict, generator and server memory growth
    assert cells == ["500/s", "495/s", "2.5 %", "20", "1980", "20.02 µs", "valid", "+5 %", "+2 %"]
    spectrum = html[html.index('<table class="load-spectrum">'):]
    assert "<td>40.01 ms</td><td>3 ms</td>" in spectrum[:spectrum.index("</table>")]
    assert 'data-chart="distribution"' not in html
    assert all(f'data-chart="{kind}"' in html for kind in ("load-rate", "load-latency", "load-errors", "load-spectrum"))


def test_the_dashboard_lists_load_benchmarks_apart_from_the_timing_results() -> None:
    import re

    from perfbench.export.html_report import render

    html = render(report_of(command_result(), load_benchmark()))
    timing = html[html.index('<table id="results"'):]
    timing = timing[:timing.index("</table>")]
    assert "compress_file" in timing and LOAD_NAME not in timing
    load = html[html.index('<table id="load-results"'):]
    load = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", load[:load.index("</table>")]))
    assert (f"heavy {LOAD_NAME} 500/s 495/s 1.5 ms 40.01 ms 250 ms 250 ms 3 ms 2.5 % 20.02 µs valid") in load
