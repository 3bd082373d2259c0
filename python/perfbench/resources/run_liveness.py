"""Whether the process that made a run is gone: a run left 'running' by a process that was
killed (SIGKILL, a crash, the machine powered off) never marks itself finished, and `gc` must
tell it from a run another process is still writing, which it must not delete.

Only a run made on this machine can be judged: same hostname and boot as now and no process
with its pid (or only one started after the run, which took the pid again), or same
hostname and an earlier boot. A run from another machine, or one
recorded before runs recorded their process, is taken to be alive: keeping a dead run costs
some space, deleting a live one breaks a run in progress.
"""

from __future__ import annotations

import datetime
import socket
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import psutil

_BOOT_ID = Path("/proc/sys/kernel/random/boot_id")


def _boot_id() -> str | None:
    try:
        return _BOOT_ID.read_text().strip()
    except OSError:
        return None


def process_is_gone(environment: Mapping[str, Any]) -> bool:
    """True only when the run's recorded process certainly no longer runs."""
    process = environment.get("process") or {}
    pid, boot = process.get("pid"), process.get("boot_id")
    if pid is None or boot is None or environment.get("hostname") != socket.gethostname():
        return False
    if boot != _boot_id():
        return True  # the machine has restarted since
    try:
        started = psutil.Process(pid).create_time()
    except psutil.NoSuchProcess:
        return True
    except psutil.Error:
        return False
    recorded = environment.get("recorded_at")
    # the pid taken again by a process started after the run recorded its environment
    return recorded is not None and started > datetime.datetime.fromisoformat(recorded).timestamp() + 1.0
