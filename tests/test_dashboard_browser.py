"""The HTML dashboard in real headless Chromium (Debian's chromium + chromium-driver, driven
with selenium): no console error, no network request, every chart drawn with a size,
sorting reorders a table, filtering hides rows, and a benchmark named as an HTML injection
shows as text and runs nothing.

Where Chromium is missing the check skips locally, and fails in CI (CI set), so a CI
machine without it cannot pass it silently.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import headless_chromium
from headless_chromium import Visit
from dashboard_reports import HOSTILE_NAME, stored_dashboard_report
from perfbench.export.html_report import HtmlExporter
from report_fixture import PIPE_TICK, QUOTED, build_report_store

_why_not = headless_chromium.missing()
if _why_not is not None:
    if os.environ.get("CI"):
        pytest.fail(f"the dashboard's browser check cannot run: {_why_not}", pytrace=False)
    pytest.skip(f"the dashboard's browser check cannot run: {_why_not}", allow_module_level=True)


@pytest.fixture(scope="module")
def dashboard(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("dashboard")
    return HtmlExporter().write(stored_dashboard_report(directory / "results.db"), directory)


@pytest.fixture(scope="module")
def page(dashboard: Path) -> Iterator[Visit]:
    """The dashboard opened once, with what loading it did; its screenshot beside it."""
    with headless_chromium.chromium() as driver:
        loaded = headless_chromium.visit(driver, dashboard)
        headless_chromium.screenshot(driver, dashboard.with_suffix(".png"))
        yield loaded


def test_opening_it_requests_nothing_but_the_file_itself(page: Visit, dashboard: Path) -> None:
    # data: URLs are Bokeh's inline icons: decoded in place, never sent
    requested = [url for url in page.urls if not url.startswith("data:")]
    assert requested == [dashboard.resolve().as_uri()]


def test_no_console_errors(page: Visit) -> None:
    assert page.errors == []


def test_every_chart_is_drawn_with_a_size(page: Visit) -> None:
    charts = page.charts
    # the lanes' chart; distribution and history of the four stored benchmarks; the
    # command's distribution and its CPU, RSS and IO series; the load benchmark's timeline
    # (rate, latency, errors) and spectra; the failed benchmark has none
    assert sorted(c["kind"] for c in charts) == sorted(["lanes", *["distribution", "history"] * 4, "distribution",
                                                        "cpu", "rss", "io", "load-rate", "load-latency",
                                                        "load-errors", "load-spectrum"])
    for chart in charts:
        assert chart["state"] == "done", chart
        assert chart["width"] > 100 and chart["height"] > 100, chart
        assert chart["canvas_width"] > 100 and chart["canvas_height"] > 100, chart


def _column(page: Visit, table: str, index: int) -> list[str]:
    return page.driver.execute_script(
        "return Array.from(document.querySelectorAll(arguments[0] + ' tbody tr'))"
        ".filter((row) => !row.hidden).map((row) => row.cells[arguments[1]].textContent.trim())", table, index)


def test_sorting_a_table_reorders_its_rows(page: Visit) -> None:
    before = _column(page, "#results", 1)
    header = page.driver.find_element("css selector", "#results thead th:nth-child(4)")  # median, sorted by its number
    header.click()
    ascending = _column(page, "#results", 1)
    header.click()
    descending = _column(page, "#results", 1)
    medians = page.driver.execute_script(
        "return Array.from(document.querySelectorAll('#results tbody tr'))"
        ".map((row) => row.cells[3] && row.cells[3].dataset.sort).filter((v) => v !== undefined).map(Number)")
    assert medians == sorted(medians, reverse=True)
    assert ascending != before or descending != before
    # the failed benchmark has no median: last either way
    assert ascending[-1] == descending[-1] == "flaky_io"
    measured = [name for name in descending if name != "flaky_io"]
    assert measured == list(reversed([name for name in ascending if name != "flaky_io"]))
    assert ascending[0] == "hash_lookup" and descending[0] == "compress_file"


def test_filtering_a_table_hides_the_other_rows(page: Visit) -> None:
    box = page.driver.find_element("css selector", "input[data-filter='results']")
    box.send_keys("sort_")
    assert _column(page, "#results", 1) == ["sort_10k"]
    box.clear()
    box.send_keys(" ")  # an input event with nothing to look for shows every row again
    assert len(_column(page, "#results", 1)) == 6  # the load benchmark is in its own table


# What each load chart drew: its title, its glyphs' legend labels and the y values of each line
# (the log axes' data), read from the Bokeh document the chart was shown in.
_LOAD_CHARTS_DRAWN = """
const drawn = {};
for (const doc of Bokeh.documents) {
  for (const root of doc.roots()) {
    const title = root.title ? root.title.text : "";
    const lines = root.renderers.filter((r) => r.glyph && r.glyph.type === "Line")
      .map((r) => Array.from(r.data_source.data.y || r.glyph.y.value || []));
    const legend = root.legend && root.legend.items ? root.legend.items.map((item) => item.label.value) : [];
    const ticker = root.below.length ? root.below[0].ticker : null;
    drawn[title] = { lines, legend, ticks: ticker && ticker.ticks ? Array.from(ticker.ticks) : [],
                     log: root.y_scale.type === "LogScale" };
  }
}
return drawn;
"""


def test_the_load_charts_draw_the_constructed_figures(page: Visit) -> None:
    """The load benchmark (tests/report_fixture.py) drawn: the spectra on a log axis with the
    percentiles on the nines scale, the per-second latencies, the achieved and scheduled
    rates, and the error kinds that occurred."""
    page.driver.execute_script("window.perfbenchDrawAll()")
    drawn = page.driver.execute_script(_LOAD_CHARTS_DRAWN)
    spectrum = drawn["latency by percentile: corrected and uncorrected"]
    assert spectrum["log"] and spectrum["legend"] == ["corrected", "uncorrected"]
    corrected, uncorrected = spectrum["lines"]
    # ms: min, p50, p75, p90, p95, p99, p99.9, p99.99, max (bucket tops of 1.5, 3 and 40 ms; 250 ms is the exact maximum)
    assert [round(v, 1) for v in corrected] == [1.5, 1.5, 1.5, 3.0, 3.0, 40.0, 250.0, 250.0, 250.0]
    assert [round(v, 1) for v in uncorrected] == [1.0, 1.0, 1.0, 1.5, 1.5, 3.0, 5.0, 5.0, 5.0]
    assert spectrum["ticks"][:7] == pytest.approx([0.0, 0.301, 0.602, 1.0, 1.301, 2.0, 3.0], abs=1e-3)
    latency = drawn["latency per second: corrected (solid) and uncorrected (dashed)"]
    assert latency["log"]
    assert [round(v, 1) for v in latency["lines"][0]] == [40.0, 250.0, 40.0, 250.0]  # corrected p99, 2 iterations
    rate = drawn["responses per second: achieved and scheduled"]
    assert rate["lines"] == [[500.0] * 4, [497.0, 493.0, 497.0, 493.0]]
    errors = drawn["failed requests per second, by kind"]
    assert errors["legend"] == ["reset", "timeout", "rate_limited", "status_5xx"]


def test_a_hostile_benchmark_name_is_text_and_runs_nothing(page: Visit) -> None:
    from selenium.common.exceptions import NoAlertPresentException

    driver = page.driver
    assert driver.execute_script("return window.perfbenchAlerts || []") == []
    with pytest.raises(NoAlertPresentException):
        driver.switch_to.alert.text  # noqa: B018 (reading it is the check)
    shown = driver.execute_script("return Array.from(document.querySelectorAll('.benchmark-name'))"
                                  ".map((element) => element.textContent)")
    assert HOSTILE_NAME in shown
    assert HOSTILE_NAME in _column(page, "#results", 1)
    assert driver.execute_script("return document.querySelectorAll('img').length") == 0
    assert driver.execute_script("return document.querySelectorAll('[onerror]').length") == 0


def test_the_dashboard_report_writes_from_a_store_opens_cleanly(tmp_path: Path) -> None:
    """`report --baseline main` on the golden files' store (tests/report_fixture.py): the
    dashboard made through the CLI from what the store holds (history, steps, baselines,
    the comparison), with hostile names in it."""
    build_report_store(tmp_path / "r.db")
    completed = subprocess.run([sys.executable, "-m", "perfbench", "report", "--store", "r.db", "--baseline", "main",
                                "--format", "html", "--output-dir", "reports"],
                               cwd=tmp_path, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert completed.returncode == 0, completed.stderr
    (path,) = (tmp_path / "reports").glob("*.html")
    with headless_chromium.chromium() as driver:
        visit = headless_chromium.visit(driver, path)
        assert visit.errors == []
        assert [url for url in visit.urls if not url.startswith("data:")] == [path.resolve().as_uri()]
        assert visit.charts and all(c["state"] == "done" and c["canvas_height"] > 100 for c in visit.charts)
        # five measured benchmarks with 8 runs of history, the timed-out one with its 7
        assert sum(c["kind"] == "history" for c in visit.charts) == 6
        names = driver.execute_script("return Array.from(document.querySelectorAll('.benchmark-name'))"
                                      ".map((element) => element.textContent)")
        assert {HOSTILE_NAME, PIPE_TICK, QUOTED} <= set(names)
        assert driver.execute_script("return [document.querySelectorAll('img').length, window.perfbenchAlerts || []]") \
            == [0, []]
        assert driver.find_element("css selector", "#changes").is_displayed()
