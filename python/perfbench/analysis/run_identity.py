"""What a stored run is, for history: its commit, branch, dirty flag and host.

Interim: the store records these as ``RunMetadata`` on each ``StoredRun`` (schema 4, the
store part of issue 10: ``git_commit``, ``git_branch``, ``git_dirty``, ``host_id``). Until
that lands, they are read from what runs hold today, the ``git_commit`` column and the
environment captured at the start of the run, and the host id is a hash of the same
fingerprint the contract names. Switching is this file only: ``run_identity`` reads the
StoredRun's fields and ``current_host_id`` asks the store part's fingerprint.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Mapping
from typing import Any

from perfbench.store import StoredRun

# The perfbench version is part of the build information but not of the machine: a new
# release must not start a new history.
_NOT_THE_MACHINE = ("version",)


@dataclasses.dataclass(frozen=True, slots=True)
class RunIdentity:
    commit: str | None
    branch: str | None
    dirty: bool | None
    host_id: str | None


def host_id_of(environment: Mapping[str, Any]) -> str | None:
    """A short stable hash of the machine an environment was captured on (CPU model and
    cores, memory, kernel, Python, the core's build flags); None when it records none."""
    cpu = environment.get("cpu") or {}
    python = environment.get("python") or {}
    fingerprint = {
        "cpu_model": cpu.get("model"), "logical_cores": cpu.get("logical_cores"),
        "memory_bytes": environment.get("memory_bytes"), "kernel": environment.get("kernel"),
        "python": [python.get("version"), python.get("implementation")],
        "build": {k: v for k, v in sorted((environment.get("build") or {}).items()) if k not in _NOT_THE_MACHINE},
    }
    if fingerprint["cpu_model"] is None and fingerprint["kernel"] is None:
        return None
    return hashlib.sha256(json.dumps(fingerprint, sort_keys=True).encode()).hexdigest()[:12]


def run_identity(run: StoredRun) -> RunIdentity:
    git = run.environment.get("git") or {}
    return RunIdentity(commit=run.git_commit or git.get("commit"), branch=git.get("branch"),
                       dirty=git.get("dirty"), host_id=host_id_of(run.environment))


def current_host_id() -> str | None:
    """The host id of this machine, as a run started here now would record it."""
    from perfbench.resources.environment import collect_environment  # needs the compiled core

    return host_id_of(collect_environment())
