"""Report exporters: one file per format, one interface.

An exporter receives a ``ReportData`` (the run, its environment and its results) and
writes one file into the output directory, returning its path. Exporters only format;
they compute nothing the results do not already hold.
"""

from __future__ import annotations

from perfbench.export.base import Exporter, ReportData
from perfbench.export.csv_report import CsvExporter
from perfbench.export.html_report import HtmlExporter
from perfbench.export.json_report import JsonExporter
from perfbench.export.junit_report import JunitExporter
from perfbench.export.markdown_report import MarkdownExporter
from perfbench.export.openmetrics_report import OpenMetricsExporter

EXPORTERS: dict[str, type[Exporter]] = {"csv": CsvExporter, "html": HtmlExporter, "md": MarkdownExporter,
                                         "json": JsonExporter, "junit": JunitExporter, "openmetrics": OpenMetricsExporter}
DEFAULT_FORMATS = ("csv", "html")  # what `run` writes at its end; `report --format` writes any of EXPORTERS

__all__ = ["DEFAULT_FORMATS", "EXPORTERS", "CsvExporter", "Exporter", "HtmlExporter", "JsonExporter", "JunitExporter", "MarkdownExporter", "OpenMetricsExporter",
           "ReportData"]
