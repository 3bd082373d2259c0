"""The terminal's table of load benchmarks. Their samples are window medians, not times per
iteration, so they are left out of the timing table and shown here by what a load test
measured: the rates, the corrected spectrum with the uncorrected p99 beside it, the errors,
the generator's send lag and the verdict (export/load_figures.py reads them)."""

from __future__ import annotations

from collections.abc import Sequence

from rich.table import Table
from rich.text import Text

from perfbench.cli.console import stdout_console
from perfbench.cli.measurement_errors import figure_cell
from perfbench.export.load_figures import LoadFigures, all_load_figures, rate_text, share_text
from perfbench.model import BenchmarkResult
from perfbench.units import format_duration_ns

CAPTION = ("corrected: from each request's intended send time (stalls included); uncorrected: from when it was "
           "written, as a closed-loop tool reports; errors: transport errors, 429s, 4xx, 5xx and cancelled "
           "requests; lag: how late the generator sent")


def load_table(results: Sequence[BenchmarkResult]) -> Table | None:
    """The table of the load benchmarks among ``results`` (None: there are none)."""
    by_key = {result.key: result for result in results}
    figures = all_load_figures(results)
    if not figures:
        return None
    table = Table(title="perfbench load benchmarks (latency per request)", caption=CAPTION)
    for column, justify in (("lane", "left"), ("benchmark", "left"), ("target", "right"), ("achieved", "right"),
                            ("p50", "right"), ("p99", "right"), ("p99.9", "right"), ("max", "right"),
                            ("p99 uncorrected", "right"), ("errors", "right"), ("lag p99", "right"),
                            ("verdict", "left")):
        table.add_column(column, justify=justify)  # type: ignore[arg-type]
    for f in figures:
        result = by_key[f.key]
        table.add_row(f.lane, f.benchmark, rate_text(f.target_rate), figure_cell(result, "rate", rate_text(f.achieved_rate)),
                      *(figure_cell(result, name, format_duration_ns(f.corrected(p)))
                        for name, p in (("p50", 50.0), ("p99", 99.0), ("p99.9", 99.9), ("max", 100.0))),
                      figure_cell(result, "uncorrected_p99", format_duration_ns(f.uncorrected(99.0))),
                      _errors_text(f), format_duration_ns(f.lag_p99_ns),
                      Text(f.verdict, style="" if f.verdict == "valid" else "bold red"))
    return table


def _errors_text(figures: LoadFigures) -> str:
    failed = sum(figures.errors.values())
    return f"{failed} ({share_text(figures.error_rate)})" if failed else "0"


def print_load_table(results: Sequence[BenchmarkResult]) -> None:
    table = load_table(results)
    if table is not None:
        stdout_console().print(table)
