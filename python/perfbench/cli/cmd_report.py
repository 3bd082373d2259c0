"""`report`: write the reports of a stored run (the latest by default) in the formats asked
for, as `run` writes them at the end of a run."""

from __future__ import annotations

import argparse
from pathlib import Path

from perfbench.cli.console import stderr_console
from perfbench.cli.project_config import config_from, store_path
from perfbench.cli.stored_run import open_existing_store, resolve_run, results_in_lanes
from perfbench.errors import ExitCode, UsageError
from perfbench.export import EXPORTERS
from perfbench.export.stored_report import stored_report_data


def report_formats(text: str) -> list[str]:
    """``html,csv`` -> ["html", "csv"]; an unknown or empty format is a usage error."""
    formats = [part.strip().lower() for part in text.split(",") if part.strip()]
    known = ", ".join(EXPORTERS)
    if not formats:
        raise UsageError(f"--format: give one or more of {known}, separated by commas (e.g. html,csv)")
    for name in formats:
        if name not in EXPORTERS:
            raise UsageError(f"--format: {name!r} is not a report format; the formats are {known}")
    return list(dict.fromkeys(formats))


def cmd_report(args: argparse.Namespace) -> int:
    formats = report_formats(args.format)
    output_dir = Path(args.output_dir)
    if output_dir.exists() and not output_dir.is_dir():
        raise UsageError(f"--output-dir {output_dir}: is a file, not a directory; give a directory")
    config = config_from(args)
    with open_existing_store(store_path(args, config)) as store:
        run = resolve_run(store, args.run)
        report = stored_report_data(store, run, results_in_lanes(store, run, args.lane))
    try:
        paths = [EXPORTERS[name]().write(report, output_dir) for name in formats]
    except OSError as error:
        raise UsageError(f"--output-dir {output_dir}: cannot write the reports ({error.strerror})") from None
    stderr_console().print(f"run {run.id}: {len(report.results)} result(s); reports: "
                           + ", ".join(str(p) for p in paths), markup=False, highlight=False)
    return int(ExitCode.OK)
