"""What the session's summary says (hooks.py writes it through pytest's terminal reporter):
per fixture call its median with
the 95 % interval, p99, samples, the SLA verdicts asserted and the comparison's verdict;
then where the run was stored, the comparison's counts and anything that could not be done.

A session that never called the fixture says nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from perfbench.pytest_plugin.options import LANE
from perfbench.pytest_plugin.records import CallRecord
from perfbench.pytest_plugin.state import PluginState

if TYPE_CHECKING:
    from perfbench.analysis.comparison import ChangeVerdict
    from perfbench.run_comparison import RunComparison

HEADER = ("test", "median [95 % interval]", "p99", "samples", "SLA", "vs baseline")


def _signed(fraction: float) -> str:
    return f"{100 * fraction:+.1f} %"


def change_cell(verdict: ChangeVerdict | None) -> str:
    if verdict is None:
        return ""
    if verdict.change is None:
        return verdict.status
    shown = f"{verdict.status} {_signed(verdict.change)}"
    if verdict.low is not None and verdict.high is not None:
        shown += f" [{_signed(verdict.low)}, {_signed(verdict.high)}]"
    return shown


def _sla_cell(record: CallRecord) -> str:
    if record.sla_asked:
        return f"{record.sla_asked} not judged (untimed)"
    return "; ".join(f"{v.expression}: {v.label}" for v in record.verdicts)


def _row(record: CallRecord, comparison: RunComparison | None) -> tuple[str, ...]:
    from perfbench.sla import format_interval
    from perfbench.units import format_duration_ns

    if record.result is None or record.result.measurement is None:
        return (record.name, "untimed", "", "", _sla_cell(record), "")
    stats = record.result.measurement.stats
    median = format_duration_ns(stats.median)
    interval = format_interval(stats.median, stats.ci_low, stats.ci_high, "ns")
    verdict = comparison.comparison.verdict(f"{LANE}/{record.name}") if comparison is not None else None
    return (record.name, f"{median} {interval}".strip(), format_duration_ns(stats.p99), str(stats.n),
            _sla_cell(record), change_cell(verdict))


def table_lines(records: Sequence[CallRecord], comparison: RunComparison | None) -> list[str]:
    rows = [HEADER, *(_row(r, comparison) for r in records)]
    shown = [i for i in range(len(HEADER)) if any(row[i] for row in rows[1:])] or [0]
    widths = {i: max(len(row[i]) for row in rows) for i in shown}
    return ["  ".join(row[i].ljust(widths[i]) for i in shown).rstrip() for row in rows]


def _comparison_lines(comparison: RunComparison) -> list[tuple[str, bool]]:
    """(line, is a failure) pairs."""
    counts = {status: n for status, n in comparison.comparison.counts().items() if n}
    lines = [(f"compared with {comparison.base.description}: "
              + ", ".join(f"{n} {status}" for status, n in counts.items()), False)]
    for verdict in comparison.comparison.regressions:
        lines.append((f"REGRESSION {verdict.benchmark}: {change_cell(verdict)} beyond the {100 * verdict.threshold:.3g} % "
                      f"threshold ({verdict.noise})", True))
    return lines


def summary_lines(state: PluginState) -> list[tuple[str, bool]]:
    """What the summary says, each line with whether it reports a failure (shown red)."""
    lines: list[tuple[str, bool]] = []
    outcome = state.outcome
    comparison = outcome.comparison if outcome is not None else None
    if state.records:
        lines += [(line, False) for line in table_lines(state.records, comparison)]
        if state.timed:
            lines.append(("intervals: 95 %, between batches of each call's samples (one process per test: a "
                          "rerun in a new process may differ by more)", False))
    if state.untimed_reason and state.xdist_workers and state.records:
        lines.append((f"timing disabled under pytest-xdist ({state.xdist_workers} workers): each function ran "
                      "once, untimed; pass --perfbench-force to time anyway", False))
    elif state.untimed_reason and state.records:
        lines.append((f"untimed: {state.untimed_reason}", False))
    if outcome is not None:
        if outcome.run_id is not None:
            lines.append((f"stored as run {outcome.run_id} in {outcome.store}", False))
        if outcome.saved is not None:
            lines.append((f"saved as baseline {outcome.saved!r}", False))
        if comparison is not None:
            lines += _comparison_lines(comparison)
        lines += [(note, False) for note in outcome.notes]
        if outcome.error:
            lines.append((f"ERROR: {outcome.error}", True))
    return lines
