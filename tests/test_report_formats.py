"""The report formats of a fixed store (tests/report_fixture.py) compared with a baseline:
golden files for csv / md / junit / openmetrics, the Markdown parsed as GitHub would, JUnit
and OpenMetrics read back by their own parsers, the JSON imported again, hostile names in
every format, `--push` to a real local HTTP server, and the fixture's load benchmark (known
histograms and timeline) in every format with the figures it was built from.

Golden files live in tests/golden/ and were reviewed by eye. After an intended change of a
format, write them again with ``PERFBENCH_UPDATE_GOLDEN=1 python -m pytest tests/test_report_formats.py``
and review the diff before committing it.
"""

from __future__ import annotations

import csv
import http.server
import io
import json
import os
import socket
import threading
import time
from pathlib import Path

import pytest
from junitparser import Error, Failure, JUnitXml, Skipped
from markdown_it import MarkdownIt
from prometheus_client.openmetrics.parser import text_string_to_metric_families

from report_fixture import HOSTILE_IMG, LOAD_KEY, LOAD_NAME, MEDIANS, PIPE_TICK, QUOTED, build_report_store

GOLDEN = Path(__file__).parent / "golden"
GOLDEN_FILES = ("perfbench-run-8.md", "perfbench-run-8.csv", "perfbench-run-8-metrics.csv", "perfbench-run-8-sla.csv",
                "perfbench-run-8-statistics.csv", "perfbench-run-8-load-timeline.csv", "perfbench-run-8-junit.xml",
                "perfbench-run-8.prom")
NAMES = [key.split("/", 1)[1] for key in MEDIANS]  # the timed benchmarks, in run order; the load benchmark comes last
# The load benchmark's spectrum as every format shows it: the constructed values (1, 1.5, 3, 5,
# 40 and 250 ms) read back from the histogram as the top of their bucket (3 significant digits).
LOAD_SPECTRUM = [["min", "1.5 ms", "1 ms"], ["p50", "1.5 ms", "1 ms"], ["p75", "1.5 ms", "1 ms"],
                 ["p90", "3 ms", "1.5 ms"], ["p95", "3 ms", "1.5 ms"], ["p99", "40.01 ms", "3 ms"],
                 ["p99.9", "250 ms", "5 ms"], ["p99.99", "250 ms", "5 ms"], ["max", "250 ms", "5 ms"]]


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every format of run 8 against baseline main, written by the CLI into reports/."""
    import subprocess
    import sys

    root = tmp_path_factory.mktemp("reports")
    build_report_store(root / "r.db")
    completed = subprocess.run([sys.executable, "-m", "perfbench", "report", "--store", "r.db", "--baseline", "main",
                                "--format", "md,csv,json,junit,openmetrics", "--output-dir", "reports"],
                               cwd=root, capture_output=True, text=True, timeout=120)
    assert completed.returncode == 0, completed.stderr
    return root / "reports"


@pytest.mark.parametrize("name", GOLDEN_FILES)
def test_matches_its_golden_file(reports: Path, name: str) -> None:
    written = (reports / name).read_bytes()
    golden = GOLDEN / name
    if os.environ.get("PERFBENCH_UPDATE_GOLDEN"):
        GOLDEN.mkdir(exist_ok=True)
        golden.write_bytes(written)
    assert golden.exists(), f"{golden} is missing: write it with PERFBENCH_UPDATE_GOLDEN=1 and review it"
    assert written.decode() == golden.read_bytes().decode()  # bytes: the CSV line ends are CRLF (RFC 4180)


# --- Markdown ----------------------------------------------------------------------------


def _tables(tokens: list) -> list[list[list[str]]]:
    """Each table as rows of cell texts (header first), from markdown-it's tokens."""
    tables, rows, cells = [], None, None
    for i, token in enumerate(tokens):
        if token.type == "table_open":
            rows = []
        elif token.type == "tr_open":
            cells = []
        elif token.type in ("th_open", "td_open"):
            inline = tokens[i + 1]
            cells.append("".join(child.content for child in inline.children or [] if child.type in ("text", "code_inline")))
        elif token.type == "tr_close":
            rows.append(cells)
        elif token.type == "table_close":
            tables.append(rows)
    return tables


def test_markdown_tables_parse_with_every_column_and_names_verbatim(reports: Path) -> None:
    text = (reports / "perfbench-run-8.md").read_text()
    tokens = MarkdownIt("commonmark").enable("table").parse(text)
    tables = _tables(tokens)
    assert len(tables) == 5  # SLA violations, changes, every benchmark, the other SLA verdicts, the load spectrum
    for table in tables:
        assert all(len(row) == len(table[0]) for row in table), table
    every = next(t for t in tables if len(t) == 2 + len(MEDIANS))
    assert [row[0].replace(" ⚠️ unstable", "") for row in every[1:]] == [*MEDIANS, LOAD_KEY]
    # a name with a pipe stays one cell; one with a backtick stays one code span
    codes = [child.content for token in tokens if token.type == "inline" for child in token.children or []
             if child.type == "code_inline"]
    assert f"core/{PIPE_TICK}" in codes and f"core/{HOSTILE_IMG}" in codes and f"core/{QUOTED}" in codes


def test_markdown_carries_no_html_from_names(reports: Path) -> None:
    html = MarkdownIt("commonmark").enable("table").render((reports / "perfbench-run-8.md").read_text())
    assert "<img" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


def test_markdown_summary_comes_first_with_the_largest_effect(reports: Path) -> None:
    lines = (reports / "perfbench-run-8.md").read_text().splitlines()
    assert lines[0].startswith("❌ **perfbench**: 1 slower, 1 faster, 3 same, 1 only in current, 1 not compared: "
                               "worst `core/sort_100k` +30.0 % [+30.0, +30.0]")
    assert "SLA: 3 violations (1 critical, 1 error, 1 warning)" in lines[0]
    before_details = lines[:lines.index("<details><summary>every benchmark (7)</summary>")]
    text = "\n".join(before_details)
    # SLA violations by severity, before the changes
    assert text.index("**critical**") < text.index("**error**") < text.index("**warning**") < text.index("**Changes**")
    # only what is not "same" is on the first screen; same ones are counted
    assert "🔴 slower" in text and "🟢 faster" in text and "| same |" not in text
    assert "python -m perfbench compare 7 8 --store r.db" in text
    assert "python -m perfbench baseline accept main --run 8" in text
    assert "noisy (this run): the 1-minute load average is 3.10" in text
    # the unstable tag and its reason
    full = "\n".join(lines)
    assert "`core/flaky` ⚠️ unstable" in full and "its median moves" in full


# --- JUnit, OpenMetrics, CSV, JSON ---------------------------------------------------------


def test_junit_has_a_testcase_per_sla_rule_and_per_regression_verdict(reports: Path) -> None:
    xml = JUnitXml.fromfile(str(reports / "perfbench-run-8-junit.xml"))
    cases = {case.name: case for suite in xml for case in suite}
    compared = {name: case for name, case in cases.items() if " :: compared with baseline 'main' (run 7)" in name}
    assert len(compared) == len(MEDIANS) + 1  # the load benchmark is only in this run: it passes, uncompared
    assert compared[f"{LOAD_NAME} :: compared with baseline 'main' (run 7)"].result == []
    slower = compared["sort_100k :: compared with baseline 'main' (run 7)"]
    (failure,) = slower.result
    assert isinstance(failure, Failure) and "+30.0 %" in failure.message and "1 µs -> 1.3 µs" in failure.message
    assert isinstance(compared["crash :: compared with baseline 'main' (run 7)"].result[0], Skipped)
    assert compared[f"{PIPE_TICK} :: compared with baseline 'main' (run 7)"].result == []  # faster passes
    assert f"{HOSTILE_IMG} :: tail" in cases and f"{QUOTED} :: latency" in cases
    assert isinstance(cases["crash :: ran"].result[0], Error)


def test_openmetrics_parses_and_carries_the_comparison(reports: Path) -> None:
    families = {f.name: f for f in text_string_to_metric_families((reports / "perfbench-run-8.prom").read_text())}
    change = {(s.labels["benchmark"], s.labels["bound"]): s.value for s in families["perfbench_change_ratio"].samples}
    assert change[("sort_100k", "estimate")] == pytest.approx(0.3, abs=1e-9)
    assert change[(PIPE_TICK, "estimate")] == pytest.approx(-0.3, abs=1e-9)
    states = {(s.labels["benchmark"], s.labels["perfbench_regression_verdict"]): s.value
              for s in families["perfbench_regression_verdict"].samples}
    assert states[("sort_100k", "slower")] == 1 and states[("sort_100k", "same")] == 0
    assert states[(HOSTILE_IMG, "same")] == 1 and states[(QUOTED, "same")] == 1
    assert {s.labels["base_run"] for s in families["perfbench_change_ratio"].samples} == {"7"}


def test_csv_keeps_hostile_names_intact(reports: Path) -> None:
    rows = list(csv.DictReader(io.StringIO((reports / "perfbench-run-8.csv").read_bytes().decode(), newline="")))
    assert [r["benchmark"] for r in rows if r["unit"] in ("ns", "")][:len(NAMES)] == NAMES


def test_statistics_csv_is_tidy(reports: Path) -> None:
    """One row per run x benchmark x statistic, units in the column names: pandas pivots it as is."""
    import pandas as pd

    frame = pd.read_csv(reports / "perfbench-run-8-statistics.csv", keep_default_na=False, na_values=[""])
    assert list(frame.columns[:5]) == ["run_id", "lane", "benchmark", "statistic", "value_ns"]
    assert not frame.duplicated(["run_id", "lane", "benchmark", "statistic"]).any()
    medians = frame[frame.statistic == "median"].set_index("benchmark")["value_ns"]
    assert medians["sort_100k"] == pytest.approx(1300.0) and medians[PIPE_TICK] == pytest.approx(140.0)
    assert medians[HOSTILE_IMG] == pytest.approx(50.0) and medians[QUOTED] == pytest.approx(80.0)
    assert "crash" not in set(frame.benchmark)  # no measurement, no statistics (the wide file says why)
    timed = frame[frame.benchmark != LOAD_NAME]
    assert timed.pivot(index="benchmark", columns="statistic", values="value_ns").shape == (len(NAMES) - 1, 11)
    # the load benchmark's rows are its spectra over every request, not statistics of its window medians
    load = frame[frame.benchmark == LOAD_NAME].set_index("statistic")
    assert list(load.index) == [*(p for p, _, _ in LOAD_SPECTRUM), *(f"uncorrected_{p}" for p, _, _ in LOAD_SPECTRUM)]
    assert load.loc["p99", "value_ns"] == 40009727 and load.loc["uncorrected_p99", "value_ns"] == 3000319
    assert load.loc["max", "value_ns"] == 250e6 and (load["samples"] == 1950).all()
    assert load.loc["p99", "interval_from"] == "between 4 1 s windows" and load.loc["p99", "ci95_low_ns"] > 0


def test_json_report_is_the_versioned_export_with_the_comparison(reports: Path, tmp_path: Path) -> None:
    import subprocess
    import sys

    path = reports / "perfbench-run-8.json"
    document = json.loads(path.read_text())
    assert document["format"] == "perfbench-run" and document["version"] == 2
    verdicts = {v["benchmark"]: v["status"] for v in document["comparison"]["verdicts"]}
    assert verdicts["sort_100k"] == "slower" and verdicts[PIPE_TICK] == "faster"
    completed = subprocess.run([sys.executable, "-m", "perfbench", "import", str(path), "--store", "again.db"],
                               cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert completed.returncode == 0, completed.stderr
    from perfbench.store import open_store

    with open_store(tmp_path / "again.db", create=False) as store:
        (run,) = store.runs()
        imported = [s.result for s in store.results(run.id)]
    assert [r.benchmark for r in imported] == [*NAMES, LOAD_NAME]
    # the load benchmark's iterations came back whole: the same spectra, timeline and counters
    from perfbench.export.load_figures import load_figures
    from report_fixture import load_benchmark

    assert load_figures(imported[-1]) == load_figures(load_benchmark())


# --- the load benchmark ------------------------------------------------------------------


def test_markdown_shows_the_load_spectrum_with_its_rates_and_verdict(reports: Path) -> None:
    """The fixture's first screen is full (38 lines): the spectrum goes into the details, and
    the first screen says where it is."""
    lines = (reports / "perfbench-run-8.md").read_text().splitlines()
    fold = lines.index("<details><summary>every benchmark (7)</summary>")
    assert "**Load** (1): the latency spectra are in the details below." in lines[:fold]
    assert len(lines[:fold]) <= 40
    facts = next(i for i, line in enumerate(lines) if line.startswith(f"**Load** `{LOAD_KEY}`"))
    assert facts > fold
    assert lines[facts] == (f"**Load** `{LOAD_KEY}`: target 500/s, achieved 495/s; error rate 2.5 % "
                            "(20 rate-limited, 429); verdict **valid**")
    tables = _tables(MarkdownIt("commonmark").enable("table").parse("\n".join(lines[facts:])))
    assert tables[0] == [["percentile", "corrected", "uncorrected"], *LOAD_SPECTRUM]


def test_markdown_puts_the_load_spectrum_on_the_first_screen_when_it_fits() -> None:
    from perfbench.export.markdown_report import markdown
    from report_fixture import load_benchmark, report_of

    text = markdown(report_of(load_benchmark()))
    lines = text.splitlines()
    fold = next(i for i, line in enumerate(lines) if line.startswith("<details>"))
    facts = lines.index(f"**Load** `{LOAD_KEY}`: target 500/s, achieved 495/s; error rate 2.5 % (20 rate-limited, "
                        "429); verdict **valid**")
    assert facts < fold
    assert lines[facts + 2:facts + 13] == ["| percentile | corrected | uncorrected |", "| :-- | --: | --: |",
                                           *(f"| {' | '.join(row)} |" for row in LOAD_SPECTRUM)]
    assert sum(line.startswith(f"**Load** `{LOAD_KEY}`") for line in lines) == 1  # not again in the details
    # the details' row reads p50 and p99 as its SLA rules do (every request pooled), not its window medians'
    assert (f"| `{LOAD_KEY}` | ok (load: corrected latency per request) | 1.5 ms | [793.6 µs, 2.836 ms] | 40.01 ms "
            "| 1950 requests |") in lines


def test_openmetrics_carries_the_load_gauges(reports: Path) -> None:
    families = {f.name: f for f in text_string_to_metric_families((reports / "perfbench-run-8.prom").read_text())}
    latency = {(s.labels["kind"], s.labels["quantile"]): s.value
               for s in families["perfbench_load_latency_seconds"].samples if s.labels["benchmark"] == LOAD_NAME}
    assert len(latency) == 18
    # bucket tops of 40 ms and 3 ms (3 significant digits); the maximum is exact
    assert latency[("corrected", "0.99")] == pytest.approx(0.040009727)
    assert latency[("uncorrected", "0.99")] == pytest.approx(0.003000319)
    assert latency[("corrected", "1")] == 0.25 and latency[("uncorrected", "1")] == 0.005
    rate = {s.labels["kind"]: s.value for s in families["perfbench_load_rate"].samples}
    assert rate == {"achieved": 495.0, "target": 500.0}
    errors = {s.labels["kind"]: s.value for s in families["perfbench_load_errors"].samples}
    assert {k: v for k, v in errors.items() if v} == {"reset": 8, "timeout": 12, "rate_limited": 20, "status_5xx": 10}
    assert families["perfbench_load_error_ratio"].samples[0].value == pytest.approx(0.025)
    lag = {s.labels["quantile"]: s.value for s in families["perfbench_load_send_lag_seconds"].samples}
    assert lag["0.99"] == pytest.approx(20.015e-6) and lag["1"] == pytest.approx(200e-6, rel=1e-3)
    growth = {s.labels["process"]: s.value for s in families["perfbench_load_memory_growth_ratio"].samples}
    assert growth == pytest.approx({"generator": 0.05, "server": 0.02})
    assert [s.value for s in families["perfbench_load_valid"].samples] == [1]


def test_csv_load_timeline_has_every_second_of_every_iteration(reports: Path) -> None:
    rows = list(csv.DictReader(io.StringIO((reports / "perfbench-run-8-load-timeline.csv").read_bytes().decode(),
                                           newline="")))
    assert [(r["benchmark"], r["iteration"], r["second"]) for r in rows] == [
        (LOAD_NAME, "0", "0"), (LOAD_NAME, "0", "1"), (LOAD_NAME, "1", "0"), (LOAD_NAME, "1", "1")]
    second = rows[1]
    assert (second["completed"], second["rate_limited"], second["status_5xx"], second["timeout"], second["reset"]) \
        == ("493", "5", "3", "4", "3")
    assert (second["corrected_p99"], second["uncorrected_p99"]) == ("250000000", "5000000")
    assert float(second["rate"]) == 493.0
    assert float(second["error_rate"]) == pytest.approx((4 + 3 + 5 + 3) / (493 + 4 + 3))



def test_csv_writes_no_load_timeline_for_a_run_without_load_benchmarks(tmp_path: Path) -> None:
    from perfbench.export.csv_report import CsvExporter
    from report_fixture import report_of

    CsvExporter().write(report_of(run_id=4), tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["perfbench-run-4-metrics.csv",
                                                          "perfbench-run-4-statistics.csv", "perfbench-run-4.csv"]


# --- push ----------------------------------------------------------------------------------


class _Recorder(http.server.BaseHTTPRequestHandler):
    requests: list[tuple[str, str, str, bytes]] = []

    def do_PUT(self) -> None:  # noqa: N802 (http.server's name)
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.requests.append((self.command, self.path, self.headers["Content-Type"], body))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def _serve(handler: type[http.server.BaseHTTPRequestHandler]) -> http.server.HTTPServer:
    server = http.server.HTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def _report(tmp_path: Path, *args: str) -> "subprocess.CompletedProcess[str]":
    import subprocess
    import sys

    build_report_store(tmp_path / "r.db")
    return subprocess.run([sys.executable, "-m", "perfbench", "report", "--store", "r.db", "--format", "openmetrics",
                           "--output-dir", "out", *args], cwd=tmp_path, capture_output=True, text=True, timeout=120)


def test_push_sends_the_gauges_to_a_pushgateway(tmp_path: Path) -> None:
    server = _serve(_Recorder)
    try:
        completed = _report(tmp_path, "--push", f"http://127.0.0.1:{server.server_port}")
    finally:
        server.shutdown()
        server.server_close()
    assert completed.returncode == 0, completed.stderr
    ((method, path, content_type, body),) = _Recorder.requests
    assert method == "PUT" and path.startswith("/metrics/job/perfbench/host/")
    assert content_type.startswith("text/plain; version=0.0.4")
    text = body.decode()
    assert 'perfbench_benchmark_seconds{benchmark="sort_100k",host=' in text
    # the same figure as the written file
    written = {(s.labels["benchmark"], s.labels["statistic"]): s.value for f in
               text_string_to_metric_families((tmp_path / "out/perfbench-run-8.prom").read_text())
               if f.name == "perfbench_benchmark_seconds" for s in f.samples}
    assert written[("sort_100k", "median")] == pytest.approx(1.3e-6)
    assert "1.3e-06" in text


def test_push_gives_up_after_its_timeout_with_one_line(tmp_path: Path) -> None:
    silent = socket.socket()  # accepts connections (the backlog) and never answers
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    try:
        started = time.monotonic()
        completed = _report(tmp_path, "--push", f"http://127.0.0.1:{silent.getsockname()[1]}", "--push-timeout", "1s")
        elapsed = time.monotonic() - started
    finally:
        silent.close()
    assert completed.returncode == 2
    (line,) = completed.stderr.strip().splitlines()[-1:]
    assert "could not reach the Pushgateway" in line and "timed out" in line
    assert "Traceback" not in completed.stderr
    assert elapsed < 60  # bounded by the timeout, not by the OS's (minutes)
    assert (tmp_path / "out/perfbench-run-8.prom").exists()  # the reports are written first


def test_push_to_a_closed_port_is_one_line(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    completed = _report(tmp_path, "--push", f"http://127.0.0.1:{port}")
    assert completed.returncode == 2
    assert "could not reach the Pushgateway" in completed.stderr and "refused" in completed.stderr.lower()
    assert "Traceback" not in completed.stderr


@pytest.mark.parametrize(("args", "fragment"), [
    (("--push", "localhost:9091"), "give the Pushgateway's URL"),
    (("--push", "http://127.0.0.1:9", "--push-timeout", "soon"), "--push-timeout"),
    (("--threshold", "5%"), "only with --baseline NAME or --compare RUN"),
    (("--baseline", "nightly"), "'nightly' is neither a baseline nor a run id"),
])
def test_bad_report_flags_are_one_line_errors(tmp_path: Path, args: tuple[str, ...], fragment: str) -> None:
    completed = _report(tmp_path, *args)
    assert completed.returncode == 2, completed.stderr
    assert fragment in completed.stderr and len(completed.stderr.strip().splitlines()) == 1


def test_markdown_first_screen_stays_short_for_a_large_suite(tmp_path: Path) -> None:
    """60 benchmarks, 20 of them slower: the first screen shows the worst SHOWN_ROWS changes and
    counts the rest; the details hold every row."""
    import subprocess
    import sys

    from history_runs import store_history
    from perfbench.export.markdown_report import SHOWN_ROWS
    from perfbench.store import open_store

    medians = {f"big/b{i:02d}": [100.0] * 5 + [100.0 * (1.3 + i / 100 if i < 20 else 1.0)] for i in range(60)}
    with open_store(tmp_path / "r.db") as store:
        store_history(store, medians)
    completed = subprocess.run([sys.executable, "-m", "perfbench", "report", "--store", "r.db", "--compare", "5",
                                "--format", "md", "--output-dir", "."], cwd=tmp_path, capture_output=True, text=True,
                               timeout=120)
    assert completed.returncode == 0, completed.stderr
    lines = (tmp_path / "perfbench-run-6.md").read_text().splitlines()
    first_screen = lines[:lines.index("<details><summary>every benchmark (60)</summary>")]
    assert first_screen[0].startswith("❌ **perfbench**: 20 slower, 40 same: worst `big/b19` +49.0 %")
    assert sum("🔴 slower" in line for line in first_screen) == SHOWN_ROWS
    assert "… and 5 more in the details below." in first_screen
    assert len(first_screen) <= 40
    assert sum("🔴 slower" in line for line in lines) == SHOWN_ROWS + 20
    assert "baseline accept" not in "\n".join(lines)  # compared with a run, not a baseline
