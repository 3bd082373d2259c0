"""The machine and software a run was measured on, and what in it makes numbers noisy.

Recorded with every run so that two results can be judged comparable or not. Every probe
reads a file or runs a short command and degrades to None when it cannot tell.
"""

from __future__ import annotations

import datetime
import os
import platform
import re
import shutil
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import psutil

from perfbench import _core

_CPU = Path("/sys/devices/system/cpu")


def _read(path: str | Path) -> str | None:
    try:
        return Path(path).read_text().strip()
    except OSError:
        return None


def _cpu_model() -> str | None:
    text = _read("/proc/cpuinfo") or ""
    for key in ("model name", "Hardware", "Processor", "cpu model"):
        match = re.search(rf"^{key}\s*:\s*(.+)$", text, re.MULTILINE)
        if match:
            return match.group(1).strip()
    return platform.processor() or None


def _cpu_flags() -> set[str]:
    match = re.search(r"^flags\s*:\s*(.+)$", _read("/proc/cpuinfo") or "", re.MULTILINE)
    return set(match.group(1).split()) if match else set()


def _governor() -> str | None:
    return _read(_CPU / "cpu0/cpufreq/scaling_governor")


def _turbo() -> bool | None:
    no_turbo = _read(_CPU / "intel_pstate/no_turbo")
    if no_turbo is not None:
        return no_turbo == "0"
    boost = _read(_CPU / "cpufreq/boost")
    if boost is not None:
        return boost == "1"
    return None


def _smt() -> bool | None:
    active = _read(_CPU / "smt/active")
    return None if active is None else active == "1"


def _virtualization() -> dict[str, Any]:
    evidence = []
    hypervisor = _read("/sys/hypervisor/type")
    if hypervisor:
        evidence.append(f"/sys/hypervisor/type={hypervisor}")
    if "hypervisor" in _cpu_flags():
        evidence.append("cpu flag 'hypervisor'")
    product = _read("/sys/class/dmi/id/product_name")
    if product and re.search(r"kvm|qemu|vmware|virtualbox|hvm|xen|firecracker|virtual", product, re.I):
        evidence.append(f"DMI product '{product}'")
    if shutil.which("systemd-detect-virt"):
        try:
            out = subprocess.run(["systemd-detect-virt"], capture_output=True, text=True, timeout=2)
            if out.returncode == 0 and out.stdout.strip() not in ("", "none"):
                evidence.append(f"systemd-detect-virt={out.stdout.strip()}")
        except (OSError, subprocess.SubprocessError):
            pass
    return {"detected": bool(evidence), "evidence": evidence}


def _git_state(cwd: Path) -> dict[str, Any] | None:
    """The project's commit, branch (None when detached) and whether tracked files have
    uncommitted changes; None outside a git checkout or before its first commit. One
    ``git status`` gives all three (porcelain v2's branch headers)."""
    if not shutil.which("git"):
        return None
    try:
        status = subprocess.run(["git", "status", "--porcelain=v2", "--branch", "--untracked-files=no"], cwd=cwd,
                                capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.SubprocessError):
        return None
    if status.returncode != 0:
        return None
    headers = dict(line[2:].split(" ", 1) for line in status.stdout.splitlines() if line.startswith("# "))
    commit, branch = headers.get("branch.oid"), headers.get("branch.head")
    if commit in (None, "(initial)"):
        return None
    return {"commit": commit, "branch": None if branch in (None, "(detached)") else branch,
            "dirty": any(not line.startswith("#") for line in status.stdout.splitlines())}


def load_average() -> list[float] | None:
    """The 1, 5 and 15-minute load averages; None where the platform has none."""
    try:
        return list(os.getloadavg())
    except OSError:
        return None


def collect_environment(cwd: Path | None = None) -> dict[str, Any]:
    cwd = cwd or Path.cwd()
    clock = _core.clock_info()
    build = _core.build_info()
    counters = _core.hardware_counter_support()
    load = load_average()
    return {
        "recorded_at": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "hostname": socket.gethostname(),
        "cpu": {
            "model": _cpu_model(),
            "logical_cores": psutil.cpu_count(logical=True),
            "physical_cores": psutil.cpu_count(logical=False),
            "governor": _governor(),
            "turbo": _turbo(),
            "smt": _smt(),
            "frequency_mhz": (lambda f: f.current if f else None)(psutil.cpu_freq()),
        },
        "memory_bytes": psutil.virtual_memory().total,
        "aslr": _read("/proc/sys/kernel/randomize_va_space"),
        "clocksource": _read(_CPU / "../clocksource/clocksource0/current_clocksource"),
        "virtualization": _virtualization(),
        "perf_event_paranoid": _read("/proc/sys/kernel/perf_event_paranoid"),
        "hardware_counters": {"available": counters["available"], "reason": counters["reason"]},
        "kernel": platform.release(),
        "os": platform.platform(),
        "python": {"version": platform.python_version(), "implementation": platform.python_implementation(),
                   "executable": sys.executable},
        "build": dict(build),
        "perfbench_version": build["version"],
        "clock": {key: clock[key] for key in ("source", "ticks_per_ns", "resolution_ns", "tsc_invariant",
                                              "selection_reason")},
        "load_average": load,
        "git": _git_state(cwd),
        "cwd": str(cwd),
        # Which process made the run, so that `gc` can tell a run still being written from one
        # whose process was killed before it could mark it finished (resources/run_liveness.py).
        "process": {"pid": os.getpid(), "boot_id": _read("/proc/sys/kernel/random/boot_id")},
    }


def unmeasurable_notes(env: dict[str, Any]) -> list[str]:
    """What this machine cannot measure and why: said once per run, not per benchmark."""
    counters = env["hardware_counters"]
    if counters["available"]:
        return []
    return [f"hardware counters are unavailable: {counters['reason']}; instructions_per_op, cycles_per_op, "
            "branch_misses_per_op and instructions_per_cycle are not measured, and a rule on them reads "
            "NOT MEASURABLE"]


def noise_warnings(env: dict[str, Any]) -> list[str]:
    """Plain sentences about what in this environment makes timings noisy."""
    warnings = []
    cpu = env["cpu"]
    if env["virtualization"]["detected"]:
        warnings.append("running in a virtual machine (" + ", ".join(env["virtualization"]["evidence"])
                        + "): other tenants share the host, expect run-to-run variation of several percent")
    if cpu["governor"] not in (None, "performance"):
        warnings.append(f"CPU frequency governor is '{cpu['governor']}', not 'performance': clock speed varies "
                        "with load")
    if cpu["turbo"]:
        warnings.append("turbo boost is on: the core clock depends on temperature and on the other cores' load")
    if cpu["smt"]:
        warnings.append("SMT (hyper-threading) is on: a sibling thread can steal the core's execution units")
    if (cpu["logical_cores"] or 0) <= 2:
        warnings.append(f"only {cpu['logical_cores']} logical CPU(s): the benchmark, the sampler and the "
                        "rest of the system share them")
    load = env.get("load_average")
    if load and cpu["logical_cores"] and load[0] > 0.5 * cpu["logical_cores"]:
        warnings.append(f"the 1-minute load average is {load[0]:.2f} on {cpu['logical_cores']} CPU(s): "
                        "something else is running")
    if env["clock"]["source"] == "steady_clock":
        warnings.append("timing with steady_clock, not a cycle counter: " + env["clock"]["selection_reason"])
    if env["clocksource"] not in (None, "tsc", "arch_sys_counter"):
        warnings.append(f"the kernel clocksource is '{env['clocksource']}': clock reads may be slow")
    return warnings
