"""The HTML dashboard of one run: a single file that opens from file:// with no network
request. BokehJS, the page's script and style and every chart's data are inlined; the
charts are drawn in the browser from small per-benchmark data (dashboard_data), each when
its section first scrolls into view, so that the first paint does not wait for 200
benchmarks' charts.

Everything a user wrote (benchmark, lane and rule names, messages) reaches the page through
jinja2's autoescaping or as JSON escaped for <script> (inline_assets.script_json). Nothing
time- or random-dependent is written: the same run gives the same bytes (``report`` and
``run`` write identical files).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import jinja2

from perfbench.analysis.plausibility import error_for
from perfbench.export import dashboard_data
from perfbench.export.base import ReportData, write_text_report
from perfbench.export.load_figures import all_load_figures, growth_text, rate_text, share_text
from perfbench.export.inline_assets import bokeh_script, dashboard_asset, script_json
from perfbench.sla import SEVERITIES, format_interval, format_value
from perfbench.units import format_duration_ns

_environment = jinja2.Environment(
    loader=jinja2.PackageLoader("perfbench", "templates"),
    autoescape=jinja2.select_autoescape(["html", "j2"]),
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
_environment.filters["duration"] = format_duration_ns
_environment.filters["percent"] = lambda v: "-" if v is None else f"{100 * v:.2f} %"
_environment.filters["signed_percent"] = lambda v: "-" if v is None else f"{100 * v:+.2f} %"
_environment.filters["metric"] = lambda m: format_value(m.value, m.unit)
_environment.filters["metric_value"] = format_value
_environment.filters["interval"] = lambda value, low, high, unit: format_interval(value, low, high, unit) or "-"
_environment.filters["metric_interval"] = lambda m: (
    f"{format_value(m.ci_low, m.unit)} – {format_value(m.ci_high, m.unit)}" if m.has_interval else "-")
_environment.filters["script_json"] = script_json
_environment.filters["rate"] = rate_text
_environment.filters["share"] = share_text
_environment.filters["growth"] = growth_text
_environment.globals["error_for"] = error_for

# The order verdict counts and matrix cells are read in: what needs action first.
VERDICT_LABELS = ("CRITICAL", "ERROR", "WARNING", "UNSURE", "PASS", "INSUFFICIENT SAMPLES", "MEASUREMENT ERROR",
                  "INVALID RULE", "NOT EVALUATED", "NOT MEASURABLE")


def verdict_class(status: str, severity: str | None) -> str:
    """The CSS class of an SLA verdict's cell: its severity when violated, else its status."""
    if status in ("violated", "invalid") and severity in SEVERITIES:
        return f"sev-{severity}"
    return f"st-{status}"


_environment.globals["verdict_class"] = verdict_class


def slo_matrix(report: ReportData) -> dict[str, Any]:
    """Benchmarks (rows) by rules (columns), each cell the verdict of that rule on that benchmark."""
    rules = list(dict.fromkeys(v.rule for v in report.verdicts))
    rows: dict[str, dict[str, Any]] = {}
    for verdict in report.verdicts:
        rows.setdefault(verdict.benchmark, {})[verdict.rule] = verdict
    return {"rules": rules, "rows": rows}


def lane_rows(report: ReportData) -> list[dict[str, Any]]:
    """Per lane: how many benchmarks ran, failed, broke an SLA rule, changed; the time measured."""
    violated = {v.benchmark for v in report.verdicts if v.status in ("violated", "invalid", "measurement-error")}
    changes = {v.key: v.status for v in report.comparison.verdicts} if report.comparison else {}
    lanes: dict[str, dict[str, Any]] = {}
    for result in report.results:
        lane = lanes.setdefault(result.lane, {"lane": result.lane, "benchmarks": 0, "failed": 0, "sla": 0,
                                              "slower": 0, "faster": 0, "measured_ns": 0.0})
        lane["benchmarks"] += 1
        lane["failed"] += result.could_not_run
        lane["sla"] += result.key in violated
        lane["slower"] += changes.get(result.key) == "slower"
        lane["faster"] += changes.get(result.key) == "faster"
        lane["measured_ns"] += sum(i.wall_ns or 0.0 for i in result.counted_iterations)
    return list(lanes.values())


def shared_benchmarks(report: ReportData) -> list[tuple[str, dict[str, float | None]]]:
    """Benchmarks run in more than one lane, with each lane's median (ns; None: no measurement)."""
    by_name: dict[str, dict[str, float | None]] = {}
    for result in report.results:
        by_name.setdefault(result.benchmark, {})[result.lane] = (
            result.measurement.median if result.measurement is not None else None)
    return [(name, lanes) for name, lanes in by_name.items() if len(lanes) > 1]


def _known(value: Any) -> str:
    return "unknown" if value is None or value == "" else str(value)


def environment_rows(env: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The environment as (what, value) lines. Imported runs and old stores hold only part of
    it: what is missing reads "unknown" rather than failing the report."""
    cpu, clock, build = env.get("cpu") or {}, env.get("clock") or {}, env.get("build") or {}
    python, virtual, counters = env.get("python") or {}, env.get("virtualization") or {}, env.get("hardware_counters") or {}
    ticks = clock.get("ticks_per_ns")
    return [
        ("CPU", f"{_known(cpu.get('model'))} · {_known(cpu.get('logical_cores'))} logical / "
                f"{_known(cpu.get('physical_cores'))} physical cores"),
        ("governor · turbo · SMT", " · ".join(_known(cpu.get(key)) for key in ("governor", "turbo", "smt"))),
        ("clock", f"{_known(clock.get('source'))} at {'unknown' if ticks is None else f'{ticks:.4f}'} ticks/ns, "
                  f"resolution {format_duration_ns(clock.get('resolution_ns'))} ({_known(clock.get('selection_reason'))})"),
        ("clocksource · ASLR", f"{_known(env.get('clocksource'))} · randomize_va_space={_known(env.get('aslr'))}"),
        ("virtualisation", f"yes: {', '.join(virtual.get('evidence') or ())}" if virtual.get("detected")
                           else "none detected" if virtual else "unknown"),
        ("hardware counters", ("available" if counters.get("available") else
                               f"unavailable: {_known(counters.get('reason'))}")
                              + f" (perf_event_paranoid={_known(env.get('perf_event_paranoid'))})"),
        ("kernel · Python", f"{_known(env.get('kernel'))} · {_known(python.get('implementation'))} "
                            f"{_known(python.get('version'))}"),
        ("core build", f"perfbench {_known(env.get('perfbench_version'))} · {_known(build.get('compiler'))} · "
                       f"{_known(build.get('cxx_flags'))}"),
    ]


def page_context(report: ReportData) -> dict[str, Any]:
    comparison = report.comparison
    marks = dashboard_data.run_marks(report.baselines, comparison.base.run.id if comparison else None,
                                     comparison.base.how if comparison else "")
    loads = {figures.key: figures for figures in all_load_figures(report.results)}
    charts = [dashboard_data.benchmark_charts(result, report.trends.get(result.key), marks, report.run_id,
                                              loads.get(result.key)) for result in report.results]
    labels = Counter(v.label for v in report.verdicts)
    return {
        "report": report,
        "environment": environment_rows(report.environment),
        "charts": charts,
        "loads": loads,
        "verdict_counts": [(label, labels[label]) for label in VERDICT_LABELS if labels[label]],
        "change_counts": comparison.comparison.counts() if comparison else {},
        "changes": {v.key: v for v in comparison.verdicts} if comparison else {},
        "matrix": slo_matrix(report),
        "worst_verdict": _worst_verdicts(report),
        "lanes": lane_rows(report),
        "lane_medians": dashboard_data.lane_medians(report.results),
        "shared": shared_benchmarks(report),
        "recommendations": sorted(report.recommendations, key=lambda r: r.priority),
        "bokeh_script": bokeh_script(),
        "dashboard_script": dashboard_asset("dashboard.js"),
        "dashboard_style": dashboard_asset("dashboard.css"),
    }


def _worst_verdicts(report: ReportData) -> dict[str, Any]:
    """Per benchmark, its worst SLA verdict (by severity), for the tag on its section."""
    worst: dict[str, Any] = {}
    for verdict in report.verdicts:
        if verdict.status in ("violated", "unsure", "invalid", "measurement-error"):
            current = worst.get(verdict.benchmark)
            if current is None or verdict.rank > current.rank:
                worst[verdict.benchmark] = verdict
    return worst


def render(report: ReportData) -> str:
    return _environment.get_template("dashboard.html.j2").render(page_context(report))


class HtmlExporter:
    extension = "html"

    def write(self, report: ReportData, output_dir: Path) -> Path:
        return write_text_report(report, output_dir, self.extension, render(report))
