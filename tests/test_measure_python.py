"""Python callables timed by the C++ loop."""

from __future__ import annotations

import numpy as np
import pytest

import perfbench


FLOATS = [float(i) for i in range(8_000)]


def median_ratio(numerator, denominator, rounds: int = 7) -> float:
    """Side by side: alternate short measurements and take the median of their ratios, so a
    load change on a shared machine moves both sides alike."""
    ratios = []
    for _ in range(rounds):
        top = perfbench.measure(*numerator, budget="0.04s").median
        bottom = perfbench.measure(*denominator, budget="0.04s").median
        ratios.append(top / bottom)
    return float(np.median(ratios))


def test_cost_scales_with_the_work_done() -> None:
    """sum() over 4x as many floats is a C loop with 4x the work: about 4x the time."""
    ratio = median_ratio((sum, FLOATS), (sum, FLOATS[:2_000]))
    assert ratio == pytest.approx(4.0, rel=0.15)


def test_a_function_doing_the_work_twice_costs_twice() -> None:
    data = FLOATS[:2_000]

    def once() -> None:
        sum(data)

    def twice() -> None:
        sum(data)
        sum(data)

    assert median_ratio((twice,), (once,)) == pytest.approx(2.0, rel=0.15)


def test_arguments_are_passed_and_results_discarded() -> None:
    seen = []

    def record(a: int, b: str) -> str:
        seen.append((a, b))
        return b * a

    m = perfbench.measure(record, 3, "x", iterations=5, max_samples=4, warmup="0s")
    assert seen and set(seen) == {(3, "x")}
    assert m.iterations_per_sample == 5
    assert m.stats.n == 4


def test_an_exception_in_the_callable_propagates() -> None:
    calls = 0

    def fails_on_third_call() -> None:
        nonlocal calls
        calls += 1
        if calls == 3:
            raise KeyError("boom")

    with pytest.raises(KeyError, match="boom"):
        perfbench.measure(fails_on_third_call, budget="0.1s")
    assert calls == 3


def test_builtin_c_functions_can_be_timed() -> None:
    m = perfbench.measure(len, "abc", budget="0.1s")
    assert 0 < m.median < 1000


def test_overhead_is_reported_and_small_against_a_call() -> None:
    m = perfbench.measure(lambda: None, budget="0.2s")
    assert m.overhead_subtracted
    assert 0 <= m.overhead_ns < m.median


def test_budget_units_are_validated() -> None:
    with pytest.raises(perfbench.UsageError, match="budget"):
        perfbench.measure(len, "a", budget="5 parsecs")
    with pytest.raises(TypeError):
        perfbench.measure("not callable")  # type: ignore[arg-type]


def test_keyword_arguments_reach_the_function() -> None:
    calls: list[tuple[tuple[object, ...], dict[str, object]]] = []

    def record(*args: object, **kwargs: object) -> None:
        if not calls:
            calls.append((args, kwargs))

    perfbench.measure(record, 1, 2, scale=3, label="x", iterations=5, max_samples=3, budget="10ms")
    assert calls == [((1, 2), {"scale": 3, "label": "x"})]


def test_keyword_arguments_change_what_is_timed() -> None:
    """sorted(reverse=True) on an ascending list vs the plain sort: both are timed with the
    keyword actually passed (an ignored keyword would make the error below impossible)."""
    with pytest.raises(TypeError, match="no_such_keyword"):
        perfbench.measure(sorted, [3, 1, 2], no_such_keyword=True, budget="10ms")
