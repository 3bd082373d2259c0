"""The Python workloads of the peer comparisons as module attributes, for perfbench's runner.

A ``PythonTarget`` names a module attribute and calls it with no arguments. Each attribute
here is the workload's callable with its input bound by ``functools.partial``, which calls
through C: the worker times ``sorted(data)`` itself, as pyperf's ``bench_func(sorted, data)``
and pytest-benchmark's ``benchmark(sorted, data)`` do, with no extra Python frame per call.
"""

from __future__ import annotations

import functools
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _pyworkloads  # noqa: E402


def _bound(name: str):
    fn, args = _pyworkloads.make(name)
    return functools.partial(fn, *args) if args else fn


for _name in _pyworkloads.WORKLOADS:
    globals()[_name] = _bound(_name)
