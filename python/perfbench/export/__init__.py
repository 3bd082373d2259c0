"""Report exporters: one file per format, one interface.

An exporter receives a ``ReportData`` (the run, its environment and its results) and
writes one file into the output directory, returning its path. Exporters only format;
they compute nothing the results do not already hold.
"""

from __future__ import annotations

from perfbench.export.base import Exporter, ReportData
from perfbench.export.csv_report import CsvExporter
from perfbench.export.html_report import HtmlExporter

EXPORTERS: dict[str, type[Exporter]] = {"csv": CsvExporter, "html": HtmlExporter}

__all__ = ["EXPORTERS", "CsvExporter", "Exporter", "HtmlExporter", "ReportData"]
