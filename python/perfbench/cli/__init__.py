"""The CLI: the only place that prints verdicts and turns errors into exit codes."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence

from perfbench.cli.cmd_analyze import cmd_analyze
from perfbench.cli.cmd_calibrate import cmd_calibrate
from perfbench.cli.cmd_list import cmd_list
from perfbench.cli.cmd_optimize import cmd_optimize
from perfbench.cli.cmd_run import cmd_run
from perfbench.cli.cmd_validate_sla import cmd_validate_sla
from perfbench.cli.parser import build_parser
from perfbench.errors import ExitCode, PerfbenchError

COMMANDS: dict[str, Callable[..., int]] = {
    "run": cmd_run,
    "list": cmd_list,
    "calibrate": cmd_calibrate,
    "validate-sla": cmd_validate_sla,
    "analyze": cmd_analyze,
    "optimize": cmd_optimize,
}


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
        return int(COMMANDS[args.command](args))
    except PerfbenchError as error:
        print(f"perfbench: error: {error}", file=sys.stderr)
        return int(error.exit_code)
    except KeyboardInterrupt:
        print("perfbench: interrupted", file=sys.stderr)
        return int(ExitCode.INTERRUPTED)
