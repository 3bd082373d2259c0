"""`report`: write the reports of a stored run (the latest by default) in the formats asked
for, as `run` writes them at the end of a run; with `--baseline NAME` or `--compare RUN`, with
the run compared (the Markdown pull-request comment, JUnit and OpenMetrics carry the
verdicts); with `--push URL`, the OpenMetrics gauges also go to a Pushgateway."""

from __future__ import annotations

import argparse
from pathlib import Path

from perfbench.cli.comparing import reproduce_command, settings_for
from perfbench.cli.console import stderr_console
from perfbench.cli.project_config import config_from, store_path
from perfbench.cli.stored_run import open_existing_store, resolve_run, results_in_lanes
from perfbench.definition.project import project_definitions
from perfbench.errors import ExitCode, UnitError, UsageError
from perfbench.export import EXPORTERS, ReportData
from perfbench.export.openmetrics_report import openmetrics, report_host
from perfbench.export.pushgateway import push_openmetrics
from perfbench.export.stored_report import stored_report_data
from perfbench.run_comparison import ResolvedRun, RunComparison, compare_runs, resolve_reference
from perfbench.store import ResultStore, StoredRun
from perfbench.units import parse_duration


def report_formats(text: str, flag: str = "--format") -> list[str]:
    """``html,csv`` -> ["html", "csv"]; an unknown or empty format is a usage error."""
    formats = [part.strip().lower() for part in text.split(",") if part.strip()]
    known = ", ".join(EXPORTERS)
    if not formats:
        raise UsageError(f"{flag}: give one or more of {known}, separated by commas (e.g. html,csv)")
    for name in formats:
        if name not in EXPORTERS:
            raise UsageError(f"{flag}: {name!r} is not a report format; the formats are {known}")
    return list(dict.fromkeys(formats))


def push_settings(args: argparse.Namespace) -> tuple[str, float] | None:
    """``--push URL`` and ``--push-timeout``, checked before anything is read or written."""
    if args.push is None:
        return None
    if not args.push.startswith(("http://", "https://")):
        raise UsageError(f"--push {args.push!r}: give the Pushgateway's URL, e.g. http://localhost:9091")
    try:
        timeout = parse_duration(args.push_timeout)
    except UnitError as error:
        raise UsageError(f"--push-timeout: {error}") from None
    if not timeout > 0:
        raise UsageError(f"--push-timeout {args.push_timeout!r}: must be longer than zero, e.g. 10s")
    return args.push, timeout


def _comparison(args: argparse.Namespace, store: ResultStore, run: StoredRun) -> RunComparison | None:
    reference = args.baseline if args.baseline is not None else args.compare
    if reference is None:
        for flag, value in (("--threshold", args.threshold), ("--allow-mixed-hosts", args.allow_mixed_hosts)):
            if value:
                raise UsageError(f"{flag}: only with --baseline NAME or --compare RUN, which it applies to")
        return None
    base = resolve_reference(store, reference, role="--baseline" if args.baseline is not None else "--compare")
    config = config_from(args)
    settings = settings_for(project_definitions(Path.cwd(), config), config, args)
    return compare_runs(store, base, ResolvedRun(run, str(run.id), f"run {run.id}"), settings=settings,
                        allow_mixed_hosts=args.allow_mixed_hosts)


def cmd_report(args: argparse.Namespace) -> int:
    formats = report_formats(args.format)
    push = push_settings(args)
    output_dir = Path(args.output_dir)
    if output_dir.exists() and not output_dir.is_dir():
        raise UsageError(f"--output-dir {output_dir}: is a file, not a directory; give a directory")
    config = config_from(args)
    with open_existing_store(store_path(args, config)) as store:
        run = resolve_run(store, args.run)
        compared = _comparison(args, store, run)
        report = stored_report_data(store, run, results_in_lanes(store, run, args.lane), comparison=compared,
                                    reproduce=reproduce_command(compared, args) if compared else "")
    paths = write_reports(report, formats, output_dir)
    stderr_console().print(f"run {run.id}: {len(report.results)} result(s); reports: "
                           + ", ".join(str(p) for p in paths), markup=False, highlight=False)
    if push is not None:
        url, timeout = push
        push_openmetrics(openmetrics(report), url, host=report_host(report), timeout=timeout)
        stderr_console().print(f"pushed run {run.id}'s gauges to {url}", markup=False, highlight=False)
    return int(ExitCode.OK)


def write_reports(report: ReportData, formats: list[str], output_dir: Path) -> list[Path]:
    try:
        return [EXPORTERS[name]().write(report, output_dir) for name in formats]
    except OSError as error:
        raise UsageError(f"--output-dir {output_dir}: cannot write the reports ({error.strerror})") from None
