"""Consoles for the CLI. Off a terminal (CI logs, pipes) rich would wrap at 80 columns;
a wide fixed width keeps each table row and message on one line there."""

from __future__ import annotations

import sys

from rich.console import Console

_PIPE_WIDTH = 160


def _console(stream_is_tty: bool, **kwargs: object) -> Console:
    return Console(soft_wrap=False, width=None if stream_is_tty else _PIPE_WIDTH, **kwargs)  # type: ignore[arg-type]


def stdout_console() -> Console:
    return _console(sys.stdout.isatty())


def stderr_console() -> Console:
    return _console(sys.stderr.isatty(), stderr=True)
