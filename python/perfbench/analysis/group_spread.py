"""Intervals for derived figures from the spread between independent repetitions.

A figure computed from a whole benchmark (a growth exponent, a ratio to a baseline, items
per second) gets its 95 % interval from how much the same figure moves between repetitions
of the measurement: the worker processes when the benchmark ran in several (the process is
the unit of noise: what it draws once, address-space layout, pages, hash seed, moves all of
its samples alike), else its counted iterations (separate sampling rounds in one process;
they miss what the process drew once, which a ratio or an exponent mostly cancels because
it moves every size or both sides alike).

The interval is a Student t interval for the mean of the repetitions' figures, centred on
the figure from all the data pooled: with G repetitions, ``pooled ± t(0.975, G-1) · s / √G``.
With two repetitions t is 12.7, so the interval is wide: that is what two repetitions know.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TypeVar

import numpy as np

from perfbench.analysis.intervals import CONFIDENCE_LEVEL, t_quantile
from perfbench.model import IterationRecord

R = TypeVar("R", bound=IterationRecord)


def repetitions(records: Sequence[R]) -> tuple[str, list[list[R]]]:
    """The counted records grouped into independent repetitions, and what a repetition is:
    ``"processes"`` when they came from several worker processes, else ``"iterations"``."""
    processes = sorted({record.process for record in records})
    if len(processes) > 1:
        return "processes", [[r for r in records if r.process == p] for p in processes]
    return "iterations", [[record] for record in records]


def t_half_width(values: Sequence[float], level: float = CONFIDENCE_LEVEL) -> float | None:
    """Half the width of the t interval of the mean of ``values`` (None below two values)."""
    data = np.asarray([v for v in values if math.isfinite(v)], dtype=np.float64)
    if data.size < 2:
        return None
    return t_quantile(level, data.size - 1) * float(np.std(data, ddof=1)) / math.sqrt(data.size)


def interval_around(estimate: float, repeated: Sequence[float],
                    level: float = CONFIDENCE_LEVEL) -> tuple[float, float] | None:
    """``estimate`` ± the t half-width of the repetitions' figures (None below two)."""
    half = t_half_width(repeated, level)
    if half is None or not math.isfinite(estimate):
        return None
    return estimate - half, estimate + half
