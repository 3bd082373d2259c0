"""Reading one typed value out of a TOML table, with an error that names where it is.

Each reader takes the ``Where`` (file, key prefix), the key path of the value and the raw
value, and returns it converted (seconds, bytes, absolute paths) or raises a ConfigError
saying what was found and what is accepted.
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from perfbench.analysis.comparison import threshold_problem
from perfbench.config.schema import Command
from perfbench.errors import ConfigError, UnitError
from perfbench.sla import SEVERITIES
from perfbench.units import DURATION_HELP, PERCENT_HELP, SIZE_HELP, parse_duration, parse_percent, parse_size


@dataclasses.dataclass(frozen=True, slots=True)
class Where:
    file: Path
    prefix: str  # "tool.perfbench" inside a pyproject.toml, else ""

    def error(self, key: str, message: str) -> ConfigError:
        full = ".".join(part for part in (self.prefix, key) if part)
        return ConfigError(str(self.file), full or None, message)


_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def key_path(parent: str, name: str) -> str:
    """A dotted key path as TOML writes it: ``lanes.docs``, ``env."MY VAR"``."""
    part = name if _BARE_KEY.match(name) else json.dumps(name, ensure_ascii=False)
    return f"{parent}.{part}" if parent else part


def show(value: object) -> str:
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


def check_keys(where: Where, path: str, table: Mapping[str, Any], accepted: tuple[str, ...]) -> None:
    for name in table:
        if name not in accepted:
            close = difflib.get_close_matches(name, accepted, n=1, cutoff=0.6)
            hint = f"did you mean {close[0]!r}?" if close else f"accepted keys: {', '.join(accepted)}"
            raise where.error(key_path(path, name), f"unknown key; {hint}")


def table_of(where: Where, key: str, value: object, example: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise where.error(key, f"expected a table such as {example}, got {show(value)}")
    return value


# --- values ------------------------------------------------------------------------------


# No benchmark needs more iterations or processes; a larger count is a slip, and it would
# reach the store, whose integers are 64-bit.
MAX_WHOLE_NUMBER = 1_000_000


def whole_number(where: Where, key: str, value: object, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise where.error(key, f"expected a whole number >= {minimum}, got {show(value)}")
    if value > MAX_WHOLE_NUMBER:
        raise where.error(key, f"{value} is more than {MAX_WHOLE_NUMBER:,}, the largest count perfbench accepts")
    return value


def without_nul(where: Where, key: str, text: str) -> str:
    """``text``, if it holds no NUL byte: no path, argument or environment value can (the
    operating system ends a C string there), so one can only be a slip."""
    if "\0" in text:
        raise where.error(key, f"{show(text)} contains a NUL byte (\\u0000), which no command, path or environment "
                               "value can hold; remove it")
    return text


def _quantity(where: Where, key: str, value: object, parse: Callable[[str], float], accepted: str,
              example: str) -> float:
    if not isinstance(value, str):
        # parse() would say the same for a number; a date or a table would show as Python
        unit_hint = " (write the unit)" if isinstance(value, (int, float)) and not isinstance(value, bool) else ""
        raise where.error(key, f"{show(value)} is not {accepted}{unit_hint}")
    try:
        quantity = parse(value)
    except UnitError as error:
        raise where.error(key, str(error)) from None
    if not quantity > 0:  # the parsers refuse infinite and out-of-range values
        raise where.error(key, f"{show(value)} must be greater than zero, e.g. {example}")
    return quantity


def duration(where: Where, key: str, value: object) -> float:
    return _quantity(where, key, value, parse_duration, DURATION_HELP, "30s or 10m")


def regression_threshold(where: Where, key: str, value: object) -> float:
    """The relative change of a median that counts as a regression (``5%`` -> 0.05)."""
    fraction = _quantity(where, key, value, parse_percent, PERCENT_HELP, "5%")
    problem = threshold_problem(fraction)
    if problem:
        raise where.error(key, f"{show(value)}: {problem}")
    return fraction


def regression_severity(where: Where, key: str, value: object) -> str:
    """What a slower verdict counts as: ``error`` (the default) and ``critical`` fail the
    check (exit 1); ``warning`` is reported and does not fail."""
    if value not in SEVERITIES:
        raise where.error(key, f"{show(value)} is not a severity; write one of "
                               f"{', '.join(map(repr, SEVERITIES))} (a slower verdict at 'warning' does not fail)")
    return str(value)


# Below a megabyte no process starts; a smaller limit is a unit slip (4B for 4GB).
MIN_MEMORY_LIMIT_BYTES = 1_000_000


def memory_limit(where: Where, key: str, value: object) -> int:
    limit = round(_quantity(where, key, value, parse_size, SIZE_HELP, "512MB or 4GB"))
    if limit < MIN_MEMORY_LIMIT_BYTES:
        raise where.error(key, f"{show(value)} is below 1MB, smaller than any process; write a size such as "
                               "512MB or 4GB")
    return limit


def non_empty_string(where: Where, key: str, value: object, example: str) -> str:
    if not isinstance(value, str) or not value.strip():
        got = "an empty string" if isinstance(value, str) else show(value)
        raise where.error(key, f"expected a non-empty string such as {example}, got {got}")
    return without_nul(where, key, value)


_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_NAME_HELP = "letters, digits, '_', '-' and '.', starting with a letter or digit"


def name_of(where: Where, key: str, value: object, example: str) -> str:
    name = non_empty_string(where, key, value, example)
    if not _NAME.match(name):
        raise where.error(key, f"{show(name)} is not a valid name; use {_NAME_HELP}, e.g. {example}")
    return name


def path_in(where: Where, key: str, value: object, base_dir: Path, *, existing_dir: bool) -> Path:
    text = non_empty_string(where, key, value, '"docs" or "../build"')
    path = (base_dir / Path(text).expanduser()).resolve()
    if existing_dir and not path.is_dir():
        problem = "is not a directory" if path.exists() else "does not exist"
        raise where.error(key, f"{show(text)} {problem} (resolved to {path}); paths are relative to the "
                               "directory of the configuration file")
    return path


def environment(where: Where, key: str, value: object) -> dict[str, str]:
    table = table_of(where, key, value, '{ SPHINXOPTS = "-j2" }')
    for name, text in table.items():
        if not name or "=" in name or "\0" in name:
            raise where.error(key_path(key, name),
                              "is not an environment variable name; names are non-empty and have no '='")
        if not isinstance(text, str):
            fix = f": write {name} = {json.dumps(show(text))}" if isinstance(text, (int, float)) else ""
            raise where.error(key_path(key, name),
                              f"expected a string value, got {show(text)}; environment values are strings{fix}")
        without_nul(where, key_path(key, name), text)
    return dict(table)


def command_line(where: Where, key: str, value: object) -> Command:
    accepted = ('a string run by /bin/sh -c, such as "make docs", or an array of strings run as argv, '
                'such as ["make", "docs"]')
    if isinstance(value, str):
        if not value.strip():
            raise where.error(key, f"the command is empty; expected {accepted}")
        return without_nul(where, key, value)
    if isinstance(value, list):
        if not value:
            raise where.error(key, f"the command is empty; expected {accepted}")
        for index, part in enumerate(value):
            if not isinstance(part, str):
                raise where.error(f"{key}[{index}]", f"expected a string, got {show(part)}; a command is {accepted}")
            without_nul(where, f"{key}[{index}]", part)
        if not value[0].strip():
            raise where.error(f"{key}[0]", f"the program name is empty; a command is {accepted}")
        return tuple(value)
    raise where.error(key, f"expected {accepted}, got {show(value)}")


def boolean(where: Where, key: str, value: object) -> bool:
    if isinstance(value, bool):
        return value
    raise where.error(key, f"expected true or false, got {show(value)}")
