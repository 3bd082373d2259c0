"""`export`: one stored run as perfbench's versioned JSON (interchange/perfbench_format.py),
to a file or to stdout."""

from __future__ import annotations

import argparse
import gzip
import sys
from pathlib import Path

from perfbench.cli.console import stderr_console
from perfbench.cli.project_config import config_from, store_path
from perfbench.cli.stored_run import open_existing_store, resolve_run
from perfbench.errors import ExitCode, UsageError
from perfbench.interchange import run_document, serialize


def cmd_export(args: argparse.Namespace) -> int:
    config = config_from(args)
    with open_existing_store(store_path(args, config)) as store:
        run = resolve_run(store, args.run)
        document = run_document(run, [stored.result for stored in store.results(run.id)], store.verdicts(run.id))
    content = serialize(document)
    if args.output is None or args.output == "-":
        sys.stdout.buffer.write(content)
        sys.stdout.buffer.flush()
        return int(ExitCode.OK)
    output = Path(args.output)
    if output.suffix == ".gz":  # samples compress well; `import` reads either
        content = gzip.compress(content, mtime=0)
    try:
        output.write_bytes(content)
    except OSError as error:
        raise UsageError(f"--output {output}: cannot write it ({error.strerror})") from None
    stderr_console().print(f"run {run.id}: {len(document['results'])} result(s), {len(document['verdicts'])} "
                           f"verdict(s) written to {output} ({len(content) / 1e6:.3g} MB)", markup=False)
    return int(ExitCode.OK)
