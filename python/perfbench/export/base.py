from __future__ import annotations

import dataclasses
from pathlib import Path
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Protocol

from perfbench.model import BenchmarkResult
from perfbench.sla import Verdict

if TYPE_CHECKING:
    from perfbench.analysis.trend import BenchmarkTrend
    from perfbench.recommend import Recommendation
    from perfbench.run_comparison import RunComparison
    from perfbench.store import Baseline, StoredRun

@dataclasses.dataclass(frozen=True, slots=True)
class ReportData:
    """What every exporter formats: one run, its results and SLA verdicts, and what the store
    knows around it. The fields after ``verdicts`` are empty where the caller had none (a
    report of a run with no comparison asked for, a store holding no other run)."""

    run_id: int
    started_at: str
    status: str
    command: str
    environment: dict[str, Any]
    noise_warnings: tuple[str, ...]
    results: tuple[BenchmarkResult, ...]
    verdicts: tuple[Verdict, ...] = ()
    # The run against a baseline or another run (`--baseline NAME`, `--compare RUN`).
    comparison: RunComparison | None = None
    # The command that reproduces `comparison` (for the reader of a pull-request comment).
    reproduce: str = ""
    # Per "lane/benchmark": its history on this run's host up to this run, with its steps.
    trends: Mapping[str, BenchmarkTrend] = dataclasses.field(default_factory=dict)
    # Per "lane/benchmark": why its history marks it unstable (absent: stable or too short to say).
    unstable: Mapping[str, str] = dataclasses.field(default_factory=dict)
    # The store's saved baselines (name -> run), to mark on history charts.
    baselines: tuple[Baseline, ...] = ()
    recommendations: tuple[Recommendation, ...] = ()
    # The run as the store holds it (its metadata, noise, finish time), for formats that carry it whole.
    stored_run: StoredRun | None = None


class Exporter(Protocol):
    extension: str

    def write(self, report: ReportData, output_dir: Path) -> Path: ...


def report_file(report: ReportData, output_dir: Path, extension: str, part: str = "") -> Path:
    output_dir.mkdir(parents=True, exist_ok=True)
    return output_dir / f"perfbench-run-{report.run_id}{'-' + part if part else ''}.{extension}"


def write_text_report(report: ReportData, output_dir: Path, extension: str, text: str, part: str = "") -> Path:
    """``text`` written as the report's file of ``extension`` (UTF-8); its path."""
    path = report_file(report, output_dir, extension, part)
    path.write_text(text, encoding="utf-8")
    return path
