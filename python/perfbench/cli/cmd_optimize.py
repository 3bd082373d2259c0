"""`optimize`: recommendations, what failed first, each advice once with the benchmarks it
applies to and the evidence of the strongest cases; fits on a couple of screens."""

from __future__ import annotations

import argparse
from collections import Counter
from collections.abc import Mapping, Sequence

from rich.console import Console
from rich.padding import Padding
from rich.text import Text

from perfbench.cli.console import stdout_console
from perfbench.cli.project_config import config_from, store_path
from perfbench.cli.stored_run import open_existing_store, resolve_run, results_in_lanes
from perfbench.recommend import FAILED, Finding, Recommendation, recommend

# Findings shown with their evidence; the others are named. Three show the range of a
# merged advice (its strongest cases first) without a page per benchmark.
SHOWN_FINDINGS = 3
_PRIORITY_STYLE = {1: "bold red", 2: "yellow"}


def _lane_of(finding: Finding) -> str:
    return finding.benchmark.partition("/")[0]


def _by_lane(rest: Sequence[Finding], shown: Sequence[Finding], lane_sizes: Mapping[str, int]) -> str:
    """The benchmarks not shown, by lane; a lane the advice covers whole is counted, not listed."""
    shown_in = Counter(_lane_of(f) for f in shown)
    lanes: dict[str, list[str]] = {}
    for finding in rest:
        lanes.setdefault(_lane_of(finding), []).append(finding.benchmark.partition("/")[2])
    parts = []
    for lane, names in lanes.items():
        if len(names) > 2 and len(names) + shown_in[lane] == lane_sizes.get(lane):
            parts.append(f"{lane}: the other {len(names)}" if shown_in[lane] else f"{lane}: all {len(names)}")
        else:
            parts.append(f"{lane}: {', '.join(names)}")
    return " · ".join(parts)


def _print_recommendation(console: Console, rec: Recommendation, lane_sizes: Mapping[str, int]) -> None:
    count = len(set(rec.benchmarks))
    heading = Text(f"P{rec.priority}  ", style=_PRIORITY_STYLE.get(rec.priority, "")) + Text(rec.title, style="bold")
    heading += Text(f"  ({count} benchmark{'s' if count > 1 else ''}, effort {rec.effort})", style="dim")
    console.print(heading, highlight=False)
    # What failed is shown whole; other advice by its strongest cases.
    shown = rec.findings if rec.rule in FAILED else rec.findings[:SHOWN_FINDINGS]
    for finding in shown:
        line = Text(f"{finding.benchmark}: ", style="cyan") + Text(finding.evidence)
        if finding.estimate:
            line += Text(f"  → {finding.estimate}", style="green")
        console.print(Padding(line, (0, 0, 0, 4), expand=False), highlight=False)
    rest = rec.findings[len(shown):]
    if rest:
        named = Text(f"and {len(rest)} more: ", style="dim") + Text(_by_lane(rest, shown, lane_sizes))
        console.print(Padding(named, (0, 0, 0, 4), expand=False), highlight=False)
    steps = " ".join(f"{number}. {step}." for number, step in enumerate(rec.steps, 1))
    console.print(Padding(Text(f"steps: {steps}", style="dim"), (0, 0, 0, 4), expand=False), highlight=False)


def cmd_optimize(args: argparse.Namespace) -> int:
    config = config_from(args)
    with open_existing_store(store_path(args, config)) as store:
        run = resolve_run(store, args.run)
        results = results_in_lanes(store, run, args.lane)
        keys = {r.key for r in results}
        verdicts = [v for v in store.verdicts(run.id) if v.benchmark in keys]
    recommendations = recommend(results, verdicts)
    console = stdout_console()
    if not recommendations:
        console.print(f"run {run.id}: no recommendation — no rule found evidence to act on "
                      f"({len(results)} benchmarks checked)")
        return 0
    console.print(Text(f"run {run.id}: {len(recommendations)} recommendations for {len(results)} benchmarks, "
                       "what failed first (P1 = act first)", style="bold"), highlight=False)
    lane_sizes = Counter(r.lane for r in results)
    for rec in recommendations:
        console.print()
        _print_recommendation(console, rec, lane_sizes)
    return 0
