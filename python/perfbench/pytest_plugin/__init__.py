"""perfbench's pytest plugin (entry point ``pytest11``, name ``perfbench``).

A ``perfbench`` fixture times a function with the C++ loop and asserts SLA rules on it
(fixture.py); options store the session's timings as one run, save it as a baseline or
compare it with one (options.py, storing.py); a table at the end of the session (summary.py);
hooks.py is what pytest calls. Importing this package costs no numpy and no compiled core,
and loads only the hooks: pytest imports it in every session of every project where
perfbench is installed.

``Untimed`` (what an untimed call returns) and ``PerfbenchFixture`` are imported on first use.
"""

from __future__ import annotations

import importlib
from typing import Any

from perfbench.pytest_plugin.hooks import (perfbench, pytest_configure, pytest_sessionfinish,
                                           pytest_terminal_summary, pytest_testnodedown)
from perfbench.pytest_plugin.options import pytest_addoption

_LAZY = {"Untimed": "perfbench.pytest_plugin.records", "PerfbenchFixture": "perfbench.pytest_plugin.fixture"}

__all__ = ["PerfbenchFixture", "Untimed", "perfbench", "pytest_addoption", "pytest_configure",
           "pytest_sessionfinish", "pytest_terminal_summary", "pytest_testnodedown"]


def __getattr__(name: str) -> Any:
    home = _LAZY.get(name)
    if home is None:
        raise AttributeError(f"module 'perfbench.pytest_plugin' has no attribute {name!r}")
    return getattr(importlib.import_module(home), name)
