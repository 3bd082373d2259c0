"""perfbench's pytest plugin (entry point ``pytest11``, name ``perfbench``).

A ``perfbench`` fixture times a function with the C++ loop and asserts SLA rules on it
(fixture.py); options store the session's timings as one run, save it as a baseline or
compare it with one (options.py, storing.py, session_hooks.py); a table at the end of the
session (summary.py). Importing this package costs no numpy and no compiled core: pytest
imports it in every session of every project where perfbench is installed.
"""

from perfbench.pytest_plugin.fixture import PerfbenchFixture, perfbench
from perfbench.pytest_plugin.options import pytest_addoption
from perfbench.pytest_plugin.records import Untimed
from perfbench.pytest_plugin.session_hooks import pytest_configure, pytest_sessionfinish, pytest_testnodedown
from perfbench.pytest_plugin.summary import pytest_terminal_summary

__all__ = ["PerfbenchFixture", "Untimed", "perfbench", "pytest_addoption", "pytest_configure",
           "pytest_sessionfinish", "pytest_terminal_summary", "pytest_testnodedown"]
