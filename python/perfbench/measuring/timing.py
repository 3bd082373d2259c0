"""Timing in this process: Python callables and built-in C++ workloads.

Both go through the same C++ timing loop; for a callable every iteration is one
vectorcall made from C++, so no Python-level loop adds to what is measured.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from perfbench import _core
from perfbench.measuring.call_binding import bind_parameters
from perfbench.model import Measurement
from perfbench.measuring.raw_measurement import time_callable, time_workload
from perfbench.measuring.sampling import SamplingOptions


def measure(fn: Callable[..., Any], *args: Any, budget: str | float | None = None,
            min_sample_time: str | float | None = None, warmup: str | float | None = None,
            max_samples: int | None = None, iterations: int | None = None,
            subtract_overhead: bool = True, hardware_counters: bool = True, **kwargs: Any) -> Measurement:
    """Time ``fn(*args, **kwargs)``.

    Keyword arguments other than the options below are passed to ``fn``, bound once
    (positionally where its signature allows, else with ``functools.partial``; see
    measuring/call_binding.py): no Python frame is added per call. A
    keyword named like an option is taken as the option; to pass such a keyword to ``fn``,
    bind it yourself: ``measure(functools.partial(fn, budget=3))``.

    ``budget`` (default ``"0.5s"``) bounds calibration, warm-up and sampling together;
    ``min_sample_time`` (default ``"100us"``) is the shortest sample; ``iterations`` fixes
    the calls per sample instead of calibrating. An exception raised by ``fn`` propagates.
    """
    if not callable(fn):
        raise TypeError(f"measure() needs a callable, got {type(fn).__name__}")
    options = SamplingOptions.from_user(
        budget=budget, min_sample_time=min_sample_time, warmup=warmup, max_samples=max_samples,
        iterations=iterations, subtract_overhead=subtract_overhead, hardware_counters=hardware_counters)
    return measure_callable(*bind_parameters(fn, kwargs, args), options)


def measure_callable(fn: Callable[..., Any], args: tuple[Any, ...], options: SamplingOptions) -> Measurement:
    return Measurement(**time_callable(fn, args, options))


def measure_workload(name: str, params: Mapping[str, float] | None = None,
                     options: SamplingOptions | None = None) -> Measurement:
    """Time one of the built-in C++ workloads (see ``workload_catalog()``)."""
    return Measurement(**time_workload(name, params, options))


def workload_catalog() -> list[dict[str, Any]]:
    return list(_core.workload_catalog())


def check_workload(name: str, params: Mapping[str, float] | None = None) -> str:
    """Runs the workload's self-check: "" when it does its work correctly."""
    return _core.check_workload(name, dict(params or {}))


def clock_info() -> dict[str, Any]:
    """The clock source in use, ticks per ns, read cost of each clock, resolution, TSC invariance."""
    return {**_core.clock_info(), "read_costs": list(_core.clock_read_costs())}
