"""What a configuration becomes: frozen dataclasses with every value resolved, every
quantity in base units (seconds, bytes) and every path absolute; and the defaults used when
a file says nothing."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any

from perfbench.definition.suite import DEFAULT_METRICS_INTERVAL_SECONDS, DEFAULT_TIMEOUT_SECONDS
from perfbench.measuring.sampling import DEFAULT_BUDGET_SECONDS
from perfbench.sla import Rule

CONFIG_FILE_NAME = "perfbench.toml"
PYPROJECT_FILE_NAME = "pyproject.toml"

DEFAULT_ITERATIONS = 5
DEFAULT_WARMUP = 1
# One psutil sample of a process tree costs a few hundred µs of CPU; below 1 ms the
# sampler would spend more time measuring than the benchmark spends running.
MIN_METRICS_INTERVAL_SECONDS = 1e-3
DEFAULT_BENCHMARKS_DIR = "benchmarks"

Command = str | tuple[str, ...]  # a string runs through /bin/sh -c; a tuple is argv


def frozen_mapping(mapping: Mapping[str, Any] | None = None) -> Mapping[str, Any]:
    return MappingProxyType(dict(mapping or {}))


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class LaneConfig:
    """Settings every benchmark of a lane runs with, already merged over ``[defaults]``.

    ``sla`` holds the rules that judge every benchmark of the lane: those of ``[defaults]``
    followed by the lane's own.
    """

    name: str
    cwd: Path
    iterations: int = DEFAULT_ITERATIONS  # counted iterations
    warmup: int = DEFAULT_WARMUP  # iterations run first (in each worker process) and not counted
    processes: int = 1  # fresh worker processes a Python benchmark's counted iterations are spread over
    timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS  # per iteration
    budget_seconds: float = DEFAULT_BUDGET_SECONDS  # sampling budget per micro-benchmark iteration
    metrics_interval_seconds: float = DEFAULT_METRICS_INTERVAL_SECONDS
    memory_limit_bytes: int | None = None  # kill the process tree beyond this RSS
    env: Mapping[str, str] = dataclasses.field(default_factory=frozen_mapping)
    sla: tuple[Rule, ...] = ()
    # The relative change of a median that counts as a regression (0.05: 5 %); None: the
    # comparison's default, the larger of 5 % and what the benchmark's noise can resolve.
    regression_threshold: float | None = None
    # What a slower verdict counts as: error (the default) and critical fail the check; warning does not.
    regression_severity: str = "error"


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class CommandBenchmark:
    """A ``[[benchmark]]``: a command run as a process, one process per iteration.

    Effective values: ``env`` is the lane's environment with the benchmark's on top; ``cwd``,
    ``timeout_seconds`` and ``regression_*`` are the benchmark's, else the lane's; ``sla`` is every rule that
    judges this benchmark, the lane's followed by its own (do not add the lane's again).
    """

    name: str
    lane: str
    command: Command
    cwd: Path
    timeout_seconds: float
    setup: Command | None = None  # before each iteration, untimed
    teardown: Command | None = None  # after each iteration, untimed
    env: Mapping[str, str] = dataclasses.field(default_factory=frozen_mapping)
    sla: tuple[Rule, ...] = ()
    regression_threshold: float | None = None  # the benchmark's, else its lane's
    regression_severity: str = "error"  # the benchmark's, else its lane's

    @property
    def key(self) -> str:
        return f"{self.lane}/{self.name}"


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class LoadBenchmark:
    """A ``[[load]]``: one bounded load test per iteration (config/load_entries.py).

    ``arguments`` are ``perfbench.load_test``'s, as written (checked); ``server`` the built-in
    server's settings when it is the target (``url`` is then a path on it); ``sla`` the lane's
    rules followed by the entry's own, judged on the whole run."""

    name: str
    lane: str
    url: str
    arguments: Mapping[str, Any]
    server: Mapping[str, Any] | None = None
    sla: tuple[Rule, ...] = ()
    timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS
    regression_threshold: float | None = None
    regression_severity: str = "error"

    @property
    def key(self) -> str:
        return f"{self.lane}/{self.name}"


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Config:
    path: Path  # the file read, absolute
    base_dir: Path  # its directory: what relative paths in it are relative to
    benchmarks_dir: Path  # where bench_*.py files with @perfbench.benchmark are discovered
    store: Path | None  # None: the CLI's default (or --store)
    output_dir: Path | None  # None: the CLI's default (or --output-dir)
    fail_on_unsure: bool  # an UNSURE verdict fails the run (as its worse outcome), as --fail-on-unsure does
    lanes: Mapping[str, LaneConfig]
    commands: tuple[CommandBenchmark, ...]
    defaults: LaneConfig  # what a lane not declared here runs with (name "")
    loads: tuple[LoadBenchmark, ...] = ()

    def lane(self, name: str) -> LaneConfig:
        """The declared lane, else the defaults under that name."""
        found = self.lanes.get(name)
        return found if found is not None else dataclasses.replace(self.defaults, name=name)

    def commands_in(self, lane: str) -> tuple[CommandBenchmark, ...]:
        return tuple(command for command in self.commands if command.lane == lane)
