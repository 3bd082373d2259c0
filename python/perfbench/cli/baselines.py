"""What the commands that save and move baselines (`run --save-baseline`, `baseline accept`)
share: who is doing it, and which names a baseline may have."""

from __future__ import annotations

import getpass
import os

from perfbench.errors import UsageError

USER_VARIABLE = "PERFBENCH_USER"  # names who saves or accepts a baseline, where the OS user does not (CI)


def current_user() -> str:
    """$PERFBENCH_USER, else the OS user (a container may have a uid without a name)."""
    named = os.environ.get(USER_VARIABLE, "").strip()
    if named:
        return named
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return f"uid {os.getuid()}"


def checked_name(flag: str, name: str) -> str:
    """A baseline name that cannot be mistaken for what else names a run where a baseline is
    accepted (`compare BASE`: a run id or 'latest')."""
    if not name.strip() or name != name.strip():
        raise UsageError(f"{flag}: a baseline name cannot be empty or begin or end with spaces, got {name!r}")
    if name.isdigit() or name == "latest":
        raise UsageError(f"{flag}: {name!r} would read as a run id or 'latest' where runs are named; "
                         "choose a name with a letter in it (e.g. main, release-1.2)")
    return name
