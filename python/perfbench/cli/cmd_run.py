"""`run`: measure, store each result as it finishes, write reports, print a summary."""

from __future__ import annotations

import argparse
import dataclasses
import shlex
import sys
from pathlib import Path

from rich.table import Table

from perfbench.cli.console import stderr_console, stdout_console

from perfbench.builtin import Lane, default_lanes
from perfbench.cli.compliance import print_compliance_matrix
from perfbench.cli.progress import LineProgress
from perfbench.environment import collect_environment, noise_warnings
from perfbench.errors import ExitCode, UnitError, UsageError
from perfbench.export import EXPORTERS, ReportData
from perfbench.model import BenchmarkResult
from perfbench.runner import run_benchmarks
from perfbench.sla import evaluate_all, worst_severity
from perfbench.store import DEFAULT_STORE_PATH, SqliteStore
from perfbench.units import format_duration_ns, parse_duration

DEFAULT_OUTPUT_DIR = Path("reports")


@dataclasses.dataclass(frozen=True, slots=True)
class RunRequest:
    quick: bool
    budget_seconds: float | None
    lanes: tuple[str, ...]
    store_path: Path
    output_dir: Path
    command: str


def request_from(args: argparse.Namespace) -> RunRequest:
    budget = None
    if args.budget is not None:
        try:
            budget = parse_duration(args.budget)
        except UnitError as error:
            raise UsageError(f"--budget: {error}") from None
        if budget <= 0:
            raise UsageError(f"--budget: must be positive, got {args.budget!r}")
    return RunRequest(
        quick=args.quick, budget_seconds=budget, lanes=tuple(args.lane or ()),
        store_path=Path(args.store) if args.store else DEFAULT_STORE_PATH,
        output_dir=Path(args.output_dir) if args.output_dir else DEFAULT_OUTPUT_DIR,
        command=shlex.join(["python", "-m", "perfbench", *sys.argv[1:]]),
    )


def select_lanes(lanes: tuple[Lane, ...], wanted: tuple[str, ...]) -> tuple[Lane, ...]:
    if not wanted:
        return lanes
    known = {lane.name: lane for lane in lanes}
    for name in wanted:
        if name not in known:
            raise UsageError(f"--lane: no lane named {name!r}; known lanes: {', '.join(known)}")
    return tuple(known[name] for name in dict.fromkeys(wanted))


def cmd_run(args: argparse.Namespace) -> int:
    request = request_from(args)
    lanes = select_lanes(default_lanes(quick=request.quick, budget_seconds=request.budget_seconds), request.lanes)
    definitions = [definition for lane in lanes for definition in lane.benchmarks]
    err = stderr_console()
    results: list[BenchmarkResult] = []
    interrupted = False
    # The store is opened before anything is printed: a bad --store is one line, exit 2.
    with SqliteStore(request.store_path) as store:
        environment = collect_environment()
        warnings = noise_warnings(environment)
        for warning in warnings:
            err.print(f"[yellow]warning:[/yellow] {warning}", highlight=False)
        run_id = store.begin_run(environment, request.command)
        try:
            for result in run_benchmarks(definitions, observer=LineProgress()):
                store.add_result(run_id, result)
                results.append(result)
        except KeyboardInterrupt:
            interrupted = True
        failed = [r for r in results if not r.ok]
        rules = {d.key: d.sla for d in definitions}
        verdicts = evaluate_all((result, rules[result.key]) for result in results)
        store.add_verdicts(run_id, verdicts)
        status = "interrupted" if interrupted else ("failed" if failed else "complete")
        store.finish_run(run_id, status)
        started_at = next(run.started_at for run in store.runs() if run.id == run_id)

    report = ReportData(run_id=run_id, started_at=started_at, status=status, command=request.command,
                        environment=environment, noise_warnings=tuple(warnings), results=tuple(results))
    paths = [exporter().write(report, request.output_dir) for exporter in EXPORTERS.values()]
    _print_summary(results)
    print_compliance_matrix(verdicts)
    err.print(f"stored run {run_id} in {request.store_path}; reports: " + ", ".join(str(p) for p in paths),
              highlight=False)
    if interrupted:
        err.print(f"interrupted: {len(results)} of {len(definitions)} benchmarks finished and were kept")
        return int(ExitCode.INTERRUPTED)
    if failed:
        err.print(f"[red]{len(failed)} benchmark(s) failed to run[/red]: " + ", ".join(r.key for r in failed))
        return int(ExitCode.BENCHMARK_FAILED)
    if worst_severity(verdicts) in ("error", "critical"):
        err.print(f"[red]SLA check failed[/red]: worst violation is {worst_severity(verdicts)}")
        return int(ExitCode.CHECK_FAILED)
    return int(ExitCode.OK)


def _print_summary(results: list[BenchmarkResult]) -> None:
    table = Table(title="perfbench results (per iteration)")
    for column, justify in (("lane", "left"), ("benchmark", "left"), ("median", "right"),
                            ("95% CI of median", "right"), ("p99", "right"), ("CV", "right"),
                            ("ticks", "right"), ("samples", "right")):
        table.add_column(column, justify=justify)  # type: ignore[arg-type]
    for result in results:
        m = result.measurement
        if m is None:
            assert result.failure is not None
            table.add_row(result.lane, result.benchmark, f"[red]{result.failure.kind}[/red]",
                          result.failure.message, "", "", "", "")
            continue
        s = m.stats
        table.add_row(result.lane, result.benchmark, format_duration_ns(s.median),
                      f"{format_duration_ns(s.ci_low)} – {format_duration_ns(s.ci_high)}",
                      format_duration_ns(s.p99), "-" if s.cv is None else f"{100 * s.cv:.2f} %",
                      "-" if m.ticks is None else f"{m.ticks.median:.2f}", str(s.n))
    stdout_console().print(table)
