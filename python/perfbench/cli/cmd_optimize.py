"""`optimize`: recommendations, what failed first, each advice once with the benchmarks it
applies to and the evidence of the strongest cases; fits on a couple of screens."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from rich.console import Console
from rich.padding import Padding
from rich.text import Text

from perfbench.cli.console import stdout_console
from perfbench.cli.project_config import config_from, store_path
from perfbench.cli.stored_run import open_store, resolve_run, results_in_lanes
from perfbench.recommend import Finding, Recommendation, recommend

# Findings shown with their evidence; the others are named. Three show the range of a
# merged advice (its strongest cases first) without a page per benchmark.
SHOWN_FINDINGS = 3
_PRIORITY_STYLE = {1: "bold red", 2: "yellow"}


def _by_lane(findings: Sequence[Finding]) -> str:
    lanes: dict[str, list[str]] = {}
    for finding in findings:
        lane, _, name = finding.benchmark.partition("/")
        lanes.setdefault(lane, []).append(name)
    return " · ".join(f"{lane}: {', '.join(names)}" for lane, names in lanes.items())


def _print_recommendation(console: Console, rec: Recommendation) -> None:
    count = len(rec.findings)
    heading = Text(f"P{rec.priority}  ", style=_PRIORITY_STYLE.get(rec.priority, "")) + Text(rec.title, style="bold")
    heading += Text(f"  ({count} benchmark{'s' if count > 1 else ''}, effort {rec.effort})", style="dim")
    console.print(heading, highlight=False)
    for finding in rec.findings[:SHOWN_FINDINGS]:
        line = Text(f"{finding.benchmark}: ", style="cyan") + Text(finding.evidence)
        if finding.estimate:
            line += Text(f"  → {finding.estimate}", style="green")
        console.print(Padding(line, (0, 0, 0, 4), expand=False), highlight=False)
    rest = rec.findings[SHOWN_FINDINGS:]
    if rest:
        named = Text(f"and {len(rest)} more: ", style="dim") + Text(_by_lane(rest))
        console.print(Padding(named, (0, 0, 0, 4), expand=False), highlight=False)
    steps = " ".join(f"{number}. {step}." for number, step in enumerate(rec.steps, 1))
    console.print(Padding(Text(f"steps: {steps}", style="dim"), (0, 0, 0, 4), expand=False), highlight=False)


def cmd_optimize(args: argparse.Namespace) -> int:
    config = config_from(args)
    with open_store(store_path(args, config)) as store:
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
    for rec in recommendations:
        console.print()
        _print_recommendation(console, rec)
    return 0
