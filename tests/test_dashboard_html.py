"""The dashboard's file without a browser: user text escaped in markup and in script data,
every section present, charts' data computed from the samples, a partial environment
tolerated, the same bytes for the same report (tests/test_dashboard_browser.py opens it)."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import numpy as np
import pytest

from dashboard_reports import HOSTILE_NAME, command_result, stored_dashboard_report
from perfbench.export.base import ReportData
from perfbench.export.dashboard_data import distribution, resources, rounded
from perfbench.export.html_report import HtmlExporter, render
from perfbench.export.inline_assets import script_json
from perfbench.model import Measurement

HOSTILE_TEXTS = [HOSTILE_NAME, "</script><script>alert(1)</script>", "<!-- a", "a & b", "line\u2028separator\u2029"]


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> ReportData:
    return stored_dashboard_report(tmp_path_factory.mktemp("dashboard") / "results.db")


@pytest.mark.parametrize("text", HOSTILE_TEXTS)
def test_script_json_holds_nothing_a_script_element_reads_as_markup(text: str) -> None:
    encoded = str(script_json({"name": text, "names": [text]}))
    assert not set("<>&\u2028\u2029") & set(encoded)
    assert json.loads(encoded) == {"name": text, "names": [text]}


def test_user_text_is_escaped_everywhere(report: ReportData) -> None:
    html = render(report)
    assert HOSTILE_NAME not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "evidence with &lt;b&gt;markup&lt;/b&gt;" in html and "only 2 logical CPU(s): &lt;shared&gt;" in html
    # scripts: BokehJS, the dashboard's own, and the JSON data; no other
    assert len(re.findall(r"<script>", html)) == 2
    assert len(re.findall(r'<script type="application/json" id="[a-z0-9-]+">', html)) == html.count("<script") - 2


def test_every_section_is_there(report: ReportData) -> None:
    html = render(report)
    for section in ("summary", "slo", "changes", "results-section", "benchmarks", "lanes", "recommendations",
                    "environment"):
        assert f'<section id="{section}">' in html
    assert html.count('<article class="benchmark"') == len(report.results)
    assert 'class="card change-slower"><span class="count">1</span> slower' in html
    assert 'class="cell sev-critical"' in html and 'class="cell sev-error"' in html
    assert html.count('data-chart="history"') == 4  # the stored benchmarks have 12 runs of history
    assert html.count('data-chart="cpu"') == 1  # the command benchmark's time series


def test_the_same_report_gives_the_same_bytes(report: ReportData, tmp_path: Path) -> None:
    first = HtmlExporter().write(report, tmp_path / "a").read_bytes()
    assert HtmlExporter().write(report, tmp_path / "b").read_bytes() == first


def test_a_partial_environment_reads_unknown(report: ReportData) -> None:
    html = render(ReportData(run_id=3, started_at="2026-11-30T08:00:00", status="complete", command="import",
                             environment={"cpu": {"model": "imported CPU"}}, noise_warnings=(),
                             results=report.results[:1]))
    assert "imported CPU · unknown logical / unknown physical cores" in html


def test_the_distribution_is_binned_not_shipped() -> None:
    samples = np.random.default_rng(3).lognormal(np.log(1e4), 0.1, 10_000)
    samples[:20] *= 50  # outliers beyond the drawn range: counted, not drawn
    chart = distribution(Measurement(samples_ns=samples, iterations_per_sample=1, overhead_ns=0.0,
                                     overhead_subtracted=False, clock="steady_clock", ticks_per_ns=1.0), 1e3)
    assert len(chart["counts"]) == 40 and len(chart["edges"]) == 41
    assert sum(chart["counts"]) + chart["below"] + chart["above"] == chart["n"] == 10_000
    assert chart["above"] >= 20 and chart["edges"][-1] < 2 * chart["median"]
    assert chart["edges"][0] <= chart["low"] <= chart["median"] <= chart["high"] <= chart["edges"][-1]
    assert chart["median"] == pytest.approx(float(np.median(samples)) / 1e3, rel=1e-3)


def test_a_second_mode_is_drawn() -> None:
    samples = np.concatenate([np.full(850, 100.0), np.full(150, 400.0), [5000.0]])
    samples = samples * np.random.default_rng(4).normal(1.0, 0.001, samples.size)
    chart = distribution(Measurement(samples_ns=samples, iterations_per_sample=1, overhead_ns=0.0,
                                     overhead_subtracted=False, clock="steady_clock", ticks_per_ns=1.0), 1.0)
    assert chart["edges"][-1] >= 400 and chart["above"] == 1 and chart["below"] == 0


def test_resource_series_are_thinned_per_iteration() -> None:
    lines = resources(command_result())
    assert lines is not None and len(lines["t"]) == 3  # three iterations, one line each
    assert all(len(t) == len(cpu) == len(rss) == 50 for t, cpu, rss in zip(lines["t"], lines["cpu"], lines["rss"]))
    assert lines["rss"][0][0] == 20.0 and lines["read"][0][-1] == pytest.approx(49 * 0.25)
    # a micro-benchmark's worker is sampled too, a few ticks per iteration: not charted
    assert resources(dataclasses.replace(command_result(), kind="workload")) is None


@pytest.mark.parametrize(("values", "expected"), [
    ([1234.5678, 2.0], [1235.0, 2.0]), ([0.000123456], [0.0001235]), ([123456789.0], [123500000.0]),
    ([float("nan"), 1.5], [None, 1.5])])
def test_rounded_keeps_four_significant_digits_of_the_largest(values: list[float], expected: list) -> None:
    assert rounded(values) == expected
