from __future__ import annotations

import argparse
from pathlib import Path

from rich.table import Table

from perfbench.cli.console import stdout_console
from perfbench.cli.project_config import config_from
from perfbench.definition.project import Overrides, Selection, select
from perfbench.sla import Rule, SlaRule


def _describe_rule(rule: Rule) -> str:
    first = rule.threshold if isinstance(rule, SlaRule) else rule.target
    kind = rule.severity if isinstance(rule, SlaRule) else "tiers"
    named = f" — {rule.name}" if rule.name != first.expression else ""
    return f"{rule.expression} [{kind}]{named}"


def cmd_list(args: argparse.Namespace) -> int:
    definitions = select(Path.cwd(), config_from(args), Selection(), Overrides(quick=args.quick))
    console = stdout_console()
    lanes: dict[str, list] = {}
    for definition in definitions:
        lanes.setdefault(definition.lane, []).append(definition)
    for lane, members in lanes.items():
        table = Table(title=f"lane {lane} ({len(members)} benchmarks)", title_justify="left",
                      show_lines=True)
        for column in ("benchmark", "kind", "measures", "iterations", "SLAs"):
            table.add_column(column, overflow="fold")
        for d in members:
            slas = "\n".join(_describe_rule(r) for r in d.sla)
            iterations = f"{d.iterations}" + (f" in {d.processes} processes" if d.processes > 1 else "")
            if d.warmup_iterations:
                iterations += f" (+{d.warmup_iterations} warm-up" + (" each)" if d.processes > 1 else ")")
            measures = [d.description] if d.description else []
            if d.sweep is not None:
                measures.append(f"sweep over {d.sweep.param}: {', '.join(f'{v:g}' for v in d.sweep.values)}")
            measures += [f"{amount:g} {unit} per call" for unit, amount in d.work_per_call.items()]
            table.add_row(d.name, d.kind, "\n".join(measures), iterations, slas or "-")
        console.print(table)
    return 0
