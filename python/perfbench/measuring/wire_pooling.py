"""Pooling wire-format measurements (plain dicts, see raw_measurement) from several rounds.

Pure Python on purpose: the worker pools without numpy, and the domain model pools without
the compiled core.
"""

from __future__ import annotations

from typing import Any


def pool_wire(rounds: list[dict[str, Any]]) -> dict[str, Any]:
    """One measurement from several rounds taken with the same iterations per sample:
    samples together, their segments (which process took which run of samples) in the same
    order, wall time and warm-up summed, the last round's other fields
    (its workload metrics, counters and overhead)."""
    if len(rounds) == 1:
        return rounds[0]
    pooled = dict(rounds[-1])
    pooled["samples_ns"] = [x for r in rounds for x in r["samples_ns"]]
    pooled["wall_seconds"] = sum(r["wall_seconds"] for r in rounds)
    pooled["warmup_samples"] = sum(r["warmup_samples"] for r in rounds)
    pooled["segments"] = [segment for r in rounds for segment in r.get("segments") or [[0, len(r["samples_ns"])]]]
    return pooled
