"""The configuration file: ``perfbench.toml``, or ``[tool.perfbench]`` in ``pyproject.toml``.

Read with stdlib ``tomllib``, validated key by key, and turned into frozen dataclasses in
which every value is resolved (built-in default -> ``[defaults]`` -> lane -> benchmark),
every quantity is in base units (seconds, bytes) and every path is absolute. Nothing past
this module sees raw TOML.

Every problem is a ConfigError naming the file, the key as a dotted path
(``lanes.docs.timeout``, ``benchmark[2].command``; prefixed ``tool.perfbench.`` in a
pyproject.toml), the bad value and what is accepted. Unknown keys are errors: a typo
silently ignored is a benchmark silently run with the wrong settings.

Relative paths (``cwd``, ``benchmarks_dir``, ``store``, ``output_dir``) are relative to
the directory of the configuration file, so a run gives the same result from any
working directory.
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import math
import re
import tomllib
from collections.abc import Callable, Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any

from perfbench.errors import ConfigError, UnitError
from perfbench.metrics_lookup import TIME_STATISTICS, percentile_of
from perfbench.sampling import DEFAULT_BUDGET_SECONDS
from perfbench.sla import SEVERITIES, Rule, RuleError, SlaRule, Threshold, TieredRule
from perfbench.units import DURATION_HELP, SIZE_HELP, parse_duration, parse_size

CONFIG_FILE_NAME = "perfbench.toml"
PYPROJECT_FILE_NAME = "pyproject.toml"

DEFAULT_ITERATIONS = 5
DEFAULT_WARMUP = 1
DEFAULT_TIMEOUT_SECONDS = 30 * 60.0
DEFAULT_METRICS_INTERVAL_SECONDS = 0.1
# One psutil sample of a process tree costs a few hundred µs of CPU; below 1 ms the
# sampler would spend more time measuring than the benchmark spends running.
MIN_METRICS_INTERVAL_SECONDS = 1e-3
DEFAULT_BENCHMARKS_DIR = "benchmarks"

Command = str | tuple[str, ...]  # a string runs through /bin/sh -c; a tuple is argv


def _frozen(mapping: Mapping[str, Any] | None = None) -> Mapping[str, Any]:
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
    warmup: int = DEFAULT_WARMUP  # iterations run first and not counted
    timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS  # per iteration
    budget_seconds: float = DEFAULT_BUDGET_SECONDS  # sampling budget per micro-benchmark iteration
    metrics_interval_seconds: float = DEFAULT_METRICS_INTERVAL_SECONDS
    memory_limit_bytes: int | None = None  # kill the process tree beyond this RSS
    env: Mapping[str, str] = dataclasses.field(default_factory=_frozen)
    sla: tuple[Rule, ...] = ()


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class CommandBenchmark:
    """A ``[[benchmark]]``: a command run as a process, one process per iteration.

    Effective values: ``env`` is the lane's environment with the benchmark's on top; ``cwd``
    and ``timeout_seconds`` are the benchmark's, else the lane's; ``sla`` is every rule that
    judges this benchmark, the lane's followed by its own (do not add the lane's again).
    """

    name: str
    lane: str
    command: Command
    cwd: Path
    timeout_seconds: float
    setup: Command | None = None  # before each iteration, untimed
    teardown: Command | None = None  # after each iteration, untimed
    env: Mapping[str, str] = dataclasses.field(default_factory=_frozen)
    sla: tuple[Rule, ...] = ()

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
    lanes: Mapping[str, LaneConfig]
    commands: tuple[CommandBenchmark, ...]
    defaults: LaneConfig  # what a lane not declared here runs with (name "")

    def lane(self, name: str) -> LaneConfig:
        """The declared lane, else the defaults under that name."""
        found = self.lanes.get(name)
        return found if found is not None else dataclasses.replace(self.defaults, name=name)

    def commands_in(self, lane: str) -> tuple[CommandBenchmark, ...]:
        return tuple(command for command in self.commands if command.lane == lane)


# --- finding and reading the file -------------------------------------------------------


def find_config(start: Path) -> Path | None:
    """Walk up from ``start``: ``perfbench.toml`` first, else a ``pyproject.toml`` with a
    ``[tool.perfbench]`` table. Stops at the filesystem root, or at a directory holding
    ``.git`` (after checking it): a project's configuration never comes from outside it."""
    directory = start.resolve()
    while True:
        candidate = directory / CONFIG_FILE_NAME
        if candidate.is_file():
            return candidate
        pyproject = directory / PYPROJECT_FILE_NAME
        if pyproject.is_file() and _has_tool_table(pyproject):
            return pyproject
        if (directory / ".git").exists() or directory.parent == directory:
            return None
        directory = directory.parent


def load_config_for(cwd: Path, explicit: Path | None) -> Config | None:
    """The configuration a command run in ``cwd`` uses: the ``--config`` file if given
    (it must exist), else the one found from ``cwd``, else None (the built-in suite)."""
    if explicit is not None:
        path = explicit if explicit.is_absolute() else cwd / explicit
        if not path.is_file():
            problem = "is a directory" if path.is_dir() else "does not exist"
            raise ConfigError(str(explicit), None,
                              f"{problem}; --config takes the path of a {CONFIG_FILE_NAME} file or of a "
                              f"{PYPROJECT_FILE_NAME} with a [tool.perfbench] table")
        return load_config(path)
    found = find_config(cwd)
    return load_config(found) if found is not None else None


def load_config(path: Path) -> Config:
    path = path.resolve()
    document = _read_toml(path)
    if path.name == PYPROJECT_FILE_NAME:
        tool = document.get("tool")
        if not isinstance(tool, dict) or "perfbench" not in tool:
            raise ConfigError(str(path), None, "has no [tool.perfbench] table; add one, or write the settings "
                                               f"at the top level of a {CONFIG_FILE_NAME}")
        where = _Where(path, "tool.perfbench")
        table = tool["perfbench"]
        if not isinstance(table, dict):
            raise where.error("", f"expected a table ([tool.perfbench]), got {_show(table)}")
    else:
        where, table = _Where(path, ""), document
    return _parse_config(where, table)


def _has_tool_table(pyproject: Path) -> bool:
    tool = _read_toml(pyproject).get("tool")
    return isinstance(tool, dict) and "perfbench" in tool


_TOML_POSITION = re.compile(r"\s*\((?:at line (?P<line>\d+), column (?P<column>\d+)|at end of document)\)$")


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        text = path.read_bytes().decode("utf-8")
    except OSError as error:
        raise ConfigError(str(path), None, f"cannot read the file: {error.strerror or error}") from None
    except UnicodeDecodeError as error:
        raise ConfigError(str(path), None, f"is not UTF-8 text (byte {error.start}); TOML files are UTF-8") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        # tomllib says "Invalid value (at line 3, column 9)"; put the position first.
        reason = str(error)
        match = _TOML_POSITION.search(reason)
        if match and match["line"]:
            position = f"line {match['line']}, column {match['column']}"
        else:
            position = f"line {text.count(chr(10)) + (0 if text.endswith(chr(10)) else 1)} (end of file)"
        reason = reason[: match.start()] if match else reason
        raise ConfigError(str(path), None, f"invalid TOML at {position}: {reason}; the file must be TOML "
                                           "(https://toml.io), e.g. timeout = \"10m\"") from None


# --- where an error is, and how values are shown --------------------------------------


@dataclasses.dataclass(frozen=True, slots=True)
class _Where:
    file: Path
    prefix: str  # "tool.perfbench" inside a pyproject.toml, else ""

    def error(self, key: str, message: str) -> ConfigError:
        full = ".".join(part for part in (self.prefix, key) if part)
        return ConfigError(str(self.file), full or None, message)


_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def _key(parent: str, name: str) -> str:
    """A dotted key path as TOML writes it: ``lanes.docs``, ``env."MY VAR"``."""
    part = name if _BARE_KEY.match(name) else json.dumps(name, ensure_ascii=False)
    return f"{parent}.{part}" if parent else part


def _show(value: object) -> str:
    """A value as it was written in TOML."""
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "a table"
    return str(value)


def _check_keys(where: _Where, path: str, table: Mapping[str, Any], accepted: tuple[str, ...]) -> None:
    for name in table:
        if name not in accepted:
            close = difflib.get_close_matches(name, accepted, n=1, cutoff=0.6)
            hint = f"did you mean {close[0]!r}?" if close else f"accepted keys: {', '.join(accepted)}"
            raise where.error(_key(path, name), f"unknown key; {hint}")


def _table(where: _Where, key: str, value: object, example: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise where.error(key, f"expected a table such as {example}, got {_show(value)}")
    return value


# --- values ---------------------------------------------------------------------------


def _whole(where: _Where, key: str, value: object, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise where.error(key, f"expected a whole number >= {minimum}, got {_show(value)}")
    return value


def _quantity(where: _Where, key: str, value: object, parse: Callable[[str], float], example: str) -> float:
    try:
        quantity = parse(value)  # type: ignore[arg-type]
    except UnitError as error:
        raise where.error(key, str(error)) from None
    if not (quantity > 0 and math.isfinite(quantity)):
        raise where.error(key, f"{_show(value)} must be greater than zero and finite, e.g. {example}")
    return quantity


def _duration(where: _Where, key: str, value: object) -> float:
    return _quantity(where, key, value, parse_duration, "30s or 10m")


def _size(where: _Where, key: str, value: object) -> int:
    return round(_quantity(where, key, value, parse_size, "512MB or 4GB"))


def _string(where: _Where, key: str, value: object, example: str) -> str:
    if not isinstance(value, str) or not value.strip():
        got = "an empty string" if isinstance(value, str) else _show(value)
        raise where.error(key, f"expected a non-empty string such as {example}, got {got}")
    return value


_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_NAME_HELP = "letters, digits, '_', '-' and '.', starting with a letter or digit"


def _name(where: _Where, key: str, value: object, example: str) -> str:
    name = _string(where, key, value, example)
    if not _NAME.match(name):
        raise where.error(key, f"{_show(name)} is not a valid name; use {_NAME_HELP}, e.g. {example}")
    return name


def _path(where: _Where, key: str, value: object, base_dir: Path, *, existing_dir: bool) -> Path:
    text = _string(where, key, value, '"docs" or "../build"')
    path = (base_dir / Path(text).expanduser()).resolve()
    if existing_dir and not path.is_dir():
        problem = "is not a directory" if path.exists() else "does not exist"
        raise where.error(key, f"{_show(text)} {problem} (resolved to {path}); paths are relative to the "
                               "directory of the configuration file")
    return path


def _env(where: _Where, key: str, value: object) -> dict[str, str]:
    table = _table(where, key, value, '{ SPHINXOPTS = "-j2" }')
    for name, text in table.items():
        if not name or "=" in name or "\0" in name:
            raise where.error(_key(key, name), "is not an environment variable name; names are non-empty and "
                                               "have no '='")
        if not isinstance(text, str):
            raise where.error(_key(key, name), f"expected a string value, got {_show(text)}; environment values "
                                               f"are strings: write {name} = {json.dumps(_show(text))}")
    return dict(table)


def _command(where: _Where, key: str, value: object) -> Command:
    accepted = ('a string run by /bin/sh -c, such as "make docs", or an array of strings run as argv, '
                'such as ["make", "docs"]')
    if isinstance(value, str):
        if not value.strip():
            raise where.error(key, f"the command is empty; expected {accepted}")
        return value
    if isinstance(value, list):
        if not value:
            raise where.error(key, f"the command is empty; expected {accepted}")
        for index, part in enumerate(value):
            if not isinstance(part, str):
                raise where.error(f"{key}[{index}]", f"expected a string, got {_show(part)}; a command is {accepted}")
        if not value[0].strip():
            raise where.error(f"{key}[0]", f"the program name is empty; a command is {accepted}")
        return tuple(value)
    raise where.error(key, f"expected {accepted}, got {_show(value)}")


# --- SLA rules ------------------------------------------------------------------------

_RULE_KEYS = ("rule", "severity", "name")
_TIER_KEYS = ("target", "acceptable", "critical", "name")
_SLA_HELP = ('an array of rules: "mean < 5m", { rule = "p99 < 500s", severity = "critical" } or '
             '{ target = "p95 < 400s", acceptable = "p95 < 450s", critical = "p95 < 500s" }')

# Metrics the runner itself reports for every benchmark, with their units: a threshold
# must be written in a compatible unit (``mean < 5`` is refused: 5 what?). Other names
# are a workload's own metrics and are free-form.
_RUNNER_METRICS: dict[str, str] = {
    **{name: "ns" for name in TIME_STATISTICS},
    "cv": "ratio", "throughput": "per_s", "max_rss": "bytes", "cpu_avg": "fraction",
}
_UNIT_HELP = {"ns": DURATION_HELP, "bytes": SIZE_HELP, "per_s": "a rate such as 10/s",
              "fraction": "a percentage such as 30%", "ratio": "a number or a percentage",
              "ticks": "a number of ticks such as 8"}
_PERCENTILE_LIKE = re.compile(r"(?:^|_)p[0-9][^_]*$")


def _runner_unit(metric: str) -> str | None:
    if metric.startswith("ticks_"):
        stat = metric.removeprefix("ticks_")
        return "ticks" if stat in TIME_STATISTICS or _PERCENTILE_LIKE.match(stat) else None
    if metric in _RUNNER_METRICS or re.match(r"^p[0-9]", metric):
        return _RUNNER_METRICS.get(metric, "ns")
    return None


def _threshold(where: _Where, key: str, expression: object) -> Threshold:
    if not isinstance(expression, str):
        raise where.error(key, f"expected a rule as a string such as \"p99 < 500s\", got {_show(expression)}")
    try:
        threshold = Threshold.parse(expression)
    except RuleError as error:
        raise where.error(key, str(error)) from None
    metric = threshold.metric
    if _PERCENTILE_LIKE.search(metric):
        quantile = percentile_of(metric)
        if quantile is None or not 0.0 < quantile < 1.0:
            raise where.error(key, f"{metric!r} is not a percentile; write p50, p90, p95, p99, p99.9 or p999 "
                                   "(min and max for the extremes)")
    unit = _runner_unit(metric)
    if unit is not None and not threshold.compatible_with(unit):
        raise where.error(key, f"{expression!r}: {metric} is compared with {_UNIT_HELP[unit]}, "
                               f"not a {threshold.kind} ({threshold.text!r})")
    return threshold


def _severity(where: _Where, key: str, value: object) -> str:
    if value in SEVERITIES:
        return value  # type: ignore[return-value]
    close = difflib.get_close_matches(value, SEVERITIES, n=1) if isinstance(value, str) else []
    hint = f"did you mean {close[0]!r}? " if close else ""
    raise where.error(key, f"{_show(value)} is not a severity; {hint}accepted: {', '.join(SEVERITIES)}")


_UPPER, _LOWER = ("<", "<="), (">", ">=")


def _check_tiers(where: _Where, key: str, tiers: list[tuple[str, Threshold]]) -> None:
    target = tiers[0][1]
    example = "target = \"p95 < 400s\", acceptable = \"p95 < 450s\", critical = \"p95 < 500s\""
    for label, tier in tiers[1:]:
        if tier.metric != target.metric:
            raise where.error(f"{key}.{label}", f"all tiers must judge the same metric: the target judges "
                                                f"{target.metric!r}, {label} judges {tier.metric!r}; e.g. {example}")
        same_direction = ({tier.op, target.op} <= set(_UPPER)) or ({tier.op, target.op} <= set(_LOWER))
        if not same_direction or tier.kind != target.kind:
            raise where.error(f"{key}.{label}", f"{tier.expression!r} must bound {target.metric} the same way as "
                                                f"the target {target.expression!r}; e.g. {example}")
    values = [tier.value for _, tier in tiers]
    loosening = values if target.op in _UPPER else [-v for v in values]
    if loosening != sorted(loosening):
        shown = ", ".join(f"{label} {tier.expression}" for label, tier in tiers)
        raise where.error(key, f"tiers must loosen from target to acceptable to critical, got {shown}; "
                               f"e.g. {example}")


def _rule_name(where: _Where, key: str, table: Mapping[str, Any]) -> str:
    return _string(where, _key(key, "name"), table["name"], '"p95 budget"') if "name" in table else ""


def _sla_entry(where: _Where, key: str, entry: object) -> Rule:
    if isinstance(entry, str):
        return SlaRule(_threshold(where, key, entry))
    if not isinstance(entry, dict):
        raise where.error(key, f"expected a rule, got {_show(entry)}; an SLA is {_SLA_HELP}")
    if "rule" in entry and "target" in entry:
        raise where.error(key, "has both 'rule' and 'target'; a rule is one threshold with a severity, "
                               "tiers are target/acceptable/critical: pick one")
    if "rule" in entry:
        _check_keys(where, key, entry, _RULE_KEYS)
        threshold = _threshold(where, _key(key, "rule"), entry["rule"])
        severity = _severity(where, _key(key, "severity"), entry.get("severity", "error"))
        return SlaRule(threshold, severity=severity, name=_rule_name(where, key, entry))
    if "target" in entry:
        _check_keys(where, key, entry, _TIER_KEYS)
        tiers = [(label, _threshold(where, _key(key, label), entry[label]))
                 for label in ("target", "acceptable", "critical") if label in entry]
        _check_tiers(where, key, tiers)
        found = dict(tiers)
        return TieredRule(found["target"], found.get("acceptable"), found.get("critical"),
                          name=_rule_name(where, key, entry))
    _check_keys(where, key, entry, _RULE_KEYS + _TIER_KEYS[:-1])
    raise where.error(key, "missing key 'rule' or 'target'; a table rule is { rule = \"p99 < 500s\", "
                           "severity = \"critical\" } or { target = \"p95 < 400s\", acceptable = \"p95 < 450s\", "
                           "critical = \"p95 < 500s\" }")


def _sla(where: _Where, key: str, value: object) -> tuple[Rule, ...]:
    if not isinstance(value, list):
        fix = f"; write sla = [{_show(value)}]" if isinstance(value, str) else ""
        raise where.error(key, f"expected {_SLA_HELP}, got {_show(value)}{fix}")
    return tuple(_sla_entry(where, f"{key}[{index}]", entry) for index, entry in enumerate(value))


# --- lanes ----------------------------------------------------------------------------

_LANE_KEYS = ("iterations", "warmup", "timeout", "budget", "metrics_interval", "memory_limit", "env", "cwd", "sla")


def _metrics_interval(where: _Where, key: str, value: object) -> float:
    seconds = _duration(where, key, value)
    if seconds < MIN_METRICS_INTERVAL_SECONDS:
        raise where.error(key, f"{_show(value)} is shorter than 1ms, the shortest sampling interval; "
                               "100ms is the default, 1s is fine for long lanes")
    return seconds


def _lane_layer(where: _Where, path: str, table: dict[str, Any], base_dir: Path) -> dict[str, Any]:
    """The settings one table (``[defaults]`` or ``[lanes.NAME]``) sets, parsed; absent keys absent."""
    _check_keys(where, path, table, _LANE_KEYS)
    readers: dict[str, tuple[str, Callable[[str, object], Any]]] = {
        "iterations": ("iterations", lambda k, v: _whole(where, k, v, 1)),
        "warmup": ("warmup", lambda k, v: _whole(where, k, v, 0)),
        "timeout": ("timeout_seconds", lambda k, v: _duration(where, k, v)),
        "budget": ("budget_seconds", lambda k, v: _duration(where, k, v)),
        "metrics_interval": ("metrics_interval_seconds", lambda k, v: _metrics_interval(where, k, v)),
        "memory_limit": ("memory_limit_bytes", lambda k, v: _size(where, k, v)),
        "env": ("env", lambda k, v: _env(where, k, v)),
        "cwd": ("cwd", lambda k, v: _path(where, k, v, base_dir, existing_dir=True)),
        "sla": ("sla", lambda k, v: _sla(where, k, v)),
    }
    layer = {}
    for name, value in table.items():
        field, read = readers[name]
        layer[field] = read(_key(path, name), value)
    return layer


def _lane(name: str, base: LaneConfig, layer: Mapping[str, Any]) -> LaneConfig:
    """``layer`` over ``base``: settings replace, ``env`` merges, ``sla`` rules add up."""
    merged = {**layer, "name": name, "env": _frozen({**base.env, **layer.get("env", {})}),
              "sla": base.sla + layer.get("sla", ())}
    return dataclasses.replace(base, **merged)


# --- benchmarks -----------------------------------------------------------------------

_BENCHMARK_KEYS = ("name", "lane", "command", "setup", "teardown", "env", "cwd", "timeout", "sla")
_REQUIRED_BENCHMARK_KEYS = ("name", "lane", "command")


def _benchmark(where: _Where, index: int, entry: object, lanes: Mapping[str, LaneConfig],
               base_dir: Path) -> CommandBenchmark:
    key = f"benchmark[{index}]"
    table = _table(where, key, entry, '[[benchmark]] name = "docs-build", lane = "docs", command = "make docs"')
    _check_keys(where, key, table, _BENCHMARK_KEYS)
    for required in _REQUIRED_BENCHMARK_KEYS:
        if required not in table:
            raise where.error(key, f"missing key {required!r}; a [[benchmark]] needs "
                                   f"{', '.join(_REQUIRED_BENCHMARK_KEYS)}, e.g. name = \"docs-build\", "
                                   "lane = \"docs\", command = \"make docs\"")
    name = _name(where, f"{key}.name", table["name"], '"docs-build"')
    lane_name = _string(where, f"{key}.lane", table["lane"], '"docs"')
    lane = lanes.get(lane_name)
    if lane is None:
        if not lanes:
            raise where.error(f"{key}.lane", f"no lane named {_show(lane_name)}, and no lanes are declared; "
                                             f"declare it with a [lanes.{_key('', lane_name)}] table")
        close = difflib.get_close_matches(lane_name, list(lanes), n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        raise where.error(f"{key}.lane", f"no lane named {_show(lane_name)}; {hint}declared lanes: "
                                         f"{', '.join(lanes)} (declare more with [lanes.NAME])")
    optional = {"setup": None, "teardown": None}
    for hook in optional:
        if hook in table:
            optional[hook] = _command(where, f"{key}.{hook}", table[hook])
    return CommandBenchmark(
        name=name, lane=lane_name,
        command=_command(where, f"{key}.command", table["command"]),
        setup=optional["setup"], teardown=optional["teardown"],
        env=_frozen({**lane.env, **(_env(where, f"{key}.env", table["env"]) if "env" in table else {})}),
        cwd=_path(where, f"{key}.cwd", table["cwd"], base_dir, existing_dir=True) if "cwd" in table else lane.cwd,
        timeout_seconds=(_duration(where, f"{key}.timeout", table["timeout"]) if "timeout" in table
                         else lane.timeout_seconds),
        sla=lane.sla + (_sla(where, f"{key}.sla", table["sla"]) if "sla" in table else ()),
    )


def _benchmarks(where: _Where, value: object, lanes: Mapping[str, LaneConfig],
                base_dir: Path) -> tuple[CommandBenchmark, ...]:
    if not isinstance(value, list):
        raise where.error("benchmark", f"expected [[benchmark]] entries (an array of tables), got {_show(value)}; "
                                       "write [[benchmark]], with double brackets, above each one")
    commands: list[CommandBenchmark] = []
    first_index: dict[tuple[str, str], int] = {}
    for index, entry in enumerate(value):
        command = _benchmark(where, index, entry, lanes, base_dir)
        earlier = first_index.setdefault((command.lane, command.name), index)
        if earlier != index:
            raise where.error(f"benchmark[{index}].name",
                              f"{_show(command.name)} is already the name of benchmark[{earlier}] in lane "
                              f"{_show(command.lane)}; names must be unique within a lane")
        commands.append(command)
    return tuple(commands)


# --- the whole file -------------------------------------------------------------------

_TOP_KEYS = ("benchmarks_dir", "store", "output_dir", "defaults", "lanes", "benchmark")


def _parse_config(where: _Where, table: dict[str, Any]) -> Config:
    base_dir = where.file.parent
    _check_keys(where, "", table, _TOP_KEYS)
    benchmarks_dir = (_path(where, "benchmarks_dir", table["benchmarks_dir"], base_dir, existing_dir=True)
                      if "benchmarks_dir" in table else base_dir / DEFAULT_BENCHMARKS_DIR)
    store = _path(where, "store", table["store"], base_dir, existing_dir=False) if "store" in table else None
    output_dir = (_path(where, "output_dir", table["output_dir"], base_dir, existing_dir=False)
                  if "output_dir" in table else None)

    defaults_table = _table(where, "defaults", table.get("defaults", {}), "[defaults] iterations = 5")
    defaults = _lane("", LaneConfig(name="", cwd=base_dir),
                     _lane_layer(where, "defaults", defaults_table, base_dir))
    lanes: dict[str, LaneConfig] = {}
    for name, lane_table in _table(where, "lanes", table.get("lanes", {}), "[lanes.docs]").items():
        path = _key("lanes", name)
        _name(where, path, name, '"docs" in [lanes.docs]')
        layer = _lane_layer(where, path, _table(where, path, lane_table, f"[{path}] iterations = 5"), base_dir)
        lanes[name] = _lane(name, defaults, layer)

    commands = _benchmarks(where, table["benchmark"], lanes, base_dir) if "benchmark" in table else ()
    return Config(path=where.file, base_dir=base_dir, benchmarks_dir=benchmarks_dir, store=store,
                  output_dir=output_dir, lanes=_frozen(lanes), commands=commands, defaults=defaults)
