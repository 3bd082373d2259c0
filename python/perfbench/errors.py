"""Typed errors and the exit codes they map to.

Library code raises these; only the CLI turns them into a printed line and an exit code
(`perfbench.cli.main`). Messages are complete sentences that name the file, key or flag,
the bad value and what would be accepted.
"""

from __future__ import annotations

import enum


class ExitCode(enum.IntEnum):
    OK = 0
    CHECK_FAILED = 1  # an SLA violation of severity error/critical, or a regression
    BAD_INPUT = 2  # usage, config, unreadable store or file
    BENCHMARK_FAILED = 3  # one or more benchmarks could not run; the rest are stored
    # A run stopped by a signal keeps everything finished before it; 128 + the signal's number.
    HUNG_UP = 129  # SIGHUP (the terminal closed)
    INTERRUPTED = 130  # SIGINT (Ctrl-C)
    TERMINATED = 143  # SIGTERM (a CI job cancelled, `timeout`)


class PerfbenchError(Exception):
    """Base of every error perfbench reports to a user."""

    exit_code: ExitCode = ExitCode.BAD_INPUT


class UsageError(PerfbenchError):
    """A wrong command-line flag or value."""


class LoadArgumentError(UsageError, ValueError):
    """A load test asked for something it cannot run (no bound, a non-URL, a negative rate)."""


class UnitError(PerfbenchError, ValueError):
    """A quantity whose unit is missing or unknown (`5 parsecs`, `10`)."""


class ConfigError(PerfbenchError):
    """A configuration file that cannot be used as written."""

    def __init__(self, path: str, key: str | None, message: str) -> None:
        where = f"{path}: {key}" if key else path
        super().__init__(f"{where}: {message}")
        self.path = path
        self.key = key


class StoreError(PerfbenchError):
    """A result store that cannot be opened, read or written."""


class ComparisonError(PerfbenchError):
    """Two runs that cannot be compared as asked: a reference that names no run or baseline,
    runs from different hosts."""


class DefinitionError(PerfbenchError):
    """A benchmark definition that cannot be run (unknown workload, bad parameter)."""


class InputFileError(PerfbenchError):
    """A file given to read (an import) that perfbench cannot read: unreadable, not JSON, of
    no format it knows, or malformed where it says it is one; the message names the file and
    the place in it."""
