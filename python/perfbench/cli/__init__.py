"""The CLI: the only place that prints verdicts and turns errors into exit codes."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Sequence

from perfbench.cli.parser import build_parser
from perfbench.errors import ExitCode, PerfbenchError

# Each command's module is imported when it runs: analyze's pandas alone costs ~0.5 s, which
# run, validate-sla and calibrate should not pay.
COMMANDS: dict[str, str] = {
    "run": "perfbench.cli.cmd_run:cmd_run",
    "list": "perfbench.cli.cmd_list:cmd_list",
    "calibrate": "perfbench.cli.cmd_calibrate:cmd_calibrate",
    "validate-sla": "perfbench.cli.cmd_validate_sla:cmd_validate_sla",
    "analyze": "perfbench.cli.cmd_analyze:cmd_analyze",
    "optimize": "perfbench.cli.cmd_optimize:cmd_optimize",
    "gc": "perfbench.cli.cmd_gc:cmd_gc",
    "baseline": "perfbench.cli.cmd_baseline:cmd_baseline",
    "compare": "perfbench.cli.cmd_compare:cmd_compare",
    "ab": "perfbench.cli.cmd_ab:cmd_ab",
    "export": "perfbench.cli.cmd_export:cmd_export",
    "report": "perfbench.cli.cmd_report:cmd_report",
    "import": "perfbench.cli.cmd_import:cmd_import",
    "history": "perfbench.cli.cmd_history:cmd_history",
    "trend": "perfbench.cli.cmd_trend:cmd_trend",
    "load": "perfbench.cli.cmd_load:cmd_load",
}


def command(name: str) -> Callable[..., int]:
    module, function = COMMANDS[name].split(":")
    return getattr(importlib.import_module(module), function)


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
        return int(command(args.command)(args))
    except PerfbenchError as error:
        print(f"perfbench: error: {error}", file=sys.stderr)
        return int(error.exit_code)
    except KeyboardInterrupt:
        print("perfbench: interrupted", file=sys.stderr)
        return int(ExitCode.INTERRUPTED)
