"""What a stored run is, for history: its commit, branch, dirty flag and host.

A run carries these as its ``RunMetadata`` (schema 4). A run stored without metadata (by a
caller that passes none: the run session until it records them, or an import) still has
its environment, and the host and git state are derived from that exactly as the schema 4
migration derives them for older runs (resources/host_fingerprint.py), so such a run
lands in the same host's history as its neighbours instead of in none.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from perfbench.resources.host_fingerprint import describes_a_host, host_fingerprint, host_id
from perfbench.store import StoredRun


@dataclasses.dataclass(frozen=True, slots=True)
class RunIdentity:
    commit: str | None
    branch: str | None
    dirty: bool | None
    host_id: str | None


def host_id_of(environment: Mapping[str, Any]) -> str | None:
    """The host id a run recording this environment belongs to; None when it records no host."""
    return host_id(host_fingerprint(environment)) if describes_a_host(environment) else None


def run_identity(run: StoredRun) -> RunIdentity:
    git = run.environment.get("git") or {}
    return RunIdentity(commit=run.git_commit or git.get("commit"), branch=run.git_branch or git.get("branch"),
                       dirty=run.git_dirty if run.git_dirty is not None else git.get("dirty"),
                       host_id=run.host_id or host_id_of(run.environment))


def current_host_id() -> str | None:
    """The host id of this machine, as a run started here now records it."""
    from perfbench.resources.environment import collect_environment  # needs the compiled core

    return host_id_of(collect_environment())
