"""Refusing two benchmarks with the same name in the same lane, before anything runs.

A result is stored, compared with history and judged under its LANE/NAME key; two
definitions under one key would run in full and then collide in the store. They come from
two decorated functions given the same name, from ``params`` whose values print alike
(``[1, 1]``, ``[1, "1"]``), or from a decorated function named like a ``[[benchmark]]`` of
the config. (Two ``[[benchmark]]`` entries with one name are refused by the config parser.)
The error names both definitions where they are written, and the fix.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from perfbench.config import PYPROJECT_FILE_NAME, Config
from perfbench.definition.suite import BenchmarkDefinition, CommandTarget, LoadTarget, PythonTarget
from perfbench.errors import DefinitionError


def _where(definition: BenchmarkDefinition, config: Config | None) -> str:
    """Where a definition is written: ``FILE: function NAME`` or ``FILE: benchmark[I]``."""
    target = definition.target
    if isinstance(target, PythonTarget):
        return f"{target.path}: function {target.function}"
    if isinstance(target, CommandTarget) and config is not None:
        index = next(i for i, command in enumerate(config.commands)
                     if (command.lane, command.name) == (definition.lane, definition.name))
        prefix = "tool.perfbench." if config.path.name == PYPROJECT_FILE_NAME else ""
        return f"{config.path}: {prefix}benchmark[{index}]"
    if isinstance(target, LoadTarget) and config is not None:
        index = next(i for i, load in enumerate(config.loads) if (load.lane, load.name) == (definition.lane, definition.name))
        prefix = "tool.perfbench." if config.path.name == PYPROJECT_FILE_NAME else ""
        return f"{config.path}: {prefix}load[{index}]"
    return f"the built-in suite's lane {definition.lane}"


def _params_clash(first: Mapping[str, Any], second: Mapping[str, Any]) -> str:
    unlike = [key for key in first if type(first[key]) is not type(second[key]) or first[key] != second[key]]
    if not unlike:
        values = ", ".join(f"{key}={value!r}" for key, value in first.items())
        return f"its params list {values} twice; list each value once"
    key = unlike[0]
    return (f"its params values {first[key]!r} and {second[key]!r} of {key!r} both print as {key}={first[key]}; "
            "use values that print differently")


def _clash(first: BenchmarkDefinition, second: BenchmarkDefinition, config: Config | None) -> str:
    a, b = first.target, second.target
    named = f"two benchmarks named {first.name!r} in lane {first.lane!r}"
    if isinstance(a, PythonTarget) and isinstance(b, PythonTarget) and (a.path, a.function) == (b.path, b.function):
        return f"{_where(first, config)} gives {named}: {_params_clash(a.params, b.params)}"
    fixes = []
    for definition in (first, second):
        if isinstance(definition.target, PythonTarget):
            fixes.append("@perfbench.benchmark(name=...)")
        elif isinstance(definition.target, CommandTarget):
            fixes.append(f"its name = \"...\" in {_where(definition, config)}")
    fix = " or ".join(dict.fromkeys(fixes)) or "a --lane selection that picks one of them"
    return (f"{named}: {_where(first, config)} and {_where(second, config)}; names must be unique within a "
            f"lane: rename one ({fix}) or move it to another lane")


def refuse_duplicate_names(definitions: Sequence[BenchmarkDefinition], config: Config | None) -> None:
    """Raises DefinitionError naming the first two definitions that share a LANE/NAME key."""
    seen: dict[str, BenchmarkDefinition] = {}
    for definition in definitions:
        if definition.key in seen:
            raise DefinitionError(_clash(seen[definition.key], definition, config))
        seen[definition.key] = definition
