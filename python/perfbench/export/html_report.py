"""A self-contained HTML summary of one run (inline CSS, no scripts, no network)."""

from __future__ import annotations

from pathlib import Path

import jinja2

from perfbench.analysis.plausibility import error_for
from perfbench.export.base import ReportData, report_file
from perfbench.sla import format_interval, format_value
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
_environment.filters["metric"] = lambda m: format_value(m.value, m.unit)
_environment.filters["metric_value"] = format_value
_environment.filters["interval"] = lambda value, low, high, unit: format_interval(value, low, high, unit) or "-"
_environment.filters["metric_interval"] = lambda m: (
    f"{format_value(m.ci_low, m.unit)} – {format_value(m.ci_high, m.unit)}" if m.has_interval else "-")
_environment.globals["error_for"] = error_for


class HtmlExporter:
    extension = "html"

    def write(self, report: ReportData, output_dir: Path) -> Path:
        path = report_file(report, output_dir, self.extension)
        template = _environment.get_template("summary.html.j2")
        path.write_text(template.render(report=report), encoding="utf-8")
        return path
