"""`ab`: two versions of the same benchmarks in pairs (both in each worker process where they can
share one, else worker processes interleaved A B B A ...), judged from the paired differences. Builds the session's request from the flags, prints
progress, the table (or JSON) and maps the outcome to an exit code: an interrupt as a shell
reports it, 3 if a benchmark could not run on a side, 1 if any is slower beyond its
threshold, else 0."""

from __future__ import annotations

import argparse
import json
import secrets
import shlex
import sys
from pathlib import Path

from rich.text import Text

from perfbench.cli.console import stderr_console
from perfbench.cli.progress import describe_result
from perfbench.cli.comparing import comparison_exit_code, print_comparison, threshold_flag
from perfbench.cli.flag_values import count_flag, duration_flag
from perfbench.cli.project_config import config_from, store_path
from perfbench.definition.ab_sides import Side, SideRequest, SideSettings, refuse_empty_selection, resolve_side
from perfbench.errors import ExitCode, UsageError
from perfbench.execution.ab_session import ABOutcome, ABRequest, ABSession
from perfbench.execution.interleave import SideEvent, Version
from perfbench.execution.runner import BenchmarkFinished, IterationFinished
from perfbench.execution.session import RunStarted
from perfbench.run_comparison import regression_settings
from perfbench.units import format_duration_ns


def _sides(args: argparse.Namespace, settings: SideSettings) -> tuple[Side, Side]:
    commands = (args.a_command is not None, args.b_command is not None)
    if any(commands) and not all(commands):
        raise UsageError("--a-command and --b-command go together: give both, or neither")
    cwd = Path.cwd()
    a = resolve_side(SideRequest("A", args.a, args.a_python, args.a_command), settings, cwd)
    b = resolve_side(SideRequest("B", args.b, args.b_python, args.b_command), settings, cwd)
    refuse_empty_selection((a, b), settings)
    return a, b


class _Progress:
    """Progress on stderr: noise warnings once, a line per counted process of each side, and
    each side's result per benchmark."""

    def __init__(self) -> None:
        self.err = stderr_console()
        self.started = False

    def __call__(self, tagged: SideEvent) -> None:
        event = tagged.event
        if isinstance(event, RunStarted):
            if not self.started:
                self.started = True
                for warning in event.noise_warnings:
                    self.err.print(Text("warning: ", style="yellow") + Text(warning), highlight=False)
        elif isinstance(event, IterationFinished) and not event.record.warmup:
            record = event.record
            what = (f"FAILED ({record.failure.kind}) {record.failure.message}" if record.failure is not None
                    else format_duration_ns(record.wall_ns))
            self.err.print(f"  {event.definition.key} {tagged.side} process {record.process + 1}: {what}",
                           highlight=False)
        elif isinstance(event, BenchmarkFinished):
            self.err.print(f"[{event.index + 1}/{event.total}] {event.result.key} {tagged.side}: "
                           f"{describe_result(event.result)}", highlight=False)


def _json(outcome: ABOutcome, sides: tuple[Side, Side]) -> str:
    """The comparison as `compare --json` gives it, with what is particular to an A/B run:
    the seed, each benchmark's order and pairs, what each side was, what failed."""
    return json.dumps({
        **outcome.compared.to_dict(), "store": outcome.store, "seed": outcome.seed, "orders": dict(outcome.orders),
        "pairing": dict(outcome.pairing),
        "sides": {side.label: dict(side.described) for side in sides},
        "pairs": {key: [float(d) for d in change.log_ratios] for key, change in outcome.pairs.items()},
        "failed": [{"key": r.key, "kind": r.failure.kind, "message": r.failure.message}  # type: ignore[union-attr]
                   for r in outcome.failed],
        "interrupted_by": outcome.interrupted_by,
    }, indent=2, allow_nan=False)


def exit_code_of(outcome: ABOutcome) -> int:
    if outcome.interrupted_by is not None:
        return 128 + int(outcome.interrupted_by)  # as a shell reports it (ExitCode.INTERRUPTED, ...)
    if outcome.failed:
        return int(ExitCode.BENCHMARK_FAILED)
    return comparison_exit_code(outcome.compared)


def cmd_ab(args: argparse.Namespace) -> int:
    count_flag("--processes", args.processes)
    settings = SideSettings(processes=args.processes, lanes=tuple(args.lane or ()),
                            patterns=tuple(args.benchmark or ()), budget_seconds=duration_flag("--budget", args.budget),
                            timeout_seconds=duration_flag("--timeout", args.timeout))
    threshold = threshold_flag(args)
    if args.seed is not None and args.seed < 0:
        raise UsageError(f"--seed: must be 0 or more, got {args.seed}")
    sides = _sides(args, settings)
    # Each benchmark's threshold and severity: --threshold, else as B (the version judged)
    # defines them; A's only for a benchmark B does not have.
    regression = regression_settings([*sides[0].definitions, *sides[1].definitions], None, threshold=threshold)
    keys = {d.key: d for side in sides for d in side.definitions}
    seed = args.seed if args.seed is not None else secrets.randbits(32)
    request = ABRequest(
        a=Version("A", sides[0].definitions, sides[0].python, str(sides[0].checkout)),
        b=Version("B", sides[1].definitions, sides[1].python, str(sides[1].checkout)),
        described={side.label: side.described for side in sides}, seed=seed, store=store_path(args, config_from(args)),
        command=shlex.join(["python", "-m", "perfbench", *sys.argv[1:]]),
        thresholds={key: regression.threshold(d.lane, d.name) for key, d in keys.items()},
        severities={key: regression.severity(d.lane, d.name) for key, d in keys.items()}, pairing=args.pairing)
    outcome = ABSession(request, observer=_Progress()).run()
    err = stderr_console()
    if args.json:
        print(_json(outcome, sides))
    else:  # the table `compare` prints: A is the base, B the current side
        print_comparison(outcome.compared)
    err.print(f"stored side A as run {outcome.runs['A']} and side B as run {outcome.runs['B']} in {outcome.store}; "
              f"seed {outcome.seed} (--seed {outcome.seed} repeats the order)", highlight=False)
    if outcome.interrupted_by is not None:
        err.print("interrupted: everything finished is kept", highlight=False)
    elif outcome.failed:
        err.print(Text(f"{len(outcome.failed)} benchmark(s) failed to run", style="red")
                  + Text(": " + ", ".join(sorted({r.key for r in outcome.failed}))))
    return exit_code_of(outcome)
