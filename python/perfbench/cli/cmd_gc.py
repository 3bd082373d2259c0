"""`gc --keep N`: delete all but the newest N runs (never a run a baseline points at, nor
one another process is still writing), give the space back, and say what was removed and
what was kept. A run left 'running' by a process that is gone (killed before it could mark
the run finished) is marked interrupted first, so that it can go."""

from __future__ import annotations

import argparse
from collections.abc import Iterable

from perfbench.cli.console import stdout_console
from perfbench.cli.project_config import config_from, store_path
from perfbench.cli.stored_run import open_existing_store
from perfbench.errors import UsageError
from perfbench.resources.run_liveness import process_is_gone


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
    out = stdout_console()
    with open_existing_store(store_path(args, config)) as store:
        runs = store.runs()
        before = [run.id for run in runs]
        newest = before[len(before) - args.keep:] if args.keep else []
        pointed_at: dict[int, list[str]] = {}
        for baseline in store.baselines():
            pointed_at.setdefault(baseline.run_id, []).append(baseline.name)
        unfinished = [run for run in runs if run.status == "running" and run.id not in newest
                      and run.id not in pointed_at]
        abandoned = [run.id for run in unfinished if process_is_gone(run.environment)]
        if abandoned:
            out.print(f"{'would mark' if args.dry_run else 'marked'} {_runs(len(abandoned))} interrupted: "
                      f"{id_ranges(abandoned)} (left 'running' by a process on this machine that is gone)",
                      highlight=False)
            if not args.dry_run:
                for run_id in abandoned:
                    store.finish_run(run_id, "interrupted")
        removed = store.delete_old_runs(args.keep, dry_run=args.dry_run)
        if args.dry_run:
            removed = sorted({*removed, *abandoned})
        location = store.location
    kept = [run_id for run_id in before if run_id not in set(removed)]
    verb = "would remove" if args.dry_run else "removed"
    out.print(f"{verb} {_runs(len(removed))} from {location}" + (f": {id_ranges(removed)}" if removed else ""),
              highlight=False)
    reasons = [f"the newest {_runs(len(newest))}: {id_ranges(newest)}"] if newest else []
    reasons += [f"run {run_id} (baseline {', '.join(sorted(names))})" for run_id, names in sorted(pointed_at.items())
                if run_id not in newest]
    alive = [run.id for run in unfinished if run.id not in abandoned]
    reasons += [f"{id_ranges(alive)} (still running, or made on another machine that may still be writing it)"
                ] if alive else []
    out.print(f"{'would keep' if args.dry_run else 'kept'} {_runs(len(kept))}"
              + (f": {'; '.join(reasons)}" if reasons else ""), highlight=False)
    if args.dry_run:
        out.print("nothing was deleted (--dry-run)", highlight=False)
    return 0
