"""The command line: argparse, with usage errors as one line and exit code 2."""

from __future__ import annotations

import argparse
from typing import NoReturn

from perfbench import __version__
from perfbench.errors import UsageError


class OneLineArgumentParser(argparse.ArgumentParser):
    """argparse prints the whole usage block and exits; perfbench raises a one-line error."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {message} (see `{self.prog} --help`)")


def build_parser() -> OneLineArgumentParser:
    parser = OneLineArgumentParser(
        prog="python -m perfbench",
        description="Precise performance benchmarks: a C++ measurement core with a Python analysis front end.",
        epilog="exit codes: 0 ok, 1 a check failed, 2 bad input, 3 a benchmark failed to run, 130 interrupted",
    )
    parser.add_argument("--version", action="version", version=f"perfbench {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=OneLineArgumentParser)
    commands.required = True

    run = commands.add_parser("run", help="run the benchmarks and write results and reports",
                              description="Run the benchmarks, store every result as it finishes, "
                                          "and write CSV and HTML reports.")
    run.add_argument("--quick", action="store_true", help="scaled-down budgets: the default suite in <= 30 s")
    run.add_argument("--budget", metavar="DURATION",
                     help="time budget per micro-benchmark, e.g. 0.5s (default 0.5s, 0.1s with --quick)")
    run.add_argument("--lane", action="append", metavar="NAME", help="run only this lane (repeatable)")
    run.add_argument("--store", metavar="PATH", help="SQLite result store (default .perfbench/results.db)")
    run.add_argument("--output-dir", metavar="DIR", help="where reports go (default reports/)")

    commands.add_parser("list", help="show the lanes and benchmarks that `run` would run",
                        description="Show lanes, benchmarks and what each measures.")

    calibrate = commands.add_parser("calibrate", help="show the clock perfbench uses and what it costs",
                                    description="Calibrate and describe the clock: source, ticks per ns, "
                                                "resolution, read costs, TSC invariance.")
    calibrate.add_argument("--json", action="store_true", help="machine-readable output")
    return parser
