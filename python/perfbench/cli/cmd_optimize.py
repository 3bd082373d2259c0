"""`optimize`: rule-based recommendations, each with the evidence that triggered it."""

from __future__ import annotations

import argparse

from rich.table import Table

from perfbench.cli.console import stdout_console
from perfbench.cli.project_config import config_from, store_path
from perfbench.cli.stored_run import open_store, resolve_run, results_in_lanes
from perfbench.recommend import recommend


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
    table = Table(title=f"run {run.id}: recommendations (priority 1 = act first)", show_lines=True)
    for column in ("P", "benchmark", "recommendation", "evidence", "effort", "steps", "estimated improvement"):
        table.add_column(column, overflow="fold")
    for rec in recommendations:
        table.add_row(str(rec.priority), rec.benchmark, rec.title, rec.evidence, rec.effort,
                      "\n".join(f"{i}. {step}" for i, step in enumerate(rec.steps, 1)), rec.estimated_improvement)
    console.print(table)
    return 0
