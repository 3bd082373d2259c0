from __future__ import annotations

import argparse
from pathlib import Path

from rich.table import Table

from perfbench.cli.console import stdout_console
from perfbench.cli.project_config import config_from
from perfbench.project import Overrides, Selection, select


def cmd_list(args: argparse.Namespace) -> int:
    definitions = select(Path.cwd(), config_from(args), Selection(), Overrides(quick=args.quick))
    console = stdout_console()
    lanes: dict[str, list] = {}
    for definition in definitions:
        lanes.setdefault(definition.lane, []).append(definition)
    for lane, members in lanes.items():
        table = Table(title=f"lane [bold]{lane}[/bold] ({len(members)} benchmarks)", title_justify="left",
                      show_lines=True)
        for column in ("benchmark", "kind", "measures", "iterations", "SLAs"):
            table.add_column(column, overflow="fold")
        for d in members:
            slas = "\n".join(f"{r.expression} [{getattr(r, 'severity', 'tiers')}]"
                             + (f" — {r.name}" if r.name != getattr(r, "expression", None) else "")
                             for r in d.sla)
            iterations = f"{d.iterations}" + (f" (+{d.warmup_iterations} warm-up)" if d.warmup_iterations else "")
            table.add_row(d.name, d.kind, d.description, iterations, slas or "-")
        console.print(table)
    return 0
