"""Python callables timed by the C++ loop."""

from __future__ import annotations

import pytest

import perfbench


FLOATS = [float(i) for i in range(20_000)]


def test_cost_scales_with_the_work_done() -> None:
    """sum() over 4x as many floats is a C loop with 4x the work: about 4x the time."""
    small = perfbench.measure(sum, FLOATS[:5_000], budget="0.3s")
    large = perfbench.measure(sum, FLOATS, budget="0.3s")
    assert large.median / small.median == pytest.approx(4.0, rel=0.15)


def test_a_function_doing_the_work_twice_costs_twice() -> None:
    data = FLOATS[:5_000]

    def once() -> None:
        sum(data)

    def twice() -> None:
        sum(data)
        sum(data)

    ratio = perfbench.measure(twice, budget="0.3s").median / perfbench.measure(once, budget="0.3s").median
    assert ratio == pytest.approx(2.0, rel=0.15)


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
