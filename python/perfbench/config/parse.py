"""The tables of a configuration into the dataclasses of ``schema``, each value resolved
from the built-in default, ``[defaults]``, the lane, then the benchmark."""

from __future__ import annotations

import dataclasses
import difflib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from perfbench.config.fields import (
    Where, boolean, check_keys, command_line, duration, environment, key_path, memory_limit, name_of, non_empty_string,
    path_in, regression_severity, regression_threshold, show, table_of, whole_number,
)
from perfbench.config.schema import (
    CONFIG_FILE_NAME, DEFAULT_BENCHMARKS_DIR, MIN_METRICS_INTERVAL_SECONDS, PYPROJECT_FILE_NAME, CommandBenchmark,
    Config, LaneConfig, frozen_mapping,
)
from perfbench.config.load_entries import load_entries
from perfbench.config.sla_rules import sla_rules

_LANE_KEYS = ("iterations", "warmup", "processes", "timeout", "budget", "metrics_interval", "memory_limit", "env", "cwd",
              "sla", "regression_threshold", "regression_severity")


def _metrics_interval(where: Where, key: str, value: object) -> float:
    seconds = duration(where, key, value)
    if seconds < MIN_METRICS_INTERVAL_SECONDS:
        raise where.error(key, f"{show(value)} is shorter than 1ms, the shortest sampling interval; "
                               "100ms is the default, 1s is fine for long lanes")
    return seconds


def _lane_layer(where: Where, path: str, table: dict[str, Any], base_dir: Path) -> dict[str, Any]:
    """The settings one table (``[defaults]`` or ``[lanes.NAME]``) sets, parsed; absent keys absent."""
    check_keys(where, path, table, _LANE_KEYS)
    readers: dict[str, tuple[str, Callable[[str, object], Any]]] = {
        "iterations": ("iterations", lambda k, v: whole_number(where, k, v, 1)),
        "warmup": ("warmup", lambda k, v: whole_number(where, k, v, 0)),
        "processes": ("processes", lambda k, v: whole_number(where, k, v, 1)),
        "timeout": ("timeout_seconds", lambda k, v: duration(where, k, v)),
        "budget": ("budget_seconds", lambda k, v: duration(where, k, v)),
        "metrics_interval": ("metrics_interval_seconds", lambda k, v: _metrics_interval(where, k, v)),
        "memory_limit": ("memory_limit_bytes", lambda k, v: memory_limit(where, k, v)),
        "env": ("env", lambda k, v: environment(where, k, v)),
        "cwd": ("cwd", lambda k, v: path_in(where, k, v, base_dir, existing_dir=True)),
        "sla": ("sla", lambda k, v: sla_rules(where, k, v)),
        "regression_threshold": ("regression_threshold", lambda k, v: regression_threshold(where, k, v)),
        "regression_severity": ("regression_severity", lambda k, v: regression_severity(where, k, v)),
    }
    layer = {}
    for name, value in table.items():
        field, read = readers[name]
        layer[field] = read(key_path(path, name), value)
    return layer


def _lane(where: Where, path: str, name: str, base: LaneConfig, layer: Mapping[str, Any]) -> LaneConfig:
    """``layer`` over ``base``: settings replace, ``env`` merges, ``sla`` rules add up."""
    merged = {**layer, "name": name, "env": frozen_mapping({**base.env, **layer.get("env", {})}),
              "sla": base.sla + layer.get("sla", ())}
    lane = dataclasses.replace(base, **merged)
    if lane.processes > lane.iterations:
        raise where.error(key_path(path, "processes"),
                          f"{lane.processes} processes for {lane.iterations} iterations: each process runs at least "
                          f"one counted iteration; set iterations = {lane.processes} or more")
    return lane


# --- benchmarks --------------------------------------------------------------------------

_BENCHMARK_KEYS = ("name", "lane", "command", "setup", "teardown", "env", "cwd", "timeout", "sla",
                   "regression_threshold", "regression_severity")
_REQUIRED_BENCHMARK_KEYS = ("name", "lane", "command")


def _benchmark(where: Where, index: int, entry: object, lanes: Mapping[str, LaneConfig],
               base_dir: Path) -> CommandBenchmark:
    key = f"benchmark[{index}]"
    table = table_of(where, key, entry, '[[benchmark]] name = "docs-build", lane = "docs", command = "make docs"')
    check_keys(where, key, table, _BENCHMARK_KEYS)
    for required in _REQUIRED_BENCHMARK_KEYS:
        if required not in table:
            raise where.error(key, f"missing key {required!r}; a [[benchmark]] needs "
                                   f"{', '.join(_REQUIRED_BENCHMARK_KEYS)}, e.g. name = \"docs-build\", "
                                   "lane = \"docs\", command = \"make docs\"")
    name = name_of(where, f"{key}.name", table["name"], '"docs-build"')
    lane_name = non_empty_string(where, f"{key}.lane", table["lane"], '"docs"')
    lane = lanes.get(lane_name)
    if lane is None:
        if not lanes:
            raise where.error(f"{key}.lane", f"no lane named {show(lane_name)}, and no lanes are declared; "
                                             f"declare it with a [lanes.{key_path('', lane_name)}] table")
        close = difflib.get_close_matches(lane_name, list(lanes), n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        raise where.error(f"{key}.lane", f"no lane named {show(lane_name)}; {hint}declared lanes: "
                                         f"{', '.join(lanes)} (declare more with [lanes.NAME])")
    hooks = {hook: command_line(where, f"{key}.{hook}", table[hook]) if hook in table else None
             for hook in ("setup", "teardown")}
    own_env = environment(where, f"{key}.env", table["env"]) if "env" in table else {}
    cwd = path_in(where, f"{key}.cwd", table["cwd"], base_dir, existing_dir=True) if "cwd" in table else lane.cwd
    timeout = duration(where, f"{key}.timeout", table["timeout"]) if "timeout" in table else lane.timeout_seconds
    own_sla = sla_rules(where, f"{key}.sla", table["sla"]) if "sla" in table else ()
    threshold = (regression_threshold(where, f"{key}.regression_threshold", table["regression_threshold"])
                 if "regression_threshold" in table else lane.regression_threshold)
    severity = (regression_severity(where, f"{key}.regression_severity", table["regression_severity"])
                if "regression_severity" in table else lane.regression_severity)
    return CommandBenchmark(name=name, lane=lane_name, command=command_line(where, f"{key}.command", table["command"]),
                            setup=hooks["setup"], teardown=hooks["teardown"],
                            env=frozen_mapping({**lane.env, **own_env}), cwd=cwd, timeout_seconds=timeout,
                            sla=lane.sla + own_sla, regression_threshold=threshold,
                            regression_severity=severity)


def _benchmarks(where: Where, value: object, lanes: Mapping[str, LaneConfig],
                base_dir: Path) -> tuple[CommandBenchmark, ...]:
    if not isinstance(value, list):
        raise where.error("benchmark", f"expected [[benchmark]] entries (an array of tables), got {show(value)}; "
                                       "write [[benchmark]], with double brackets, above each one")
    commands: list[CommandBenchmark] = []
    first_index: dict[tuple[str, str], int] = {}
    for index, entry in enumerate(value):
        command = _benchmark(where, index, entry, lanes, base_dir)
        earlier = first_index.setdefault((command.lane, command.name), index)
        if earlier != index:
            raise where.error(f"benchmark[{index}].name",
                              f"{show(command.name)} is already the name of benchmark[{earlier}] in lane "
                              f"{show(command.lane)}; names must be unique within a lane")
        commands.append(command)
    return tuple(commands)


# --- the whole file ----------------------------------------------------------------------

# The regression keys are the defaults lane's, also accepted at the top level (the global setting).
_GLOBAL_LANE_KEYS = ("regression_threshold", "regression_severity")
_TOP_KEYS = ("benchmarks_dir", "store", "output_dir", "fail_on_unsure", *_GLOBAL_LANE_KEYS, "defaults", "lanes",
             "benchmark", "load")


def parse_config(where: Where, table: dict[str, Any]) -> Config:
    base_dir = where.file.parent
    if "tool" in table and not where.prefix:
        raise where.error("tool", f"unknown key; [tool.perfbench] belongs in a {PYPROJECT_FILE_NAME}: in "
                                  f"{CONFIG_FILE_NAME} write its keys at the top level, e.g. [lanes.docs]")
    check_keys(where, "", table, _TOP_KEYS)
    benchmarks_dir = (path_in(where, "benchmarks_dir", table["benchmarks_dir"], base_dir, existing_dir=True)
                      if "benchmarks_dir" in table else base_dir / DEFAULT_BENCHMARKS_DIR)
    store = path_in(where, "store", table["store"], base_dir, existing_dir=False) if "store" in table else None
    output_dir = (path_in(where, "output_dir", table["output_dir"], base_dir, existing_dir=False)
                  if "output_dir" in table else None)
    fail_on_unsure = boolean(where, "fail_on_unsure", table["fail_on_unsure"]) if "fail_on_unsure" in table else False

    # The global regression settings are the defaults lane's, under which every lane and benchmark may set its own.
    defaults_table = table_of(where, "defaults", table.get("defaults", {}), "[defaults] iterations = 5")
    for key in _GLOBAL_LANE_KEYS:
        if key in table and key in defaults_table:
            raise where.error(f"defaults.{key}", f"is also set at the top level ({key} = {show(table[key])}); "
                                                 "set it once")
    global_layer = _lane_layer(where, "", {k: table[k] for k in _GLOBAL_LANE_KEYS if k in table}, base_dir)
    defaults = _lane(where, "defaults", "", dataclasses.replace(LaneConfig(name="", cwd=base_dir), **global_layer),
                     _lane_layer(where, "defaults", defaults_table, base_dir))
    lanes: dict[str, LaneConfig] = {}
    for name, lane_table in table_of(where, "lanes", table.get("lanes", {}), "[lanes.docs]").items():
        path = key_path("lanes", name)
        name_of(where, path, name, '"docs" in [lanes.docs]')
        layer = _lane_layer(where, path, table_of(where, path, lane_table, f"[{path}] iterations = 5"), base_dir)
        lanes[name] = _lane(where, path, name, defaults, layer)

    commands = _benchmarks(where, table["benchmark"], lanes, base_dir) if "benchmark" in table else ()
    loads = load_entries(where, table["load"], lanes, defaults) if "load" in table else ()
    for load in loads:
        clash = next((i for i, c in enumerate(commands) if (c.lane, c.name) == (load.lane, load.name)), None)
        if clash is not None:
            raise where.error(f"load[{loads.index(load)}].name", f"{show(load.name)} is already the name of "
                                                                 f"benchmark[{clash}] in lane {show(load.lane)}; "
                                                                 "names must be unique within a lane")
    return Config(path=where.file, base_dir=base_dir, benchmarks_dir=benchmarks_dir, store=store,
                  output_dir=output_dir, fail_on_unsure=fail_on_unsure, lanes=frozen_mapping(lanes),
                  commands=commands, defaults=defaults, loads=loads)
