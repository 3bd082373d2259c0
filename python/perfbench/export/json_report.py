"""perfbench's versioned JSON (``interchange/perfbench_format.py``; README, "JSON export
format"): the whole run, samples included, as ``export`` writes it, and with a comparison its
verdicts under ``comparison``. ``import`` reads the file back."""

from __future__ import annotations

from pathlib import Path

from perfbench.export.base import ReportData, report_file
from perfbench.interchange import run_document, serialize


class JsonExporter:
    extension = "json"

    def write(self, report: ReportData, output_dir: Path) -> Path:
        if report.stored_run is None:
            raise ValueError("the JSON report is of a stored run: build the ReportData with stored_report_data")
        path = report_file(report, output_dir, self.extension)
        comparison = report.comparison.to_dict() if report.comparison is not None else None
        path.write_bytes(serialize(run_document(report.stored_run, report.results, report.verdicts, comparison)))
        return path
