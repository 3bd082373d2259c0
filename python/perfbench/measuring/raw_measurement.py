"""The C++ timing loop's results as plain data, without numpy.

A measurement travels from a worker process to the runner as a dict (the wire format that
``Measurement.to_dict`` / ``Measurement.from_dict`` also use). A worker builds and pools
those dicts here and never imports numpy: numpy's import was ~90 ms of a ~160 ms worker
start-up on the reference 2-vCPU machine (``python -X importtime -m perfbench.execution.worker``),
and a cheaper worker is what lets the runner spread a benchmark over several fresh
processes at the wall time a peer spends in one.

The dicts returned by ``time_callable`` / ``time_workload`` hold the samples as
``_core.SampleBuffer``, a read-only buffer over the C++ vector: ``numpy.asarray`` views it
without a copy, ``to_wire`` turns it into a list of floats for JSON.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from perfbench import _core
from perfbench.errors import DefinitionError
from perfbench.measuring.sampling import SamplingOptions


def time_callable(fn: Callable[..., Any], args: tuple[Any, ...], options: SamplingOptions) -> dict[str, Any]:
    return _core.measure_callable(fn, tuple(args), options.to_plan())


def time_workload(name: str, params: Mapping[str, float] | None, options: SamplingOptions | None) -> dict[str, Any]:
    try:
        return _core.measure_workload(name, dict(params or {}), (options or SamplingOptions()).to_plan())
    except _core.UnknownWorkloadError as error:
        raise DefinitionError(f"{error}; `python -m perfbench list` shows the built-in workloads") from None
    except ValueError as error:
        raise DefinitionError(f"workload {name!r}: {error}") from None


def allocations_per_call(fn: Callable[..., Any], args: tuple[Any, ...], calls: int) -> list[dict[str, Any]]:
    """What one call of ``fn(*args)`` allocates, averaged over ``calls`` calls made with the
    core's allocation-counting hook installed (cpp/include/perfbench/python_allocations.hpp):
    blocks and bytes requested from Python's allocators, freed or not. Objects recycled from
    the interpreter's free lists (small tuples, lists, dicts, floats) are no new allocation
    and are not counted."""
    calls = max(1, int(calls))
    counted = _core.count_python_allocations(fn, tuple(args), calls)
    return [{"name": "alloc_bytes_per_op", "value": counted["bytes"] / calls, "unit": "bytes"},
            {"name": "alloc_blocks_per_op", "value": counted["blocks"] / calls, "unit": "count"}]


def to_wire(raw: Mapping[str, Any], process: int = 0) -> dict[str, Any]:
    """A result of time_callable / time_workload with its samples as a list of floats, taken
    in one go by worker process number ``process`` of its benchmark."""
    samples = memoryview(raw["samples_ns"]).tolist()
    return {**raw, "samples_ns": samples, "segments": [[process, len(samples)]]}
