"""Growth fits recover known exponents and BigO classes on synthetic data."""

from __future__ import annotations

import numpy as np
import pytest

from perfbench.analysis.scaling import fit_growth

SIZES = np.array([10, 20, 50, 100, 200, 500, 1000], dtype=float)


@pytest.mark.parametrize(("cost", "exponent", "big_o"), [
    (lambda n: 7.0 + 0 * n, 0.0, "O(1)"),
    (lambda n: 3.0 * n, 1.0, "O(n)"),
    (lambda n: 0.5 * n**2, 2.0, "O(n^2)"),
    (lambda n: 2.0 * n * np.log2(n), None, "O(n log n)"),
    (lambda n: 40.0 * np.log2(n), None, "O(log n)"),
], ids=["constant", "linear", "quadratic", "n-log-n", "log"])
def test_known_shapes(cost, exponent: float | None, big_o: str) -> None:
    fit = fit_growth(SIZES, cost(SIZES))
    if exponent is not None:
        assert fit.exponent == pytest.approx(exponent, abs=1e-9)
        assert fit.r_squared == pytest.approx(1.0) or exponent == 0.0
    assert fit.big_o == big_o


def test_noise_does_not_hide_a_linear_trend() -> None:
    noise = np.random.default_rng(7).normal(1.0, 0.05, SIZES.size)
    fit = fit_growth(SIZES, 5.0 * SIZES * noise)
    assert fit.exponent == pytest.approx(1.0, abs=0.05)
    assert fit.linear_or_better()
    assert not fit_growth(SIZES, SIZES**1.5).linear_or_better()


@pytest.mark.parametrize(("sizes", "costs"), [([10], [1.0]), ([10, 10], [1.0, 2.0]), ([0, 10], [1.0, 2.0]),
                                              ([1, 2], [1.0])], ids=["one", "same-size", "zero", "ragged"])
def test_unusable_sweeps_are_refused(sizes, costs) -> None:
    with pytest.raises(ValueError):
        fit_growth(sizes, costs)


def test_one_noisy_top_point_does_not_decide_the_class() -> None:
    """Sub-linear growth with a slow largest size: the class must follow the trend, as the
    exponent does (an absolute-error fit would call this quadratic)."""
    sizes = np.array([1, 10, 100, 1000, 10000], dtype=float)
    costs = np.array([2e3, 1.2e4, 8e4, 5e5, 1.5e7])
    fit = fit_growth(sizes, costs)
    assert fit.exponent < 1.15
    assert fit.big_o in ("O(n)", "O(n log n)")
