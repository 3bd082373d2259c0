"""`baseline list | show NAME | delete NAME | accept NAME [--run ID|latest] --reason TEXT`:
the named runs later runs are compared with, and every deliberate move of one (who, when,
why), so that an intended slowdown stops alarming and the next reader knows why."""

from __future__ import annotations

import argparse

from rich.table import Table

from perfbench.cli.baselines import current_user
from perfbench.cli.console import stdout_console
from perfbench.cli.project_config import config_from, store_path
from perfbench.cli.stored_run import open_existing_store, resolve_run
from perfbench.errors import UsageError
from perfbench.store import ResultStore, StoredRun
from perfbench.store.interface import Baseline


def _existing(store: ResultStore, name: str) -> Baseline:
    found = store.baseline(name)
    if found is None:
        names = [b.name for b in store.baselines()]
        there = (f"the baselines are: {', '.join(names)}" if names
                 else "there are none yet (save one with `run --save-baseline NAME`)")
        raise UsageError(f"baseline {name!r}: no such baseline in {store.location}; {there}")
    return found


def _commit(run: StoredRun | None) -> str:
    if run is None or run.git_commit is None:
        return "-"
    dirty = " (dirty)" if run.git_dirty else ""
    return f"{run.git_commit[:10]}{dirty}" + (f" on {run.git_branch}" if run.git_branch else "")


def _list(store: ResultStore) -> int:
    baselines = store.baselines()
    if not baselines:
        stdout_console().print(f"no baselines in {store.location}; save one with `run --save-baseline NAME`",
                               highlight=False)
        return 0
    table = Table(title=f"baselines in {store.location}")
    for column in ("name", "run", "run started", "commit", "host", "saved", "accepted since", "reason"):
        table.add_column(column)
    for baseline in baselines:
        run = store.run(baseline.run_id)
        last = baseline.acceptances[-1] if baseline.acceptances else None
        table.add_row(baseline.name, str(baseline.run_id), run.started_at[:19] if run else "-", _commit(run),
                      (run.host_id or "-") if run else "-", f"{baseline.created_at[:19]} by {baseline.created_by}",
                      f"{len(baseline.acceptances)} (last {last.at[:19]} by {last.by})" if last else "0",
                      (last.reason if last else baseline.reason) or "-")
    stdout_console().print(table)
    return 0


def _show(store: ResultStore, name: str) -> int:
    baseline = _existing(store, name)
    run = store.run(baseline.run_id)
    assert run is not None  # a baseline's run cannot be deleted
    out = stdout_console()
    host = run.host
    machine = (f"{host.get('cpu_model')}, {host.get('logical_cores')} logical cores, "
               f"{(host.get('memory_bytes') or 0) / 2**30:.1f} GiB, kernel {host.get('kernel')}, "
               f"{host.get('python_implementation')} {host.get('python_version')}" if host else "not recorded")
    for label, value in (
            ("baseline", baseline.name),
            ("run", f"{run.id} ({run.status}), started {run.started_at}"),
            ("command", run.command or "-"),
            ("commit", _commit(run)),
            ("host", f"{run.host_id or '-'}: {machine}"),
            ("config hash", run.config_hash or "-"),
            ("source", run.source),
            ("saved", f"{baseline.created_at} by {baseline.created_by}"
                      + (f": {baseline.reason}" if baseline.reason else ""))):
        out.print(f"{label + ':':<13}{value}", highlight=False)
    if not baseline.acceptances:
        out.print("accepted:    never moved since it was saved", highlight=False)
        return 0
    table = Table(title="acceptances (oldest first)")
    for column in ("when", "by", "from run", "to run", "reason"):
        table.add_column(column)
    for acceptance in baseline.acceptances:
        table.add_row(acceptance.at, acceptance.by, str(acceptance.previous_run_id), str(acceptance.run_id),
                      acceptance.reason or "-")
    out.print(table)
    return 0


def _delete(store: ResultStore, name: str) -> int:
    baseline = _existing(store, name)
    store.delete_baseline(name)
    stdout_console().print(f"deleted baseline {name!r} (it pointed at run {baseline.run_id}, which stays until "
                           "`gc` removes it)", highlight=False)
    return 0


def _accept(store: ResultStore, name: str, run_text: str | None, reason: str) -> int:
    if not reason.strip():
        raise UsageError("--reason: say why the baseline moves (it is what the next reader of a slowdown sees)")
    previous = _existing(store, name)
    run = resolve_run(store, run_text)
    if run.status != "complete":
        raise UsageError(f"--run: run {run.id} is {run.status}, not complete (some benchmarks did not finish); "
                         "accept a complete run")
    if run.id == previous.run_id:
        raise UsageError(f"--run: baseline {name!r} already points at run {run.id}")
    accepted = store.accept_baseline(name, run.id, by=current_user(), reason=reason.strip())
    last = accepted.acceptances[-1]
    stdout_console().print(f"baseline {name!r} moved from run {last.previous_run_id} to run {last.run_id} "
                           f"by {last.by} at {last.at}: {last.reason}", highlight=False)
    return 0


def cmd_baseline(args: argparse.Namespace) -> int:
    config = config_from(args)
    with open_existing_store(store_path(args, config)) as store:
        if args.action == "list":
            return _list(store)
        if args.action == "show":
            return _show(store, args.name)
        if args.action == "delete":
            return _delete(store, args.name)
        return _accept(store, args.name, args.run, args.reason)
