"""`run`: build the session's request from the flags, print what the run came to, and map its
outcome to an exit code (the session itself runs, stores, judges and writes the reports)."""

from __future__ import annotations

import argparse
import dataclasses
import os
import shlex
import signal
import sys
from pathlib import Path

from rich.table import Table
from rich.text import Text

from perfbench.cli.baselines import checked_name, current_user
from perfbench.cli.cmd_report import report_formats, write_reports
from perfbench.cli.comparing import (
    baseline_check, compare_with_baseline, print_comparison, print_settling, reproduce_command,
)
from perfbench.cli.compliance import print_compliance_matrix
from perfbench.cli.console import stderr_console, stdout_console
from perfbench.cli.flag_values import count_flag as _count_flag, duration_flag as _duration_flag
from perfbench.cli.load_table import print_load_table
from perfbench.cli.measurement_errors import figure_cell, print_measurement_errors
from perfbench.cli.progress import BarProgress, LineProgress, progress_for
from perfbench.cli.project_config import config_from, store_path
from perfbench.cli.stored_run import open_existing_store
from perfbench.config import Config
from perfbench.errors import ExitCode, UsageError
from perfbench.resources.environment import unmeasurable_notes
from perfbench.model import BenchmarkResult
from perfbench.definition.project import Overrides, Selection, select
from perfbench.export import DEFAULT_FORMATS
from perfbench.export.stored_report import stored_report_data
from perfbench.execution.session import RunOutcome, RunSession, RunStarted, SessionEvent, SessionRequest
from perfbench.run_comparison import RunComparison
from perfbench.sla import format_interval, worst_severity
from perfbench.units import format_duration_ns

DEFAULT_OUTPUT_DIR = Path("reports")


@dataclasses.dataclass(frozen=True, slots=True)
class RunRequest:
    selection: Selection
    overrides: Overrides
    store_path: str  # a path or URL
    output_dir: Path
    command: str
    fail_on_unsure: bool = False
    save_baseline: str | None = None
    report_formats: tuple[str, ...] = DEFAULT_FORMATS


def _output_dir(args: argparse.Namespace, config: Config | None) -> Path:
    """Where reports go, checked now: they are written after every benchmark has run, which
    is too late to find out that the directory cannot be made."""
    if args.output_dir:
        chosen, named = Path(args.output_dir), "--output-dir"
    elif config is not None and config.output_dir is not None:
        chosen, named = config.output_dir, f"{config.path}: output_dir"
    else:
        chosen, named = DEFAULT_OUTPUT_DIR, "the reports directory"
    existing = chosen
    while not existing.exists() and existing.parent != existing:  # what mkdir(parents=True) would build on
        existing = existing.parent
    fix = "give a directory for the reports (it is created if missing)"
    if not existing.is_dir():
        what = f"{str(chosen)!r} is" if existing == chosen else f"{str(chosen)!r} is inside {str(existing)!r}, which is"
        raise UsageError(f"{named}: {what} a file, not a directory; {fix}")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise UsageError(f"{named}: cannot write into {str(existing)!r} (permission denied); {fix}")
    return chosen


def request_from(args: argparse.Namespace, config: Config | None) -> RunRequest:
    _count_flag("--iterations", args.iterations)
    _count_flag("--processes", args.processes)
    if args.processes is not None and args.iterations is not None and args.processes > args.iterations:
        raise UsageError(f"--processes: {args.processes} processes for --iterations {args.iterations}: each process "
                         f"runs at least one counted iteration; give --iterations {args.processes} or more")
    return RunRequest(
        selection=Selection(lanes=tuple(args.lane or ()), patterns=tuple(args.benchmark or ()), builtin=args.builtin),
        overrides=Overrides(quick=args.quick, budget_seconds=_duration_flag("--budget", args.budget),
                            iterations=args.iterations, processes=args.processes, timeout_seconds=_duration_flag("--timeout", args.timeout)),
        store_path=store_path(args, config),
        output_dir=_output_dir(args, config),
        command=shlex.join(["python", "-m", "perfbench", *sys.argv[1:]]),
        fail_on_unsure=args.fail_on_unsure or (config is not None and config.fail_on_unsure),
        save_baseline=None if args.save_baseline is None else checked_name("--save-baseline", args.save_baseline),
        report_formats=tuple(dict.fromkeys([*DEFAULT_FORMATS, *(report_formats(args.report, "--report")
                                                               if args.report is not None else ())])),
    )


def cmd_run(args: argparse.Namespace) -> int:
    config = config_from(args)
    request = request_from(args, config)
    definitions = select(Path.cwd(), config, request.selection, request.overrides)
    baseline = baseline_check(args, request.store_path, definitions, config)
    # `--baseline main --save-baseline main`: the run replaces the baseline it is compared with
    # only if it is not slower than it, so a regression cannot become the next run's reference
    # (an intended slowdown is `baseline accept`ed, with a reason). Saved after the comparison.
    ratchet = baseline is not None and args.baseline == request.save_baseline
    progress = _ProgressPrinter()
    try:
        # With a baseline the reports are written after the comparison, which they carry.
        outcome = RunSession(SessionRequest(definitions=tuple(definitions), store=request.store_path,
                                            output_dir=None if baseline is not None else request.output_dir,
                                            report_formats=request.report_formats, command=request.command,
                                            fail_on_unsure=request.fail_on_unsure,
                                            save_baseline=None if ratchet else request.save_baseline,
                                            saved_by=current_user()),
                             observer=progress).run()
    finally:
        progress.close()
    _print_summary(outcome.results)
    print_compliance_matrix(outcome.verdicts)
    err = stderr_console()
    err.print(f"stored run {outcome.run_id} in {outcome.store}" + (
        "; reports: " + ", ".join(str(p) for p in outcome.report_paths) if outcome.report_paths else ""),
        highlight=False)
    if outcome.interrupted_by is not None:
        err.print(f"interrupted by {signal.Signals(outcome.interrupted_by).name}: {len(outcome.finished)} of "
                  f"{outcome.planned} benchmarks finished; everything finished is kept", highlight=False)
    elif outcome.failed:
        err.print(Text(f"{len(outcome.failed)} benchmark(s) failed to run", style="red")
                  + Text(": " + ", ".join(r.key for r in outcome.failed)))
    elif outcome.failing:
        worst = worst_severity(outcome.failing, include_unsure=True)
        unsure = sum(1 for v in outcome.failing if v.status == "unsure")
        note = f" ({unsure} of them UNSURE, failing as asked by --fail-on-unsure)" if unsure else ""
        err.print(f"[red]SLA check failed[/red]: {len(outcome.failing)} rule(s) at error or worse, worst {worst}{note}")
    compared = None
    if baseline is not None and outcome.interrupted:
        err.print(f"not compared with {baseline.base.how}: the run was interrupted", highlight=False)
    elif baseline is not None:
        compared, settled = compare_with_baseline(baseline, outcome, request.store_path, definitions)
        print_comparison(compared)
        if settled is not None:
            print_settling(settled)
    if baseline is not None:
        paths = _write_reports(request, outcome, compared, args)
        err.print("reports: " + ", ".join(str(p) for p in paths), highlight=False)
    if ratchet and outcome.status == "complete" and compared is not None and not compared.check_failed:
        with open_existing_store(request.store_path) as store:
            store.save_baseline(request.save_baseline, outcome.run_id, by=current_user())  # type: ignore[arg-type]
        outcome = dataclasses.replace(outcome, saved_baseline=request.save_baseline)
    _print_saved_baseline(outcome, request.save_baseline, compared)
    return exit_code_of(outcome, compared)


def _write_reports(request: RunRequest, outcome: RunOutcome, compared: RunComparison | None,
                   args: argparse.Namespace) -> list[Path]:
    """The run's reports, with its comparison when there is one (the session wrote none)."""
    with open_existing_store(request.store_path) as store:
        run = store.run(outcome.run_id)
        assert run is not None
        report = stored_report_data(store, run, outcome.results, comparison=compared,
                                    reproduce=reproduce_command(compared, args) if compared is not None else "")
    return write_reports(report, list(request.report_formats), request.output_dir)


def _print_saved_baseline(outcome: RunOutcome, asked: str | None, compared: RunComparison | None) -> None:
    err = stderr_console()
    if outcome.saved_baseline is not None:
        err.print(f"saved run {outcome.run_id} as baseline {outcome.saved_baseline!r}", highlight=False)
    elif asked is not None and outcome.status != "complete":
        err.print(f"not saved as baseline {asked!r}: the run is {outcome.status}, not complete", highlight=False)
    elif asked is not None and compared is not None:
        err.print(f"not saved as baseline {asked!r}: the run is slower than it; if that is intended: `python -m "
                  f"perfbench baseline accept {asked} --run {outcome.run_id} --reason TEXT`", highlight=False)


_SIGNAL_EXIT_CODES = {signal.SIGINT: ExitCode.INTERRUPTED, signal.SIGTERM: ExitCode.TERMINATED,
                      signal.SIGHUP: ExitCode.HUNG_UP}


def exit_code_of(outcome: RunOutcome, compared: RunComparison | None = None) -> int:
    """An interrupt first (what ran is kept, but the run is not whole; 128 + the signal, as a
    shell reports it), then a benchmark that could not run, then the verdicts: an SLA
    violation at error or worse, or a regression against the baseline (``--baseline``)."""
    if outcome.interrupted_by is not None:
        return int(_SIGNAL_EXIT_CODES[signal.Signals(outcome.interrupted_by)])
    if outcome.failed:
        return int(ExitCode.BENCHMARK_FAILED)
    if outcome.failing or (compared is not None and compared.check_failed):
        return int(ExitCode.CHECK_FAILED)
    return int(ExitCode.OK)


class _ProgressPrinter:
    """The session's observer: noise warnings and notes once the run exists, then the progress
    display (started only then, so that a bad store is one line on an otherwise empty screen)."""

    def __init__(self) -> None:
        self.progress: LineProgress | BarProgress | None = None

    def __call__(self, event: SessionEvent) -> None:
        if isinstance(event, RunStarted):
            err = stderr_console()
            for warning in event.noise_warnings:
                err.print(Text("warning: ", style="yellow") + Text(warning), highlight=False)
            for note in unmeasurable_notes(dict(event.environment)):
                err.print(Text("note: ", style="cyan") + Text(note), highlight=False)
            self.progress = progress_for(event.total_iterations).__enter__()
        elif self.progress is not None:
            self.progress.update(event)

    def close(self) -> None:
        if self.progress is not None:
            self.progress.__exit__(None, None, None)
            self.progress = None


_NOISE_SHORT = {"processes": "processes", "batches": "batches", "independent": "runs", "single": "-"}


def _print_summary(results: list[BenchmarkResult]) -> None:
    """The timing table, then the load benchmarks' own table (their samples are window medians,
    not times per iteration). A load benchmark that could not run stays in the timing table's
    failure rows."""
    timed = [result for result in results if result.kind != "load" or result.measurement is None]
    if timed or not results:  # a run of load benchmarks only has no timing table
        _print_timing_table(timed)
    print_load_table(results)
    print_measurement_errors(results)


def _print_timing_table(results: list[BenchmarkResult]) -> None:
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
