"""Growth of a cost with a size parameter: a power-law exponent and a BigO class.

Two views of the same sweep, because each answers a different question:
* the exponent k of ``y = c * n^k`` (least squares on log-log) says how fast the cost
  grows between the smallest and largest size, whatever the model;
* the BigO class is the candidate ``f`` among O(1), O(log n), O(n), O(n log n), O(n^2),
  O(n^3) whose best scaling ``y ~ c * f(n)`` leaves the smallest error *in log space*
  (relative error at every size). Google Benchmark minimises absolute error instead,
  which lets the largest size decide alone: a sweep whose exponent was 0.84 came out
  "O(n^2)" that way because of one noisy top point.

The exponent's own interval, from one set of points, is the regression's: its standard
error with a t quantile on n - 2 degrees of freedom. It measures how far the points stray
from a straight line in log-log, so it also widens when the growth is not a power law
(n log n bends). When the sweep was repeated (iterations, processes), the spread between
the repetitions' exponents is the better interval (analysis/group_spread.py).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence

import numpy as np

from perfbench.analysis.intervals import t_quantile

CANDIDATES: dict[str, object] = {
    "O(1)": lambda n: np.ones_like(n),
    "O(log n)": lambda n: np.log2(np.maximum(n, 2)),
    "O(n)": lambda n: n,
    "O(n log n)": lambda n: n * np.log2(np.maximum(n, 2)),
    "O(n^2)": lambda n: n**2,
    "O(n^3)": lambda n: n**3,
}


@dataclasses.dataclass(frozen=True, slots=True)
class GrowthFit:
    exponent: float
    r_squared: float
    big_o: str
    big_o_rms: float  # RMS of the chosen class's fit in log space (~ relative error)
    exponent_stderr: float | None = None  # the regression's standard error (None with two points)
    degrees_of_freedom: int = 0  # points - 2

    def exponent_interval(self, level: float = 0.95) -> tuple[float, float] | None:
        """The regression's t interval of the exponent (None with two points: no residual)."""
        if self.exponent_stderr is None or self.degrees_of_freedom < 1:
            return None
        half = t_quantile(level, self.degrees_of_freedom) * self.exponent_stderr
        return self.exponent - half, self.exponent + half

    def linear_or_better(self, tolerance: float = 0.15) -> bool:
        return self.exponent <= 1.0 + tolerance


def fit_growth(sizes: Sequence[float], costs: Sequence[float]) -> GrowthFit:
    n = np.asarray(sizes, dtype=np.float64)
    y = np.asarray(costs, dtype=np.float64)
    if n.size < 2 or n.size != y.size:
        raise ValueError("a growth fit needs at least two (size, cost) points of equal count")
    if np.any(n <= 0) or np.any(y <= 0):
        raise ValueError("sizes and costs must be positive for a power-law fit")
    if np.unique(n).size < 2:
        raise ValueError("a growth fit needs at least two different sizes")
    log_n, log_y = np.log(n), np.log(y)
    exponent, intercept = np.polyfit(log_n, log_y, 1)
    predicted = exponent * log_n + intercept
    residual = float(np.sum((log_y - predicted) ** 2))
    total = float(np.sum((log_y - log_y.mean()) ** 2))
    r_squared = 1.0 - residual / total if total > 0 else 1.0
    spread = float(np.sum((log_n - log_n.mean()) ** 2))
    dof = int(n.size) - 2
    stderr = math.sqrt(residual / dof / spread) if dof > 0 else None

    best_name, best_rms = "", math.inf
    for name, f in CANDIDATES.items():
        log_basis = np.log(f(n))  # type: ignore[operator]
        offset = float(np.mean(log_y - log_basis))  # the best log c
        rms = float(np.sqrt(np.mean((log_y - log_basis - offset) ** 2)))
        if rms < best_rms - 1e-12:
            best_name, best_rms = name, rms
    return GrowthFit(exponent=float(exponent), r_squared=r_squared, big_o=best_name, big_o_rms=best_rms,
                     exponent_stderr=stderr, degrees_of_freedom=max(dof, 0))
