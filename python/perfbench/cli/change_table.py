"""The terminal table of a comparison: slower first, then unsure, then faster, one row each
with its change, interval, threshold and MDE; the rest (same, on one side only, not
compared) as counts, with the reason of each benchmark that could not be compared.
Unsure rows say, under the table, what would settle them."""

from __future__ import annotations

from collections.abc import Mapping

from rich.table import Table
from rich.text import Text

from perfbench.analysis.comparison import ChangeVerdict, Comparison
from perfbench.cli.console import stdout_console
from perfbench.units import format_duration_ns

LISTED = ("slower", "unsure", "faster")
_STYLE = {"slower": "red", "unsure": "yellow", "faster": "green"}


def _percent(fraction: float | None) -> str:
    return "-" if fraction is None else f"{100 * fraction:+.1f} %"


def _interval(verdict: ChangeVerdict) -> str:
    if verdict.low is None or verdict.high is None:
        return "-"
    return f"{100 * verdict.low:+.1f} % .. {100 * verdict.high:+.1f} %"


def _threshold(verdict: ChangeVerdict) -> str:
    text = f"±{100 * verdict.threshold:.3g} %"
    return text if verdict.threshold_requested else f"{text} (default)"


def print_change_table(comparison: Comparison, *, title: str, sides: Mapping[str, str], change: str) -> None:
    """``sides``: how the base and the current side are named, e.g. {"base": "A", "current": "B"};
    ``change``: what the change is a change of, for the caption."""
    base, current = sides["base"], sides["current"]
    table = Table(title=title, caption=f"change: {change}; interval: 95 %; MDE: the smallest change this noise "
                                       "resolves; A, B: the medians")
    for column, justify in (("benchmark", "left"), ("verdict", "left"), ("change", "right"),
                            ("95 % interval", "right"), ("threshold", "right"), ("MDE", "right"),
                            (base, "right"), (current, "right"), ("noise", "left")):
        table.add_column(column, justify=justify)  # type: ignore[arg-type]
    for status in LISTED:
        for v in comparison.of(status):
            table.add_row(v.key, Text(status, style=_STYLE[status]), _percent(v.change), _interval(v),
                          _threshold(v), "-" if v.mde is None else f"{100 * v.mde:.3g} %",
                          format_duration_ns(v.base_median), format_duration_ns(v.current_median), v.noise)
    console = stdout_console()
    if table.rows:
        console.print(table)
    counts = comparison.counts()
    listed = ", ".join(f"{counts[s]} {s}" for s in LISTED)
    rest = {"same": "same", "only-in-base": f"only in {base}", "only-in-current": f"only in {current}",
            "not-compared": "not compared"}
    console.print(f"{listed}; " + ", ".join(f"{counts[s]} {label}" for s, label in rest.items())
                  + f" (Holm over {comparison.compared} at {100 * comparison.family_error:g} % family-wise)")
    for v in comparison.verdicts:
        if v.status == "unsure" and v.settle:
            console.print(Text(f"{v.key}: ", style="yellow") + Text(v.settle))
        if v.note:
            console.print(Text(f"{v.key}: note: ") + Text(v.note))
        if v.status == "not-compared":
            console.print(Text(f"{v.key}: not compared: ", style="red") + Text(v.reason))
        if v.status in ("only-in-base", "only-in-current"):
            side = base if v.status == "only-in-base" else current
            console.print(Text(f"{v.key}: only in {side}"))
