"""`trend`: step changes in each benchmark's history, with the run and commit where each happened.

Informational: exit 0 whatever is found (a step is a pointer to a commit range, not a
verdict; `compare` and `run --baseline` gate changes), 2 on bad input.
"""

from __future__ import annotations

import argparse
import json

from rich.table import Table

from perfbench.analysis.change_points import DEFAULT_MAX_P_VALUE, DEFAULT_MIN_SEGMENT
from perfbench.analysis.trend import BenchmarkTrend, TrendStep, trend
from perfbench.cli.console import stdout_console
from perfbench.cli.stored_history import histories_asked_for, short_commit, short_date
from perfbench.errors import UsageError
from perfbench.units import format_duration_ns


def _percent(change: float | None) -> str:
    return "?" if change is None else f"{100 * change:+.1f} %"


def _row(key: str, placed: TrendStep) -> list[str]:
    step = placed.step
    interval = "" if step.change_low is None else f" [{_percent(step.change_low)}, {_percent(step.change_high)}]"
    return [key, f"{placed.previous_run_id} → {placed.run_id}",
            f"{short_commit(placed.previous_commit, None)} → {short_commit(placed.commit, placed.dirty)}",
            short_date(placed.date), _percent(step.change) + interval,
            f"{format_duration_ns(step.before)} → {format_duration_ns(step.after)}", f"{step.p_value:.2g}",
            f"{step.runs_before} / {step.runs_after}"]


def cmd_trend(args: argparse.Namespace) -> int:
    min_segment = args.min_segment if args.min_segment is not None else DEFAULT_MIN_SEGMENT
    if min_segment < 2:
        raise UsageError(f"--min-segment: expected at least 2 runs (one run on its own is a spike, not a level), "
                         f"got {min_segment}")
    host, histories, location = histories_asked_for(args)
    trends: list[BenchmarkTrend] = [trend(h, min_segment=min_segment) for h in histories]
    if args.json:
        print(json.dumps({"store": location, "host": host.to_dict(), "min_segment": min_segment,
                          "max_p_value": DEFAULT_MAX_P_VALUE, "benchmarks": [t.to_dict() for t in trends]},
                         indent=2))
        return 0
    console = stdout_console()
    runs = len({p.run_id for h in histories for p in h.points})
    console.print(f"{location}: {len(trends)} benchmark(s) over {runs} run(s) on {host.description}; "
                  f"a step needs p <= {DEFAULT_MAX_P_VALUE} and {min_segment} or more runs on each side")
    stepped = [t for t in trends if t.steps]
    if stepped:
        table = Table(title="step changes (change of the median, 95 % interval; p from a permutation test)",
                      title_justify="left")
        for column in ("benchmark", "runs", "commits", "date (UTC)", "change", "median before → after", "p",
                       "runs before / after"):
            table.add_column(column)
        for t in stepped:
            for placed in t.steps:
                table.add_row(*_row(t.history.key, placed))
        console.print(table)
    flat = sum(1 for t in trends if t.judged and not t.steps)
    short = [t for t in trends if not t.judged]
    console.print(f"{len(stepped)} benchmark(s) with a step, {flat} without one"
                  + (f", {len(short)} with too few measured runs to judge (fewer than {2 * min_segment})"
                     if short else ""))
    return 0
