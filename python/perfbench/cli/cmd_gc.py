"""`gc --keep N`: delete all but the newest N runs (never a run a baseline points at), give
the space back, and say what was removed and what was kept."""

from __future__ import annotations

import argparse
from collections.abc import Iterable

from perfbench.cli.console import stdout_console
from perfbench.cli.project_config import config_from, store_path
from perfbench.cli.stored_run import open_existing_store
from perfbench.errors import UsageError


def id_ranges(ids: Iterable[int]) -> str:
    """Run ids as ranges: 1-25, 27, 30-31."""
    spans: list[list[int]] = []
    for run_id in sorted(ids):
        if spans and run_id == spans[-1][1] + 1:
            spans[-1][1] = run_id
        else:
            spans.append([run_id, run_id])
    return ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in spans)


def _runs(count: int) -> str:
    return f"{count} run" + ("" if count == 1 else "s")


def cmd_gc(args: argparse.Namespace) -> int:
    if args.keep < 0:
        raise UsageError(f"--keep: the number of newest runs to keep is 0 or more, got {args.keep}")
    config = config_from(args)
    with open_existing_store(store_path(args, config)) as store:
        before = [run.id for run in store.runs()]
        pointed_at = {}
        for baseline in store.baselines():
            pointed_at.setdefault(baseline.run_id, []).append(baseline.name)
        removed = store.delete_old_runs(args.keep, dry_run=args.dry_run)
        location = store.location
    kept = [run_id for run_id in before if run_id not in set(removed)]
    newest = before[len(before) - args.keep:] if args.keep else []
    out = stdout_console()
    verb = "would remove" if args.dry_run else "removed"
    out.print(f"{verb} {_runs(len(removed))} from {location}" + (f": {id_ranges(removed)}" if removed else ""),
              highlight=False)
    reasons = [f"the newest {_runs(len(newest))}: {id_ranges(newest)}"] if newest else []
    reasons += [f"run {run_id} (baseline {', '.join(sorted(names))})" for run_id, names in sorted(pointed_at.items())
                if run_id not in newest]
    out.print(f"{'would keep' if args.dry_run else 'kept'} {_runs(len(kept))}"
              + (f": {'; '.join(reasons)}" if reasons else ""), highlight=False)
    if args.dry_run:
        out.print("nothing was deleted (--dry-run)", highlight=False)
    return 0
