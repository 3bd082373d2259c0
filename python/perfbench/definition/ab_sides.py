"""What each side of ``perfbench ab A B`` is, and the benchmarks it runs.

A side is named by
* a **checkout directory**: its own ``benchmarks/`` and perfbench config (found from that
  directory, as ``run`` would find it there); its benchmarks are imported and run with that
  directory as the working directory, so ``python -m`` puts it first on ``sys.path`` and the
  project code imported is that checkout's;
* a **Python interpreter** (``.../bin/python``) or a **virtual environment** directory
  (one holding ``pyvenv.cfg``): the benchmarks of the current directory, imported and run
  by that interpreter, so what it has installed (the project, its dependencies, perfbench
  itself) is that side's;
* **both**: ``DIR --a-python PY`` (``--b-python`` for B): DIR's benchmarks run by PY;
* a **command** (``--a-command CMD``): run as a benchmark ``ab/command`` one process per
  run, in the side's directory if one is given.

An interpreter must exist and import perfbench's worker, or the side is refused before
anything runs (exit 2, one line). A checkout without benchmarks is refused likewise.
"""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from perfbench.config import load_config_for
from perfbench.definition.project import Overrides, apply_overrides, matches, project_definitions
from perfbench.definition.suite import BenchmarkDefinition, CommandTarget
from perfbench.errors import UsageError

COMMAND_LANE, COMMAND_NAME = "ab", "command"
COMMAND_WARMUP = 1  # the first run of a command warms the page cache; it is not counted
PROBE_TIMEOUT_SECONDS = 60.0
# What a side's interpreter must import: the worker it runs benchmarks in.
_PROBE = ("import json, platform, perfbench, perfbench.execution.worker; print(json.dumps({"
          "'perfbench_version': perfbench.__version__, 'python_version': platform.python_version(), "
          "'python_implementation': platform.python_implementation()}))")


@dataclasses.dataclass(frozen=True, slots=True)
class SideRequest:
    """A side as the command line names it."""

    label: str  # "A" or "B"
    path: str | None  # the positional argument
    python: str | None  # --a-python / --b-python
    command: str | None  # --a-command / --b-command

    @property
    def flag(self) -> str:
        return f"--{self.label.lower()}"


@dataclasses.dataclass(frozen=True, slots=True)
class Side:
    label: str
    checkout: Path
    python: str
    definitions: tuple[BenchmarkDefinition, ...]
    described: Mapping[str, Any]  # what it is, recorded with its run


@dataclasses.dataclass(frozen=True, slots=True)
class SideSettings:
    """What both sides run with."""

    processes: int
    lanes: tuple[str, ...] = ()
    patterns: tuple[str, ...] = ()
    budget_seconds: float | None = None
    timeout_seconds: float | None = None


def _probe(flag: str, python: str) -> dict[str, str]:
    """The interpreter's perfbench version and its Python's version and implementation;
    refuses one that cannot run workers."""
    fix = "give the python of an environment with perfbench installed (e.g. .venv/bin/python)"
    if not os.path.isfile(python) or not os.access(python, os.X_OK):
        raise UsageError(f"{flag}: {python!r} is not an executable file; {fix}")
    try:
        probed = subprocess.run([python, "-c", _PROBE], capture_output=True, text=True, timeout=PROBE_TIMEOUT_SECONDS,
                                stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired) as error:
        raise UsageError(f"{flag}: {python!r} could not be run ({error}); {fix}") from None
    try:
        found = json.loads(probed.stdout) if probed.returncode == 0 else None
    except ValueError:
        found = None
    if not isinstance(found, dict):
        last = (probed.stderr.strip().splitlines() or ["no output"])[-1]
        raise UsageError(f"{flag}: {python!r} cannot run perfbench's workers ({last}); pip install perfbench "
                         "(this version or a compatible one) into that environment")
    return {key: str(value) for key, value in found.items()}


def _venv_python(directory: Path) -> Path | None:
    """The interpreter of a virtual environment directory, if ``directory`` is one."""
    if (directory / "pyvenv.cfg").is_file():
        return directory / "bin" / "python"
    return None


def _where_and_python(side: SideRequest, cwd: Path) -> tuple[Path, str | None]:
    """The side's directory and its interpreter (None: this one)."""
    flag, python = side.flag, side.python
    if side.path is None:
        if python is None:
            raise UsageError(f"{side.label}: give a checkout directory, a venv or a Python interpreter "
                             f"(or {flag}-python PY, or {flag}-command CMD)")
        return cwd, python
    path = (cwd / side.path).resolve()
    if not path.exists():
        raise UsageError(f"{side.label}: {side.path!r} does not exist; give a checkout directory, a venv or a "
                         "Python interpreter")
    venv = _venv_python(path) if path.is_dir() else None
    if path.is_dir() and venv is None:
        return path, python
    if python is not None:
        raise UsageError(f"{flag}-python: {side.label} is already the interpreter {side.path!r}; give "
                         f"{flag}-python with a checkout directory only")
    return cwd, str(venv or path)


def _project(side: SideRequest, checkout: Path, python: str) -> list[BenchmarkDefinition]:
    definitions = project_definitions(checkout, load_config_for(checkout, None), python=python)
    if not definitions:
        raise UsageError(f"{side.label}: {str(checkout)!r} has no benchmarks (no @perfbench.benchmark in "
                         "benchmarks/bench_*.py, no [[benchmark]] commands in a perfbench config); give the root "
                         "of a checkout that has them")
    return definitions


def _command(side: SideRequest, cwd: Path, settings: SideSettings) -> Side:
    assert side.command is not None
    if side.python is not None:
        raise UsageError(f"{side.flag}-python: a command runs as it is written; put the interpreter in "
                         f"{side.flag}-command instead")
    directory = cwd
    if side.path is not None:
        directory = (cwd / side.path).resolve()
        if not directory.is_dir():
            raise UsageError(f"{side.label}: {side.path!r} is not a directory; with {side.flag}-command, "
                             f"{side.label} names the directory the command runs in")
    definition = BenchmarkDefinition(
        name=COMMAND_NAME, lane=COMMAND_LANE, description=side.command,
        target=CommandTarget(side.command, cwd=str(directory)), iterations=settings.processes,
        warmup_iterations=COMMAND_WARMUP, cwd=str(directory))
    definition = apply_overrides(definition, Overrides(timeout_seconds=settings.timeout_seconds), user_defined=True)
    return Side(side.label, directory, sys.executable, (definition,),
                {"command": side.command, "directory": str(directory)})


def _chosen(definition: BenchmarkDefinition, settings: SideSettings) -> bool:
    return ((not settings.lanes or definition.lane in settings.lanes)
            and (not settings.patterns or matches(definition, settings.patterns)))


def resolve_side(side: SideRequest, settings: SideSettings, cwd: Path) -> Side:
    """The side's directory, interpreter and the benchmarks it runs (those ``settings``
    select, each over ``settings.processes`` processes). Raises UsageError for a side that
    cannot run."""
    if side.command is not None:
        return _command(side, cwd, settings)
    checkout, python = _where_and_python(side, cwd)
    described: dict[str, Any] = {"checkout": str(checkout)}
    if python is not None:
        described.update(python=python, **_probe(f"{side.flag}-python" if side.python else side.label, python))
    python = python or sys.executable
    overrides = Overrides(processes=settings.processes, budget_seconds=settings.budget_seconds,
                          timeout_seconds=settings.timeout_seconds)
    definitions = []
    for definition in _project(side, checkout, python):
        if _chosen(definition, settings):
            if definition.kind == "command":  # each of its runs is a process: as many as the pairs
                definition = dataclasses.replace(definition, iterations=settings.processes)
            definitions.append(apply_overrides(definition, overrides, user_defined=True))
    return Side(side.label, checkout, python, tuple(definitions), described)


def refuse_empty_selection(sides: Sequence[Side], settings: SideSettings) -> None:
    """--lane / --benchmark must pick something on at least one side."""
    if any(side.definitions for side in sides):
        return
    what = " and ".join(filter(None, [f"--lane {', '.join(settings.lanes)}" if settings.lanes else "",
                                      f"--benchmark {', '.join(settings.patterns)}" if settings.patterns else ""]))
    raise UsageError(f"{what}: selects no benchmark in A or B (`python -m perfbench list` in each shows the names)")
