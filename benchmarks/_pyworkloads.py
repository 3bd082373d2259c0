"""The Python workloads of the peer comparisons: one definition, imported by every harness.

perfbench's worker, the pyperf script and the generated pytest-benchmark file all build
the callable and its arguments here, so each tool times the same call on the same input
(inputs come from a seeded generator, so every process builds identical data).

Each entry: name -> (what one call does, factory returning ``(fn, args)``).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any


def noop() -> None:
    pass


def _floats(n: int, seed: int) -> list[float]:
    rng = random.Random(seed)
    return [rng.random() for _ in range(n)]


def _make_noop() -> tuple[Callable[..., Any], tuple[Any, ...]]:
    return noop, ()


def _make_sum_1k() -> tuple[Callable[..., Any], tuple[Any, ...]]:
    return sum, (_floats(1_000, 1),)


def _make_sorted_10k() -> tuple[Callable[..., Any], tuple[Any, ...]]:
    return sorted, (_floats(10_000, 2),)


def _make_sorted_100k() -> tuple[Callable[..., Any], tuple[Any, ...]]:
    return sorted, (_floats(100_000, 3),)


# Ordered from ~15 ns to ~10 ms per call.
WORKLOADS: dict[str, tuple[str, Callable[[], tuple[Callable[..., Any], tuple[Any, ...]]]]] = {
    "py_noop": ("call `def noop(): pass`", _make_noop),
    "py_sum_1k_floats": ("sum() of 1,000 floats", _make_sum_1k),
    "py_sorted_10k_floats": ("sorted() of 10,000 random floats", _make_sorted_10k),
    "py_sorted_100k_floats": ("sorted() of 100,000 random floats", _make_sorted_100k),
}


def make(name: str) -> tuple[Callable[..., Any], tuple[Any, ...]]:
    try:
        return WORKLOADS[name][1]()
    except KeyError:
        raise SystemExit(f"unknown Python workload {name!r}; known: {', '.join(WORKLOADS)}") from None
