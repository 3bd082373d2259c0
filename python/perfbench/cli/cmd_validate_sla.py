"""`validate-sla`: judge a stored run against the SLAs the suite defines now."""

from __future__ import annotations

import argparse
from pathlib import Path

from perfbench.cli.compliance import print_compliance_matrix
from perfbench.cli.console import stderr_console
from perfbench.cli.project_config import config_from, store_path
from perfbench.cli.stored_run import open_existing_store, resolve_run, results_in_lanes
from perfbench.errors import ExitCode
from perfbench.definition.project import all_definitions
from perfbench.sla import Verdict, evaluate_all, fails_run


def cmd_validate_sla(args: argparse.Namespace) -> int:
    config = config_from(args)
    with open_existing_store(store_path(args, config)) as store:
        run = resolve_run(store, args.run)
        results = results_in_lanes(store, run, args.lane)
        rules = {d.key: d.sla for d in all_definitions(Path.cwd(), config)}
        stored = {}
        for verdict in store.verdicts(run.id):
            stored.setdefault(verdict.benchmark, []).append(verdict)
    # Rules as defined now, so a changed SLA re-judges old results; results whose benchmark
    # is no longer defined keep the verdicts recorded when they ran.
    verdicts: list[Verdict] = evaluate_all((r, rules[r.key]) for r in results if r.key in rules)
    verdicts += [v for r in results if r.key not in rules for v in stored.get(r.key, [])]
    print_compliance_matrix(verdicts, title=f"SLO compliance of run {run.id} ({run.started_at})")
    fail_on_unsure = args.fail_on_unsure or (config is not None and config.fail_on_unsure)
    failing = [v for v in verdicts
               if fails_run(v, fail_on=args.fail_on, fail_on_unsure=fail_on_unsure)
               or (v.status in ("insufficient", "measurement-error") and args.fail_on == "warning")]
    err = stderr_console()
    if not verdicts:
        err.print(f"run {run.id} has no SLA rules to check")
    if failing:
        err.print(f"[red]{len(failing)} SLA check(s) at or above '{args.fail_on}'[/red]")
        return int(ExitCode.CHECK_FAILED)
    return int(ExitCode.OK)

