from __future__ import annotations

import argparse

from rich.table import Table

from perfbench.cli.console import stdout_console

from perfbench.builtin import default_lanes


def cmd_list(args: argparse.Namespace) -> int:
    console = stdout_console()
    for lane in default_lanes():
        table = Table(title=f"lane [bold]{lane.name}[/bold]: {lane.description}", title_justify="left")
        table.add_column("benchmark")
        table.add_column("kind")
        table.add_column("measures")
        for definition in lane.benchmarks:
            table.add_row(definition.name, definition.kind, definition.description)
        console.print(table)
    return 0
