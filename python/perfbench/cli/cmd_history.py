"""`history`: each benchmark's median over the stored runs, with its interval, commit and date."""

from __future__ import annotations

import argparse
import json

from rich.table import Table

from perfbench.analysis.history import RunPoint
from perfbench.cli.console import stdout_console
from perfbench.cli.stored_history import histories_asked_for, short_commit, short_date
from perfbench.sla import format_interval
from perfbench.units import format_duration_ns


def _row(p: RunPoint) -> list[str]:
    if p.median is None:
        return [str(p.run_id), short_date(p.date), short_commit(p.commit, p.dirty), p.status, "", "", ""]
    return [str(p.run_id), short_date(p.date), short_commit(p.commit, p.dirty),
            p.status, format_duration_ns(p.median), format_interval(p.median, p.ci_low, p.ci_high, "ns") or "-",
            str(p.processes)]


def cmd_history(args: argparse.Namespace) -> int:
    host, histories, location = histories_asked_for(args)
    if args.json:
        print(json.dumps({"store": location, "host": host.to_dict(),
                          "benchmarks": [h.to_dict() for h in histories]}, indent=2))
        return 0
    console = stdout_console()
    console.print(f"{location}: {len(histories)} benchmark(s) on {host.description}")
    within = sum(1 for h in histories for p in h.points if "batches" in p.noise)
    for history in histories:
        table = Table(title=f"{history.key}: {len(history.measured)} of {len(history.points)} runs measured "
                            "(median per iteration, 95 % interval)", title_justify="left")
        for column in ("run", "date (UTC)", "commit", "status", "median", "95 % interval", "processes"):
            table.add_column(column, justify="right" if column in ("run", "median", "processes") else "left")
        for p in history.points:
            table.add_row(*_row(p))
        console.print(table)
    if within:
        console.print(f"{within} of these intervals come from batches of one process's samples: they miss what a new "
                      "process draws (layout, pages, hash seed), which moves a median between runs by more; "
                      "`run --processes 3` gives intervals between processes", soft_wrap=True)
    return 0
