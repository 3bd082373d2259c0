"""Finding the configuration file from a working directory, and reading it as TOML."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

from perfbench.config.fields import Where, show
from perfbench.config.parse import parse_config
from perfbench.config.schema import CONFIG_FILE_NAME, PYPROJECT_FILE_NAME, Config
from perfbench.errors import ConfigError


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
        where = Where(path, "tool.perfbench")
        table = tool["perfbench"]
        if not isinstance(table, dict):
            raise where.error("", f"expected a table ([tool.perfbench]), got {show(table)}")
    else:
        where, table = Where(path, ""), document
    return parse_config(where, table)


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
