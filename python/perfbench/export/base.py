from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any, Protocol

from perfbench.model import BenchmarkResult
from perfbench.sla import Verdict


@dataclasses.dataclass(frozen=True, slots=True)
class ReportData:
    run_id: int
    started_at: str
    status: str
    command: str
    environment: dict[str, Any]
    noise_warnings: tuple[str, ...]
    results: tuple[BenchmarkResult, ...]
    verdicts: tuple[Verdict, ...] = ()


class Exporter(Protocol):
    extension: str

    def write(self, report: ReportData, output_dir: Path) -> Path: ...


def report_file(report: ReportData, output_dir: Path, extension: str, part: str = "") -> Path:
    output_dir.mkdir(parents=True, exist_ok=True)
    return output_dir / f"perfbench-run-{report.run_id}{'-' + part if part else ''}.{extension}"
