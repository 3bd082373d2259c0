"""Step changes in a series of per-run figures: E-divisive means with a permutation test.

The method is E-divisive means (Matteson & James, "A Nonparametric Approach for Multiple
Change Point Analysis of Multivariate Data", JASA 2014), the one behind Apache Otava
(ex-Hunter, DataStax) and MongoDB's CI performance histories, with the original
permutation test (Otava's ``compute_change_points_orig``; Otava's default tests its
candidates with a t-test instead, which a single slow run inflates). Written here rather
than taken from ``apache-otava`` (a whole CLI with its database and Slack clients) or
``signal-processing-algorithms``: the method is small, and the cost of a permutation
test is what matters at 500 runs (below). Why this method:

* **No noise model to calibrate.** A run's median moves with the host, the build and the
  process draw in ways no parametric model fits (heavy tails, the odd 30 % spike from a
  noisy neighbour). The significance of a split is a permutation test over the runs
  themselves, exact under exchangeability whatever the distribution, so a flat series
  with spikes gives a false step with probability ``max_p_value`` (hierarchical
  testing stops at the first split that is not significant), not more. PELT would need a
  penalty tuned to a noise model for the same guarantee, and gives no p-value.
* **Robust to a single outlier.** The energy statistic uses absolute differences
  ``|x_i - x_j|`` (alpha = 1): an outlier's pull grows linearly, not squared, and it raises
  a segment's within-distance as much as its between-distance, so a split that isolates
  it gains nothing. A segment must also hold ``min_segment`` runs (default 3), so a single
  spike can never be a segment of its own: one spike is never a step. (A real new level
  shorter than the minimum at the end of the series, say the last two runs, may still
  read as a step placed early enough to leave ``min_segment`` runs after it: the
  boundary obeys the minimum, the data decide whether the difference is significant.)
* **The run is the unit.** Each run gives one value (its median): samples inside one run
  share its processes and its host state, so the runs are what vary independently. The
  per-run interval is not used to weight runs: between-run scatter dominates it (the
  issue's own evidence: a process draw moves a figure by several per cent for its whole
  life) and the permutation test measures that scatter directly.

The series is analysed in logs (a slowdown is a ratio; a 10 % step is the same size at
2 ns and at 2 s); values not all positive are analysed as they are.

Procedure (Matteson & James, section 3): over every current segment, find the split that
maximises the divergence Q between its two sides (each at least ``min_segment`` long);
test it by shuffling the values within each current segment and recomputing the largest
Q; accept it if p <= ``max_p_value`` and repeat, else stop. Each accepted step gets the
relative change of the median between its two neighbouring segments and a 95 % interval
for it (a bootstrap over the runs of each segment).

The default significance, 0.005, is a trade measured on simulated histories of 50 runs
with 5 % lognormal noise and occasional single 30 % spikes (benchmarks/trend_figures.py,
reports/trend_figures.md): a 10 % step half-way is found in 194 of 200 and a flat history
shows a false step in 12 of 2,000 (0.6 %). At 0.001 (Otava's level) a trial found the same
step in only 89 of 100: the energy statistic, being omnibus, is less powerful for a pure
shift than a t-test (which the spikes break). Over a 50-benchmark suite 0.005 means a
false step in about one trend report of four or five: trend is informational; the
verdicts that gate a change are the comparison's, which control the error per suite.

Permutations are a fixed-seed Monte Carlo: the same series always gives the same steps.
A split is abandoned as soon as enough permuted maxima reach its Q that it cannot become
significant (Besag & Clifford's sequential Monte Carlo test), so a flat series costs a
few dozen permutations, not thousands. Measured here (reports/trend_figures.md): 0.2 ms
for a flat history of 50 runs, 10 ms with a step; 15 ms and 0.4 s at 500 runs.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from typing import Any

import numpy as np

DEFAULT_MIN_SEGMENT = 3
DEFAULT_MAX_P_VALUE = 0.005
CONFIDENCE_LEVEL = 0.95
_SEED = 0x57E9
_BOOTSTRAP_RESAMPLES = 2000
# Pairs masked at once while permuting (one byte each): bounds the memory of a batch.
_BATCH_ELEMENTS = 8_000_000
_FIRST_BATCH = 32


@dataclasses.dataclass(frozen=True, slots=True)
class Step:
    """A step change: the series' values from ``index`` on differ from those before it.

    ``before``/``after`` are the medians of the neighbouring segments (the runs from the
    previous step, or the start, up to this one; and from this one to the next step or the
    end); ``change`` is ``after / before - 1`` with its 95 % interval (None where a segment
    is too short for one; ``change`` too where ``before`` is zero); ``p_value`` the
    permutation test's, at the stage the step was accepted."""

    index: int
    before: float
    after: float
    change: float | None
    change_low: float | None
    change_high: float | None
    p_value: float
    runs_before: int
    runs_after: int

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def find_steps(values: Sequence[float], *, min_segment: int = DEFAULT_MIN_SEGMENT,
               max_p_value: float = DEFAULT_MAX_P_VALUE, seed: int = _SEED) -> list[Step]:
    """The step changes in ``values`` (one per run, oldest first), in series order."""
    if min_segment < 2:
        raise ValueError(f"min_segment must be at least 2 (a segment of one run is a spike, not a level), "
                         f"got {min_segment}")
    if not 0.0 < max_p_value < 1.0:
        raise ValueError(f"max_p_value must lie between 0 and 1, got {max_p_value}")
    raw = np.asarray(values, dtype=np.float64)
    if raw.ndim != 1 or not np.all(np.isfinite(raw)):
        raise ValueError("values must be a flat series of finite numbers")
    series = np.log(raw) if raw.size and np.all(raw > 0) else raw
    rng = np.random.default_rng(seed)
    # Enough permutations that the Monte Carlo p-value resolves the level: a split is
    # significant with up to 4 permuted maxima reaching it, so the luck of the draw rarely
    # decides (a split with p = 0.002 passes at 0.005 in 95 % of draws).
    permutations = math.ceil(5.0 / max_p_value) - 1
    boundaries = [0, series.size]
    p_values: dict[int, float] = {}
    while True:
        segments = [(a, b) for a, b in zip(boundaries, boundaries[1:]) if b - a >= 2 * min_segment]
        candidates = [(_best_split(*_sums(_distances(series[a:b])[None]), min_segment), a) for a, b in segments]
        if not candidates:
            break
        ((q_best, split), start) = max(candidates, key=lambda c: c[0][0][0])
        p = _permutation_p_value(series, segments, float(q_best[0]), min_segment, permutations, max_p_value, rng)
        if p > max_p_value:
            break
        index = start + int(split[0])
        p_values[index] = p
        boundaries = sorted([*boundaries, index])
    return [_describe(raw, boundaries, k, p_values[boundaries[k]], seed) for k in range(1, len(boundaries) - 1)]


def _distances(segment: np.ndarray) -> np.ndarray:
    return np.abs(segment[:, None] - segment[None, :])


def _sums(distances: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per value, in series order: the sum of its distances to every value, and to the
    values before it (each pair once). Batched over a leading axis."""
    return distances.sum(axis=-1), np.tril(distances, k=-1).sum(axis=-1)


def _best_split(row_sums: np.ndarray, earlier: np.ndarray, min_segment: int) -> tuple[np.ndarray, np.ndarray]:
    """For a batch (B x L) of one segment's values in some order, given ``_sums`` of their
    distances: the largest divergence Q over the splits leaving ``min_segment`` on each
    side, and the split (the size of the left side) that gives it.

    Q(tau) = m n / (m + n) * (2/(m n) sum_between - 2/(m (m-1)) sum_left_pairs
    - 2/(n (n-1)) sum_right_pairs), with m = tau and n = L - tau; the block sums are running
    sums, so every split costs O(1) after one pass."""
    size = row_sums.shape[-1]
    zero = np.zeros((row_sums.shape[0], 1))
    rows_before = np.concatenate([zero, np.cumsum(row_sums, axis=1)], axis=1)  # rows < tau, all columns
    left_pairs = np.concatenate([zero, np.cumsum(earlier, axis=1)], axis=1)  # pairs both < tau
    total_pairs = left_pairs[:, size:size + 1]
    tau = np.arange(min_segment, size - min_segment + 1)
    m = tau.astype(np.float64)
    n = size - m
    between = rows_before[:, tau] - 2.0 * left_pairs[:, tau]
    right_pairs = total_pairs - left_pairs[:, tau] - between
    q = (m * n / (m + n)) * (2.0 * between / (m * n) - 2.0 * left_pairs[:, tau] / (m * (m - 1.0))
                            - 2.0 * right_pairs / (n * (n - 1.0)))
    best = np.argmax(q, axis=1)
    return q[np.arange(q.shape[0]), best], tau[best]


def _permutation_p_value(series: np.ndarray, segments: list[tuple[int, int]], q_observed: float,
                         min_segment: int, permutations: int, max_p_value: float,
                         rng: np.random.Generator) -> float:
    """The share of within-segment shuffles whose largest Q over every segment reaches the
    observed one, as (k + 1) / (done + 1). Stops early once k is large enough that the
    split cannot reach ``max_p_value`` with every remaining permutation."""
    # relative tolerance: a shuffle that reproduces the series must count as reaching it
    threshold = q_observed - 1e-9 * abs(q_observed)
    give_up_at = math.floor(max_p_value * (permutations + 1))  # k at which p > max_p_value for sure
    # A shuffle reorders the distance matrix; each value's total distance only moves with it.
    matrices = [_distances(series[a:b]) for a, b in segments]
    totals = [d.sum(axis=1) for d in matrices]
    reached = 0
    done = 0
    batch = _FIRST_BATCH
    largest = max(b - a for a, b in segments)
    while done < permutations:
        count = min(batch, permutations - done, max(1, _BATCH_ELEMENTS // (largest * largest)))
        maxima = np.full(count, -np.inf)
        for distances, total in zip(matrices, totals):
            order = rng.permuted(np.tile(np.arange(distances.shape[0]), (count, 1)), axis=1)  # position -> value
            position = np.argsort(order, axis=1)  # value -> position
            # Each value's distances to the values the shuffle placed before it, summed in the
            # matrix's own order against a mask of one byte per pair: no reordered copy of the
            # matrix per shuffle (which costs four times as much at 500 runs).
            placed_before = position[:, None, :] < position[:, :, None]
            by_value = np.einsum("ve,bve->bv", distances, placed_before, dtype=np.float64, casting="unsafe")
            q, _ = _best_split(total[order], np.take_along_axis(by_value, order, axis=1), min_segment)
            maxima = np.maximum(maxima, q)
        reached += int(np.count_nonzero(maxima >= threshold))
        done += count
        if reached >= give_up_at + 1:
            break
        batch *= 2
    return (reached + 1) / (done + 1)


def _describe(raw: np.ndarray, boundaries: list[int], k: int, p_value: float, seed: int) -> Step:
    before = raw[boundaries[k - 1]:boundaries[k]]
    after = raw[boundaries[k]:boundaries[k + 1]]
    median_before, median_after = float(np.median(before)), float(np.median(after))
    change = median_after / median_before - 1.0 if median_before != 0 else None
    low, high = _change_interval(before, after, seed)
    return Step(index=boundaries[k], before=median_before, after=median_after, change=change,
                change_low=low, change_high=high, p_value=p_value, runs_before=before.size, runs_after=after.size)


def _change_interval(before: np.ndarray, after: np.ndarray, seed: int) -> tuple[float | None, float | None]:
    """95 % percentile-bootstrap interval of median(after) / median(before) - 1, resampling
    the runs of each segment (the run is the unit). Segments of fewer than three runs give
    none: their bootstrap medians take two values."""
    if before.size < 3 or after.size < 3 or np.any(before <= 0):
        return None, None
    rng = np.random.default_rng(seed)
    draw_before = np.median(before[rng.integers(0, before.size, (_BOOTSTRAP_RESAMPLES, before.size))], axis=1)
    draw_after = np.median(after[rng.integers(0, after.size, (_BOOTSTRAP_RESAMPLES, after.size))], axis=1)
    alpha = (1.0 - CONFIDENCE_LEVEL) / 2.0
    low, high = np.quantile(draw_after / draw_before - 1.0, [alpha, 1.0 - alpha])
    return float(low), float(high)
