"""`run`: measure, store each iteration as it finishes, write reports, print verdicts."""

from __future__ import annotations

import argparse
import dataclasses
import shlex
import sys
from pathlib import Path

from rich.table import Table
from rich.text import Text

from perfbench.cli.compliance import print_compliance_matrix
from perfbench.cli.console import stderr_console, stdout_console
from perfbench.cli.measurement_errors import figure_cell, print_measurement_errors
from perfbench.cli.progress import progress_for
from perfbench.cli.project_config import config_from, store_path
from perfbench.config import Config
from perfbench.resources.environment import collect_environment, noise_warnings, unmeasurable_notes
from perfbench.errors import ExitCode, UnitError, UsageError
from perfbench.export import EXPORTERS, ReportData
from perfbench.model import BenchmarkResult
from perfbench.definition.project import Overrides, Selection, select
from perfbench.execution.runner import BenchmarkFinished, BenchmarkStarted, IterationFinished, run_benchmarks
from perfbench.sla import evaluate_all, fails_run, format_interval, worst_severity
from perfbench.store import SqliteStore
from perfbench.units import format_duration_ns, parse_duration

DEFAULT_OUTPUT_DIR = Path("reports")


@dataclasses.dataclass(frozen=True, slots=True)
class RunRequest:
    selection: Selection
    overrides: Overrides
    store_path: Path
    output_dir: Path
    command: str
    fail_on_unsure: bool = False


def _duration_flag(flag: str, text: str | None) -> float | None:
    if text is None:
        return None
    try:
        value = parse_duration(text)
    except UnitError as error:
        raise UsageError(f"{flag}: {error}") from None
    if value <= 0:
        raise UsageError(f"{flag}: must be positive, got {text!r}")
    return value


def request_from(args: argparse.Namespace, config: Config | None) -> RunRequest:
    if args.iterations is not None and args.iterations < 1:
        raise UsageError(f"--iterations: must be at least 1, got {args.iterations}")
    if args.processes is not None and args.processes < 1:
        raise UsageError(f"--processes: must be at least 1, got {args.processes}")
    if args.processes is not None and args.iterations is not None and args.processes > args.iterations:
        raise UsageError(f"--processes: {args.processes} processes for --iterations {args.iterations}: each process "
                         f"runs at least one counted iteration; give --iterations {args.processes} or more")
    return RunRequest(
        selection=Selection(lanes=tuple(args.lane or ()), patterns=tuple(args.benchmark or ()), builtin=args.builtin),
        overrides=Overrides(quick=args.quick, budget_seconds=_duration_flag("--budget", args.budget),
                            iterations=args.iterations, processes=args.processes, timeout_seconds=_duration_flag("--timeout", args.timeout)),
        store_path=store_path(args, config),
        output_dir=Path(args.output_dir) if args.output_dir else (
            config.output_dir if config is not None and config.output_dir is not None else DEFAULT_OUTPUT_DIR),
        command=shlex.join(["python", "-m", "perfbench", *sys.argv[1:]]),
        fail_on_unsure=args.fail_on_unsure or (config is not None and config.fail_on_unsure),
    )


def cmd_run(args: argparse.Namespace) -> int:
    config = config_from(args)
    request = request_from(args, config)
    definitions = select(Path.cwd(), config, request.selection, request.overrides)
    err = stderr_console()
    results: list[BenchmarkResult] = []
    interrupted = False
    # The store is opened before anything is printed: a bad --store is one line, exit 2.
    with SqliteStore(request.store_path) as store:
        environment = collect_environment()
        warnings = noise_warnings(environment)
        for warning in warnings:
            err.print(Text("warning: ", style="yellow") + Text(warning), highlight=False)
        for note in unmeasurable_notes(environment):
            err.print(Text("note: ", style="cyan") + Text(note), highlight=False)
        run_id = store.begin_run(environment, request.command)
        result_id: int | None = None
        total_iterations = sum(d.total_iterations for d in definitions)
        with progress_for(total_iterations) as progress:
            try:
                for event in run_benchmarks(definitions):
                    if isinstance(event, BenchmarkStarted):
                        d = event.definition
                        result_id = store.begin_result(run_id, d.lane, d.name, d.kind, dict(d.target.params))
                    elif isinstance(event, IterationFinished):
                        assert result_id is not None
                        store.add_iteration(result_id, event.record)
                    elif isinstance(event, BenchmarkFinished):
                        assert result_id is not None
                        store.finish_result(result_id, event.result)
                        results.append(event.result)
                        result_id = None
                    progress.update(event)
            except KeyboardInterrupt:
                interrupted = True
                if result_id is not None:
                    store.interrupt_result(result_id, "interrupted by Ctrl-C; finished iterations are kept")
        failed = [r for r in results if not r.ok]
        rules = {d.key: d.sla for d in definitions}
        verdicts = evaluate_all((result, rules[result.key]) for result in results)
        store.add_verdicts(run_id, verdicts)
        status = "interrupted" if interrupted else ("failed" if failed else "complete")
        store.finish_run(run_id, status)
        started_at = store.run(run_id).started_at  # type: ignore[union-attr]

    report = ReportData(run_id=run_id, started_at=started_at, status=status, command=request.command,
                        environment=environment, noise_warnings=tuple(warnings), results=tuple(results),
                        verdicts=tuple(verdicts))
    paths = [exporter().write(report, request.output_dir) for exporter in EXPORTERS.values()]
    _print_summary(results)
    print_compliance_matrix(verdicts)
    err.print(f"stored run {run_id} in {request.store_path}; reports: " + ", ".join(str(p) for p in paths),
              highlight=False)
    if interrupted:
        err.print(f"interrupted: {len(results)} of {len(definitions)} benchmarks finished and were kept")
        return int(ExitCode.INTERRUPTED)
    if failed:
        err.print(Text(f"{len(failed)} benchmark(s) failed to run", style="red") + Text(": " + ", ".join(r.key for r in failed)))
        return int(ExitCode.BENCHMARK_FAILED)
    failing = [v for v in verdicts if fails_run(v, fail_on_unsure=request.fail_on_unsure)]
    if failing:
        worst = worst_severity(failing, include_unsure=True)
        unsure = sum(1 for v in failing if v.status == "unsure")
        note = f" ({unsure} of them UNSURE, failing as asked by --fail-on-unsure)" if unsure else ""
        err.print(f"[red]SLA check failed[/red]: {len(failing)} rule(s) at error or worse, worst {worst}{note}")
        return int(ExitCode.CHECK_FAILED)
    return int(ExitCode.OK)


_NOISE_SHORT = {"processes": "processes", "batches": "batches", "independent": "runs", "single": "-"}


def _print_summary(results: list[BenchmarkResult]) -> None:
    table = Table(title="perfbench results (time per iteration)",
                  caption="interval: 95 % confidence interval of the median, from the spread between processes, "
                          "between batches of one process's samples, or between independent runs (column 'from'); "
                          "spread: robust CV (1.4826 MAD / median); interference: samples an interrupt or "
                          "preemption landed in, counted, not mixed into the median")
    for column, justify in (("lane", "left"), ("benchmark", "left"), ("median", "right"),
                            ("95 % interval", "right"), ("from", "left"), ("p99", "right"), ("spread", "right"),
                            ("interference", "right"), ("ticks", "right"), ("samples", "right")):
        table.add_column(column, justify=justify)  # type: ignore[arg-type]
    for result in results:
        m = result.measurement
        if m is None:
            assert result.failure is not None
            table.add_row(result.lane, result.benchmark, Text(result.failure.kind, style="red"),
                          result.failure.message, "", "", "", "", "", "")
            continue
        s = m.stats
        table.add_row(result.lane, result.benchmark, figure_cell(result, "median", format_duration_ns(s.median)),
                      figure_cell(result, "median", format_interval(s.median, s.ci_low, s.ci_high, "ns") or "-"),
                      f"{s.noise_units} {_NOISE_SHORT[s.noise_kind]}" if s.ci_low is not None else "-",
                      figure_cell(result, "p99", format_duration_ns(s.p99)),
                      "-" if s.robust_cv is None else f"{100 * s.robust_cv:.2f} %",
                      f"{100 * s.interference / s.n:.1f} %" if s.n >= 20 else "-",
                      "-" if m.ticks is None else figure_cell(result, "median", f"{m.ticks.median:.2f}"), str(s.n))
    stdout_console().print(table)
    print_measurement_errors(results)
