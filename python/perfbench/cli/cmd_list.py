from __future__ import annotations

import argparse
from pathlib import Path

from rich.table import Table

from perfbench.cli.console import stdout_console
from perfbench.cli.project_config import config_from
from perfbench.definition.project import Overrides, Selection, select
from perfbench.definition.suite import BenchmarkDefinition
from perfbench.sla import Rule, SlaRule


def _describe_rule(rule: Rule) -> str:
    first = rule.threshold if isinstance(rule, SlaRule) else rule.target
    kind = rule.severity if isinstance(rule, SlaRule) else "tiers"
    named = f" — {rule.name}" if rule.name != first.expression else ""
    return f"{rule.expression} [{kind}]{named}"


def sample_is(definition: BenchmarkDefinition) -> str:
    """What one sample of the benchmark is, and so what its statistics describe."""
    if definition.kind == "command":
        return "one sample per run of the command (its own process)"
    if definition.kind == "load":
        return ("one sample = the corrected median latency of a 1 s window, one load test per iteration; "
                "p50 ... max in SLA rules are those of every request")
    if definition.sampling.iterations == 1:
        return "one sample per call: percentiles are per call"
    return ("one sample = the mean of a calibrated batch of calls: the median is the cost per call, a "
            "percentile describes batches, not calls")


_CAPTION = ("Verdicts judge each figure with its 95 % interval: PASS or the rule's severity when the whole interval "
            "lies on one side, UNSURE when it straddles a limit. Samples an interrupt or preemption landed in are "
            "counted as interference, not mixed into the per-call cost.")


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
            measures.append(f"({sample_is(d)})")
            table.add_row(d.name, d.kind, "\n".join(measures), iterations, slas or "-")
        console.print(table)
    if definitions:
        console.print(_CAPTION, highlight=False)
    return 0
