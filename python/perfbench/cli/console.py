"""Consoles for the CLI. Off a terminal (CI logs, pipes) rich would wrap at 80 columns;
a wide fixed width keeps each table row and message on one line there."""

from __future__ import annotations

import sys

from rich.console import Console

_PIPE_WIDTH = 160


def stdout_console() -> Console:
    """For tables: sized to the terminal, or 160 columns off a terminal. Markup is off:
    cells hold user data (``sort[n=10]`` would read as a style tag); style with Text."""
    return Console(width=None if sys.stdout.isatty() else _PIPE_WIDTH, markup=False)


def stderr_console() -> Console:
    """For messages: never wrapped, so each message stays one line in a log."""
    return Console(stderr=True, soft_wrap=True, width=None if sys.stderr.isatty() else _PIPE_WIDTH)
