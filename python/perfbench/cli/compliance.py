"""The SLO compliance matrix: each rule, its benchmark, target, measured value, status."""

from __future__ import annotations

from collections.abc import Sequence

from rich.table import Table
from rich.text import Text

from perfbench.cli.console import stdout_console
from perfbench.sla import Verdict, format_value

_STYLE = {"PASS": "green", "WARNING": "yellow", "ERROR": "red", "CRITICAL": "bold red",
          "INSUFFICIENT SAMPLES": "magenta", "NOT EVALUATED": "dim", "NOT MEASURABLE": "dim", "INVALID RULE": "red"}


def print_compliance_matrix(verdicts: Sequence[Verdict], title: str = "SLO compliance") -> None:
    if not verdicts:
        return
    table = Table(title=title)
    for column in ("SLO", "benchmark", "target", "measured", "status"):
        table.add_column(column, justify="right" if column == "measured" else "left")
    for v in verdicts:
        table.add_row(v.rule, v.benchmark, v.expression, format_value(v.measured, v.unit),
                      Text(v.label, style=_STYLE.get(v.label, "")))
    counts: dict[str, int] = {}
    for v in verdicts:
        counts[v.label] = counts.get(v.label, 0) + 1
    table.caption = ", ".join(f"{count} {label.lower()}" for label, count in counts.items())
    stdout_console().print(table)
