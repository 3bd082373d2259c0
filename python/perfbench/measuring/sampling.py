"""How a micro-benchmark is sampled: the options of the C++ timing loop.

The loop grows the iterations per sample until one sample lasts at least
``max(min_sample_time, 1000 x clock resolution)``, warms up, measures the empty-body
overhead on the same loop, then samples until ``budget`` (or ``max_samples``) is reached.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from perfbench.errors import UsageError
from perfbench.units import parse_duration

DEFAULT_BUDGET_SECONDS = 0.5
# 100 µs: long enough that two clock reads (~40 ns here) are 0.04 % of a sample, short
# enough that a timer interrupt (every 1-4 ms) lands in a minority of samples, which the
# median then ignores.
DEFAULT_MIN_SAMPLE_SECONDS = 1e-4


@dataclasses.dataclass(frozen=True, slots=True)
class SamplingOptions:
    budget_seconds: float = DEFAULT_BUDGET_SECONDS
    min_sample_seconds: float = DEFAULT_MIN_SAMPLE_SECONDS
    warmup_seconds: float | None = None  # None: a tenth of the budget
    max_samples: int | None = None
    min_samples: int = 3
    iterations: int | None = None  # fixed iterations per sample; None: calibrate
    subtract_overhead: bool = True
    count_hardware_events: bool = True

    def __post_init__(self) -> None:
        if not self.budget_seconds > 0:
            raise UsageError(f"budget must be positive, got {self.budget_seconds} s")
        if not self.min_sample_seconds > 0:
            raise UsageError(f"min_sample_time must be positive, got {self.min_sample_seconds} s")
        if self.warmup_seconds is not None and self.warmup_seconds < 0:
            raise UsageError(f"warmup must not be negative, got {self.warmup_seconds} s")
        if self.max_samples is not None and self.max_samples < max(1, self.min_samples):
            raise UsageError(f"max_samples must be at least {max(1, self.min_samples)}, got {self.max_samples}")
        if self.min_samples < 1:
            raise UsageError(f"min_samples must be at least 1, got {self.min_samples}")
        if self.iterations is not None and self.iterations < 1:
            raise UsageError(f"iterations must be at least 1, got {self.iterations}")

    @staticmethod
    def from_user(*, budget: str | float | None = None, min_sample_time: str | float | None = None,
                  warmup: str | float | None = None, max_samples: int | None = None,
                  min_samples: int = 3, iterations: int | None = None,
                  subtract_overhead: bool = True, hardware_counters: bool = True) -> SamplingOptions:
        """Durations as strings with units (``"0.5s"``) or floats in seconds."""
        return SamplingOptions(
            budget_seconds=_seconds(budget, DEFAULT_BUDGET_SECONDS, "budget"),
            min_sample_seconds=_seconds(min_sample_time, DEFAULT_MIN_SAMPLE_SECONDS, "min_sample_time"),
            warmup_seconds=None if warmup is None else _seconds(warmup, 0.0, "warmup"),
            max_samples=max_samples, min_samples=min_samples, iterations=iterations,
            subtract_overhead=subtract_overhead, count_hardware_events=hardware_counters,
        )

    def to_plan(self) -> dict[str, Any]:
        """The dict the C++ core reads (keys match SamplingPlan)."""
        return {
            "budget_seconds": self.budget_seconds,
            "min_sample_seconds": self.min_sample_seconds,
            "warmup_seconds": -1.0 if self.warmup_seconds is None else self.warmup_seconds,
            "max_samples": self.max_samples or 0,
            "min_samples": self.min_samples,
            "iterations": self.iterations or 0,
            "subtract_overhead": self.subtract_overhead,
            "count_hardware_events": self.count_hardware_events,
        }

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @staticmethod
    def from_dict(data: dict[str, Any]) -> SamplingOptions:
        return SamplingOptions(**data)


def _seconds(value: str | float | None, default: float, name: str) -> float:
    if value is None:
        return default
    if isinstance(value, bool):
        raise UsageError(f"{name}: {value!r} is not a duration")
    if isinstance(value, (int, float)):
        return float(value)
    try:
        return parse_duration(value)
    except ValueError as error:
        raise UsageError(f"{name}: {error}") from None


def pins_iterations_per_sample(options: SamplingOptions, *, sweep: bool, baseline: bool) -> bool:
    """Whether later iterations (in the same worker, or in later worker processes) reuse the
    first measurement's iterations per sample, so that all samples are alike and pool into
    one median. A sweep or a baseline calibrates each of its measurements afresh, and fixed
    ``iterations`` need no pinning."""
    return not sweep and not baseline and options.iterations is None
