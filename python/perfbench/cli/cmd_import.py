"""`import`: runs from files (perfbench exports, Google Benchmark, pyperf, pytest-benchmark
JSON) into the store, all or nothing: every file is read and checked before anything is
written, and the runs are written in one transaction."""

from __future__ import annotations

import argparse
from pathlib import Path

from perfbench.cli.console import stderr_console
from perfbench.cli.project_config import config_from, store_path
from perfbench.errors import ExitCode, InputFileError
from perfbench.interchange import read_run_file, store_imported
from perfbench.store import open_store


def cmd_import(args: argparse.Namespace) -> int:
    config = config_from(args)
    try:
        runs = [read_run_file(Path(name), args.lane) for name in args.files]
    except InputFileError as error:
        raise InputFileError(f"{error}; nothing was imported") from None
    with open_store(store_path(args, config)) as store:
        try:
            run_ids = store_imported(store, runs)
        except InputFileError as error:  # a file imported before
            raise InputFileError(f"{error}; nothing was imported") from None
        location = store.location
    err = stderr_console()
    for run, run_id in zip(runs, run_ids, strict=True):
        err.print(f"{run.file}: {run.format}, {len(run.results)} result(s) -> run {run_id} in {location} "
                  f"(source {run.source}, status {run.status})", markup=False)
        for note in run.notes:
            err.print(f"  note: {note}", markup=False)
    return int(ExitCode.OK)
