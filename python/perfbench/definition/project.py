"""What ``run`` runs: the project's own benchmarks if it has any, else the built-in suite.

A project's benchmarks are the decorated Python functions discovered in its benchmarks
directory (``bench_*.py``) and the commands of its config. Lane settings come from the
config (a lane it does not declare runs with its ``[defaults]``, or perfbench's). The built-in lanes stay available by name (``--lane core``), or all at once
with ``--builtin``; a project lane shadows a built-in one of the same name, which is then
reachable as ``builtin:NAME``.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import itertools
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from perfbench import builtin
from perfbench.config import Config, LaneConfig
from perfbench.definition.discovery import discover
from perfbench.errors import UsageError
from perfbench.measuring.sampling import SamplingOptions
from perfbench.sla import rule_from_spec
from perfbench.config.schema import frozen_mapping
from perfbench.definition.suite import BenchmarkDefinition, CommandTarget, LoadTarget, PythonTarget, Sweep
from perfbench.definition.unique_names import refuse_duplicate_names
from perfbench.units import parse_duration, parse_percent

DEFAULT_BENCHMARKS_DIR = Path("benchmarks")
BUILTIN_PREFIX = "builtin:"


@dataclasses.dataclass(frozen=True, slots=True)
class Overrides:
    """Command-line settings that override the config (None: keep)."""

    quick: bool = False
    budget_seconds: float | None = None
    iterations: int | None = None
    processes: int | None = None
    timeout_seconds: float | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class Selection:
    lanes: tuple[str, ...] = ()  # empty: every lane of the chosen suite
    patterns: tuple[str, ...] = ()  # fnmatch on NAME or LANE/NAME
    builtin: bool = False  # the built-in suite even if the project has benchmarks


def _lane_settings(lane: LaneConfig) -> dict[str, Any]:
    """The lane's settings for a benchmark (``processes`` is added for micro-benchmarks only:
    a command runs every iteration as a new process anyway)."""
    return {"iterations": lane.iterations, "warmup_iterations": lane.warmup,
            "timeout_seconds": lane.timeout_seconds, "metrics_interval_seconds": lane.metrics_interval_seconds,
            "memory_limit_bytes": lane.memory_limit_bytes}


def _work_per_call(spec: dict[str, Any], params: dict[str, Any], sweep: Sweep | None) -> dict[str, float]:
    """Each unit's work per call as a number: given, or the value of the parameter it names
    (a swept parameter's largest value: the result's measurement is the largest size's)."""
    work = {}
    for unit, amount in spec.get("work_per_call", {}).items():
        if isinstance(amount, str):
            amount = sweep.values[-1] if sweep is not None and amount == sweep.param else params[amount]
        work[unit] = float(amount)
    return work


def _python_definitions(found: Sequence[dict[str, Any]], lane_of: Any) -> list[BenchmarkDefinition]:
    """One definition per combination of the parameters, the swept one (if any) aside: it
    becomes the definition's sweep, over its values in increasing order."""
    definitions = []
    for spec in found:
        lane: LaneConfig = lane_of(spec["lane"])
        swept = spec.get("sweep")
        grid = {key: values for key, values in spec["params"].items() if key != swept}
        sweep = Sweep(param=swept, values=tuple(sorted(spec["params"][swept]))) if swept else None
        combinations = [dict(zip(grid, values)) for values in itertools.product(*grid.values())] if grid else [{}]
        budget = parse_duration(spec["budget"]) if spec["budget"] else lane.budget_seconds
        written = spec.get("regression_threshold")
        threshold = parse_percent(written) if written else lane.regression_threshold
        severity = spec.get("regression_severity") or lane.regression_severity
        for params in combinations:
            suffix = "[" + ",".join(f"{k}={v}" for k, v in params.items()) + "]" if params else ""
            definitions.append(BenchmarkDefinition(
                name=spec["name"] + suffix, lane=spec["lane"], description=spec["description"],
                target=PythonTarget(spec["path"], spec["function"], params=params, setup=spec["setup"]),
                sampling=SamplingOptions(budget_seconds=budget), sweep=sweep,
                work_per_call=_work_per_call(spec, params, sweep),
                sla=lane.sla + tuple(rule_from_spec(r) for r in spec["sla"]), regression_threshold=threshold,
                regression_severity=severity, env=lane.env, cwd=str(lane.cwd), processes=lane.processes,
                **_lane_settings(lane)))
    return definitions


def _command_definitions(config: Config) -> list[BenchmarkDefinition]:
    definitions = []
    for command in config.commands:
        lane = config.lane(command.lane)
        text = command.command if isinstance(command.command, str) else " ".join(command.command)
        definitions.append(BenchmarkDefinition(
            name=command.name, lane=command.lane, description=text,
            target=CommandTarget(command.command, setup=command.setup, teardown=command.teardown,
                                 env=command.env, cwd=str(command.cwd)),
            sla=command.sla,  # already the lane's rules followed by the benchmark's own
            # already the benchmark's, else the lane's
            regression_threshold=command.regression_threshold, regression_severity=command.regression_severity,
            **{**_lane_settings(lane), "timeout_seconds": command.timeout_seconds}))
    return definitions


def _load_definitions(config: Config) -> list[BenchmarkDefinition]:
    definitions = []
    for load in config.loads:
        lane = config.lane(load.lane)
        where = f"{load.url} on the built-in server" if load.server is not None else load.url
        definitions.append(BenchmarkDefinition(
            name=load.name, lane=load.lane, description=f"load test of {where}",
            target=LoadTarget(load.url, frozen_mapping(load.arguments),
                              frozen_mapping(load.server) if load.server is not None else None),
            sla=load.sla, regression_threshold=load.regression_threshold,
            regression_severity=load.regression_severity,
            **{**_lane_settings(lane), "timeout_seconds": load.timeout_seconds}))
    return definitions


def project_definitions(cwd: Path, config: Config | None, *, python: str = sys.executable) -> list[BenchmarkDefinition]:
    """The project's own benchmarks: discovered Python functions, then configured commands.
    ``python``: the interpreter that imports the benchmark files (that of their workers)."""
    if config is None:
        defaults = LaneConfig(name="", cwd=cwd)
        found = discover(cwd / DEFAULT_BENCHMARKS_DIR, python=python, cwd=cwd)
        definitions = _python_definitions(found, lambda name: dataclasses.replace(defaults, name=name))
    else:
        found = discover(config.benchmarks_dir, python=python, cwd=cwd)
        definitions = (_python_definitions(found, config.lane) + _command_definitions(config)
                       + _load_definitions(config))
    refuse_duplicate_names(definitions, config)
    return definitions


def apply_overrides(definition: BenchmarkDefinition, overrides: Overrides, user_defined: bool) -> BenchmarkDefinition:
    changes: dict[str, Any] = {}
    sampling = definition.sampling
    if overrides.budget_seconds is not None:
        sampling = dataclasses.replace(sampling, budget_seconds=overrides.budget_seconds)
    if overrides.quick and user_defined:
        # built-in families scale themselves down; user benchmarks are scaled here
        changes.update(iterations=min(definition.iterations, 2), warmup_iterations=0)
        sampling = dataclasses.replace(sampling, budget_seconds=min(sampling.budget_seconds, 0.1))
    if overrides.iterations is not None:
        changes["iterations"] = overrides.iterations
    iterations = changes.get("iterations", definition.iterations)
    if overrides.processes is not None and definition.kind != "command":
        # --processes N without --iterations raises the iterations to N where fewer
        # (cmd_run refuses an explicit --iterations below --processes).
        changes["processes"] = overrides.processes
        changes["iterations"] = iterations = max(iterations, overrides.processes)
    changes["processes"] = min(changes.get("processes", definition.processes), iterations)
    if overrides.timeout_seconds is not None:
        changes["timeout_seconds"] = overrides.timeout_seconds
    return dataclasses.replace(definition, sampling=sampling, **changes)


def _builtin_definitions(quick: bool) -> dict[str, list[BenchmarkDefinition]]:
    return {lane.name: list(lane.benchmarks) for lane in builtin.default_lanes(quick=quick)}


def all_definitions(cwd: Path, config: Config | None) -> list[BenchmarkDefinition]:
    """Every definition known here (the project's and the built-in suite's), for looking up
    a stored result's SLA rules by its LANE/NAME key."""
    builtin_definitions = [d for lane in _builtin_definitions(quick=False).values() for d in lane]
    return project_definitions(cwd, config) + builtin_definitions


def matches(definition: BenchmarkDefinition, patterns: Sequence[str]) -> bool:
    """Whether NAME or LANE/NAME is one of ``patterns`` or matches one as a glob."""
    # exact names first: parameterised names contain [ ], which glob reads as a character class
    return any(p in (definition.name, definition.key) or fnmatch.fnmatchcase(definition.name, p)
               or fnmatch.fnmatchcase(definition.key, p) for p in patterns)


def select(cwd: Path, config: Config | None, selection: Selection, overrides: Overrides) -> list[BenchmarkDefinition]:
    own = project_definitions(cwd, config)
    own_lanes: dict[str, list[BenchmarkDefinition]] = {}
    for definition in own:
        own_lanes.setdefault(definition.lane, []).append(definition)
    builtin_lanes = _builtin_definitions(overrides.quick)

    if selection.lanes:
        chosen: list[BenchmarkDefinition] = []
        picked: set[tuple[bool, str]] = set()  # (built-in?, lane): `--lane core --lane builtin:core` is one lane
        for name in dict.fromkeys(selection.lanes):
            if name in own_lanes and not selection.builtin:
                lane: tuple[bool, str] = (False, name)
                members = own_lanes[name]
            elif name.removeprefix(BUILTIN_PREFIX) in builtin_lanes:
                lane = (True, name.removeprefix(BUILTIN_PREFIX))
                members = builtin_lanes[lane[1]]
            else:
                known = list(own_lanes) + [n if n not in own_lanes else BUILTIN_PREFIX + n for n in builtin_lanes]
                raise UsageError(f"--lane: no lane named {name!r}; known lanes: {', '.join(known)}")
            if lane not in picked:
                picked.add(lane)
                chosen += members
    elif own and not selection.builtin:
        chosen = own
    else:
        chosen = [d for lane in builtin_lanes.values() for d in lane]

    if selection.patterns:
        chosen = [d for d in chosen if matches(d, selection.patterns)]
        if not chosen:
            raise UsageError(f"--benchmark: nothing matches {', '.join(map(repr, selection.patterns))} "
                             "(`python -m perfbench list` shows the names)")
    refuse_duplicate_names(chosen, config)  # a project lane and the built-in one it shadows, both picked
    return [apply_overrides(d, overrides, user_defined=d in own) for d in chosen]
