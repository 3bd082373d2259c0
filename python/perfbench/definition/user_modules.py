"""Loading the user's benchmark files: the one place a ``bench_*.py`` file becomes a module.

Discovery (in its own child process) and the worker (in each worker process) both load
user files through here, so a file is imported under the same module name, with the same
``sys.path`` entry, and a function is found by the same qualified-name lookup in both.
Imported without numpy or the compiled core: the worker must stay cheap to start.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

MODULE_PREFIX = "perfbench_user_"


def module_name_for(path: Path) -> str:
    return MODULE_PREFIX + path.stem


def load_user_module(path: Path | str) -> ModuleType:
    """The module of the file at ``path``, imported once per process. Its directory goes on
    ``sys.path`` first, so that it can import its sibling helper modules."""
    path = Path(path)
    name = module_name_for(path)
    module = sys.modules.get(name)
    if module is not None:
        return module
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot import {path}: not a Python source file")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    sys.path.insert(0, str(path.parent))
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]  # a half-imported module must not be found by a later lookup
        raise
    return module


def load_user_object(path: Path | str, qualified_name: str) -> Any:
    """A function (or any attribute) of a user file by its qualified name, e.g. ``Suite.run``."""
    found: Any = load_user_module(path)
    for part in qualified_name.split("."):
        found = getattr(found, part)
    return found
