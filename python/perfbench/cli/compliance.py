"""The SLO compliance matrix: each rule, its benchmark, target, measured value with its 95 %
interval, and status; then what would settle each UNSURE verdict and what disturbed the
measurements the verdicts stand on."""

from __future__ import annotations

from collections.abc import Sequence

from rich.table import Table
from rich.text import Text

from perfbench.cli.console import stdout_console
from perfbench.sla import Verdict, format_interval, format_value

_STYLE = {"PASS": "green", "WARNING": "yellow", "ERROR": "red", "CRITICAL": "bold red", "UNSURE": "cyan",
          "INSUFFICIENT SAMPLES": "magenta", "NOT EVALUATED": "dim", "NOT MEASURABLE": "dim", "INVALID RULE": "red",
          "MEASUREMENT ERROR": "bold red"}
NOISY_MARK = "*"


def status_text(verdict: Verdict) -> Text:
    label = verdict.label
    if verdict.status == "unsure" and verdict.between:
        label = f"UNSURE {verdict.between[0]}–{verdict.between[1]}"
    text = Text(label, style=_STYLE.get(verdict.label, ""))
    if verdict.environment:
        text.append(f" {NOISY_MARK}", style="yellow")
    return text


def measured_text(verdict: Verdict) -> str:
    shown = format_value(verdict.measured, verdict.unit)
    if verdict.measured is None:
        return shown
    if verdict.low is None:
        return shown if verdict.status in ("insufficient", "invalid", "not-evaluated") else f"{shown} (no interval)"
    return f"{shown} {format_interval(verdict.measured, verdict.low, verdict.high, verdict.unit)}"


def print_compliance_matrix(verdicts: Sequence[Verdict], title: str = "SLO compliance") -> None:
    if not verdicts:
        return
    table = Table(title=title)
    for column in ("SLO", "benchmark", "target", "measured [95 % interval]", "status"):
        table.add_column(column, justify="right" if column.startswith("measured") else "left")
    for v in verdicts:
        table.add_row(v.rule, v.benchmark, v.expression, measured_text(v), status_text(v))
    counts: dict[str, int] = {}
    for v in verdicts:
        counts[v.label] = counts.get(v.label, 0) + 1
    table.caption = ", ".join(f"{count} {label.lower()}" for label, count in counts.items())
    console = stdout_console()
    console.print(table)
    unsure = [v for v in verdicts if v.status == "unsure"]
    if unsure:
        console.print("UNSURE: the 95 % interval straddles a limit. What would settle it:", highlight=False)
        for v in unsure:
            console.print(f"  {v.benchmark} · {v.rule}: {v.settle} (interval {v.noise})", highlight=False)
    noisy = {v.benchmark: v.environment for v in verdicts if v.environment}
    if noisy:
        console.print(f"{NOISY_MARK} measured while the machine was noisy; these verdicts may be affected:",
                      highlight=False)
        for benchmark, note in noisy.items():
            console.print(f"  {benchmark}: {note}", highlight=False)
    single = sum(1 for v in verdicts if v.low is None and v.status in ("pass", "violated"))
    if single:
        console.print(f"{single} verdict(s) judged on a figure without an interval (reported once, or an observed "
                      "extreme): they hold for this run only", highlight=False)
