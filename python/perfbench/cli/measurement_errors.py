"""Impossible figures in the CLI's tables: the cell says "error" instead of the figure, and
the errors are listed once under the tables (see analysis/plausibility.py)."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text

from perfbench.analysis.plausibility import error_for
from perfbench.cli.console import stdout_console
from perfbench.model import BenchmarkResult

ERROR_CELL = "error"


def figure_cell(result: BenchmarkResult, figure: str, shown: str) -> str | Text:
    """``shown``, or a marked "error" where ``figure`` is a measurement error of ``result``."""
    return Text(ERROR_CELL, style="bold red") if error_for(result, figure) else shown


def print_measurement_errors(results: Sequence[BenchmarkResult]) -> None:
    found = [(result.key, error) for result in results for error in result.measurement_errors]
    if not found:
        return
    console = stdout_console()
    console.print(Text(f"{len(found)} measurement error(s): figures that cannot be, shown as '{ERROR_CELL}'; they "
                       "are not results — measure again (a quieter machine, more rounds)", style="bold red"),
                  highlight=False)
    for key, error in found:
        console.print(Text(f"  {key}: ", style="red") + Text(f"{error.message} [{error.check}]"), highlight=False)
