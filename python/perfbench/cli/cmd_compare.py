"""`compare [BASE] [CURRENT]`: two stored runs, benchmark by benchmark; exit 1 on a regression."""

from __future__ import annotations

import argparse
from pathlib import Path

from perfbench.cli.comparing import comparison_exit_code, print_comparison, settings_for
from perfbench.cli.project_config import config_from, store_path
from perfbench.cli.stored_run import open_existing_store
from perfbench.definition.project import project_definitions
from perfbench.run_comparison import LATEST, compare_runs, resolve_reference


def cmd_compare(args: argparse.Namespace) -> int:
    config = config_from(args)
    with open_existing_store(store_path(args, config)) as store:
        current = resolve_reference(store, args.current if args.current is not None else LATEST, role="CURRENT")
        base = resolve_reference(store, args.base, before=current.run, role="BASE")
        # Thresholds and severities as the project defines them now (as validate-sla judges
        # stored results by the rules defined now).
        settings = settings_for(project_definitions(Path.cwd(), config), config, args)
        compared = compare_runs(store, base, current, settings=settings, allow_mixed_hosts=args.allow_mixed_hosts)
    print_comparison(compared, as_json=args.json)
    return comparison_exit_code(compared)
