"""The worker's alternating rounds (a relative benchmark's target and baseline; ab's two
versions in one process): mirrored order, and the side named first goes first."""

from __future__ import annotations

import time
from typing import Any

import pytest

from perfbench.execution.worker import _alternate
from perfbench.measuring.raw_measurement import time_callable, to_wire
from perfbench.measuring.sampling import SamplingOptions


def logging_measurer(log: list[str], side: str):
    """Times a trivial callable for real, and logs which side each round measured."""
    def measure(params: dict[str, Any], options: SamplingOptions) -> dict[str, Any]:
        log.append(side)
        return to_wire(time_callable(len, ((),), options), 0)

    return measure


@pytest.mark.parametrize(("baseline_first", "expected"), [
    (False, "TBBTTBBT"),
    (True, "BTTBBTTB"),
])
def test_rounds_mirror_each_other_and_start_with_the_side_named_first(baseline_first: bool, expected: str) -> None:
    log: list[str] = []
    target, baseline = _alternate(logging_measurer(log, "T"), {}, logging_measurer(log, "B"), {},
                                  SamplingOptions(budget_seconds=0.01), rounds=4, baseline_first=baseline_first)
    assert "".join(log) == expected
    assert target["iterations_per_sample"] >= 1 and baseline["iterations_per_sample"] >= 1


def test_rounds_within_budget_stop_once_it_is_spent_after_both_orders() -> None:
    log: list[str] = []

    def slow(side: str):
        measure = logging_measurer(log, side)

        def measured(params: dict[str, Any], options: SamplingOptions) -> dict[str, Any]:
            time.sleep(0.01)  # a round that takes longer than its share of the budget
            return measure(params, options)

        return measured

    _alternate(slow("T"), {}, slow("B"), {}, SamplingOptions(budget_seconds=0.01), rounds=32, within_budget=True)
    assert "".join(log) == "TBBT"  # two rounds, both orders, then the budget was spent
