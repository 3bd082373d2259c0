"""Which machine a run was measured on, as a fingerprint and a short id to group runs by.

Two runs are comparable only on the same host: comparisons refuse to mix hosts and history
groups by ``host_id``. The fingerprint holds what decides how fast the same code runs and
does not change while the machine stays the same: the CPU model and its logical cores, the
memory, the kernel, the Python that runs the benchmarks and how perfbench's core was built.
Not the hostname (containers and CI runners rename the same machine, and two machines can
share a name), and nothing that varies from run to run on one machine (load, clock
frequency, the governor's current mood): those are noise, recorded with the run, not identity.

Pure functions of the environment a run records (resources/environment.py), so that the id
of a run stored before fingerprints existed is derived from its environment the same way
(the store's migration to schema 4 does so), and so that this imports without the core.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

_BUILD_KEYS = ("compiler", "cxx_flags", "build_type", "cxx_standard")


def host_fingerprint(environment: Mapping[str, Any]) -> dict[str, Any]:
    """The host's fingerprint from a recorded environment (``collect_environment()``)."""
    cpu = environment.get("cpu") or {}
    python = environment.get("python") or {}
    build = environment.get("build") or {}
    return {
        "cpu_model": cpu.get("model"),
        "logical_cores": cpu.get("logical_cores"),
        "memory_bytes": environment.get("memory_bytes"),
        "kernel": environment.get("kernel"),
        "python_implementation": python.get("implementation"),
        "python_version": python.get("version"),
        "build": {key: build.get(key) for key in _BUILD_KEYS},
    }


def host_id(fingerprint: Mapping[str, Any]) -> str:
    """12 hex digits of the fingerprint's sha256 (48 bits: a chance collision between two of a
    team's few hundred hosts is about 1e-10)."""
    canonical = json.dumps(fingerprint, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:12]


def describes_a_host(environment: Mapping[str, Any]) -> bool:
    """Whether the environment was recorded by a run (so that it fingerprints a real host),
    not left empty by a test or an import that had none."""
    return bool((environment.get("cpu") or {}).get("model")) or environment.get("kernel") is not None
