"""Confidence intervals that are honest about where the noise is.

Samples taken inside one process are not independent: neighbours share caches, frequency
and whatever else the host is doing, and the process itself (its address-space layout,
physical pages, hash seed) moves every one of its samples by the same few per cent for
its whole life. Treating thousands of such samples as independent (an i.i.d. bootstrap)
gives intervals that are far too narrow -- a CV of 1,000 % next to "0.3942 - 0.3942 ns".
So an interval here stands on *units* that do vary independently, chosen by how the
samples were taken (``noise_units``):

* **processes** -- three or more processes measured the figure: it is computed in each
  process, and the interval is a Student-t interval over the processes' figures, centred
  on the figure of all samples pooled. This is the variation a rerun sees.
* **batches** -- one or two processes with many samples each: the time-ordered samples
  are cut into up to 20 contiguous batches, the figure is computed per batch, Student-t
  over the batches (non-overlapping batch means, the standard treatment of correlated
  simulation output; Law & Kelton, *Simulation Modeling and Analysis*, ch. 9).
  Correlated neighbours fall into the same batch. It measures the noise inside these
  processes only: a rerun in a new process may differ by more, which the verdicts say.
* **independent** -- every sample comes from a process of its own (a command's
  iterations): Student-t over the runs for the mean and median (from two runs on: wide,
  but honest), a percentile bootstrap for the rest (fixed seed: the same data always gives
  the same interval).

A batch or process contributes to a percentile's interval only if it holds enough samples
for that percentile to exist in it (at least one sample beyond it: 100 for p99), and an
interval needs at least three units; otherwise the figure has no interval (None), and a
verdict on it says so. No interval is narrower than the resolution of one sample.
"""

from __future__ import annotations

import dataclasses
import functools
import math
from collections.abc import Callable, Sequence

import numpy as np

CONFIDENCE_LEVEL = 0.95
MIN_UNITS = 3
MAX_BATCHES = 20
_BOOTSTRAP_SEED = 0x5EED
_BOOTSTRAP_RESAMPLES = 2000
_BOOTSTRAP_ELEMENT_BUDGET = 4_000_000  # resamples x n, bounds the cost for large independent sets

# What an interval is computed for, the function, and how many samples a unit needs for it.
StatisticFn = Callable[[np.ndarray], float]


def _percentile(q: float) -> StatisticFn:
    return lambda x: float(np.percentile(x, q))


def _stdev(x: np.ndarray) -> float:
    return float(np.std(x, ddof=1))


def _cv(x: np.ndarray) -> float:
    mean = float(np.mean(x))
    return float(np.std(x, ddof=1)) / abs(mean) if mean != 0 else math.nan


STATISTICS: dict[str, tuple[StatisticFn, int]] = {
    "mean": (lambda x: float(np.mean(x)), 2),
    # a median of fewer than 5 samples is a mean in disguise: one slow sample moves it
    "median": (lambda x: float(np.median(x)), 5),
    "p90": (_percentile(90.0), 10),
    "p95": (_percentile(95.0), 20),
    "p99": (_percentile(99.0), 100),
    "p999": (_percentile(99.9), 1000),
    "stdev": (_stdev, 3),
    "cv": (_cv, 3),
}


_LOCATIONS = ("mean", "median", "p90", "p95", "p99", "p999")


@dataclasses.dataclass(frozen=True, slots=True)
class NoiseUnits:
    """The groups of samples that vary independently, and what they are."""

    kind: str  # processes | batches | independent | single
    groups: tuple[np.ndarray, ...]  # for "batches", the samples the batches are cut from
    processes: int = 1  # how many processes took the samples

    @property
    def count(self) -> int:
        """Units an interval stands on (for batches: as many as the median gets)."""
        if self.kind == "batches":
            return min(MAX_BATCHES, self.groups[0].size // STATISTICS["median"][1])
        return len(self.groups)


def noise_units(samples: np.ndarray, segments: Sequence[tuple[int, int]] | None = None) -> NoiseUnits:
    """How the samples group into independent units. ``segments`` lists, in sample order,
    (process, count) for each run of samples one process took in one go; None means one
    process took them all."""
    n = samples.size
    if n < 2:
        return NoiseUnits("single", (samples,))
    if not segments:
        segments = ((0, n),)
    if sum(count for _, count in segments) != n:
        raise ValueError(f"segments cover {sum(c for _, c in segments)} samples, the measurement has {n}")
    by_process: dict[int, list[np.ndarray]] = {}
    runs = []
    start = 0
    for process, count in segments:
        run = samples[start:start + count]
        by_process.setdefault(process, []).append(run)
        runs.append(run)
        start += count
    processes = len(by_process)
    if processes == n:  # one sample per process: every sample is its own unit
        return NoiseUnits("independent", tuple(samples[i:i + 1] for i in range(n)), processes)
    if processes >= MIN_UNITS:
        return NoiseUnits("processes", tuple(np.concatenate(parts) for parts in by_process.values()), processes)
    return NoiseUnits("batches", (np.concatenate(runs),), processes)


def _batches(samples: np.ndarray, min_size: int) -> list[np.ndarray]:
    count = min(MAX_BATCHES, samples.size // min_size)
    if count < MIN_UNITS:
        return []
    return list(np.array_split(samples, count))


@functools.lru_cache(maxsize=256)
def t_quantile(level: float, degrees_of_freedom: int) -> float:
    """The two-sided Student t quantile for ``level`` (0.95 -> t(0.975, dof))."""
    from scipy.special import stdtrit  # imported when needed: scipy.stats costs ~0.4 s to import

    return float(stdtrit(degrees_of_freedom, 0.5 + level / 2.0))


def t_interval(point: float, unit_values: np.ndarray, min_units: int = MIN_UNITS) -> tuple[float, float] | None:
    values = unit_values[np.isfinite(unit_values)]
    k = values.size
    if k < min_units:
        return None
    half = t_quantile(CONFIDENCE_LEVEL, k - 1) * float(np.std(values, ddof=1)) / math.sqrt(k)
    return point - half, point + half


def _bootstrap(samples: np.ndarray, fn: StatisticFn, name: str) -> tuple[float, float] | None:
    n = samples.size
    if n < MIN_UNITS:
        return None
    resamples = max(200, min(_BOOTSTRAP_RESAMPLES, _BOOTSTRAP_ELEMENT_BUDGET // n))
    picks = np.random.default_rng(_BOOTSTRAP_SEED).integers(0, n, size=(resamples, n))
    drawn = samples[picks]
    if name in ("mean", "median") or name.startswith("p"):
        vectorised = {"mean": lambda d: np.mean(d, axis=1), "median": lambda d: np.median(d, axis=1)}
        q = {"p90": 90.0, "p95": 95.0, "p99": 99.0, "p999": 99.9}.get(name)
        values = vectorised[name](drawn) if q is None else np.percentile(drawn, q, axis=1)
    else:
        values = np.array([fn(row) for row in drawn])
    values = values[np.isfinite(values)]
    if values.size == 0:
        return None
    alpha = (1.0 - CONFIDENCE_LEVEL) / 2.0
    low, high = np.quantile(values, [alpha, 1.0 - alpha])
    return float(low), float(high)


def unit_figures(units: NoiseUnits, name: str) -> np.ndarray:
    """Statistic ``name`` computed in each unit that holds enough samples for it: each
    process, each batch, or each independent run's own value. The spread of these is the
    noise a rerun sees (processes, runs) or the noise inside these processes (batches)."""
    fn, min_size = STATISTICS[name]
    if units.kind == "independent":
        return np.concatenate(units.groups)
    if units.kind == "processes":
        groups = [g for g in units.groups if g.size >= min_size]
    elif units.kind == "batches":
        groups = _batches(units.groups[0], min_size)
    else:
        groups = []
    return np.array([fn(g) for g in groups], dtype=np.float64)


def interval(units: NoiseUnits, name: str, point: float, resolution: float = 0.0) -> tuple[float, float] | None:
    """The 95 % interval of statistic ``name`` (a key of STATISTICS) whose value over all
    samples is ``point``; None where the samples cannot support one."""
    fn, min_size = STATISTICS[name]
    if units.kind == "single" or not math.isfinite(point):
        return None
    if units.kind == "independent":
        values = np.concatenate(units.groups)
        if name in ("mean", "median"):  # Student-t over the runs: honest down to two of them
            found = t_interval(point, values, min_units=2)
        else:
            found = _bootstrap(values, fn, name) if values.size >= max(min_size, MIN_UNITS) else None
    else:
        figures = unit_figures(units, name)
        found = t_interval(point, figures) if figures.size >= MIN_UNITS else None
    if found is None:
        return None
    low, high = min(found[0], point), max(found[1], point)  # never excludes its own point estimate
    if name in _LOCATIONS:  # a median or percentile cannot lie beyond the samples it is taken from
        everything = np.concatenate(units.groups)
        low, high = max(low, float(everything.min())), min(high, float(everything.max()))
    floor = resolution / 2.0
    return min(low, point - floor), max(high, point + floor)


def describe(units: NoiseUnits) -> str:
    """How the intervals of a measurement were made, for reports and verdicts."""
    if units.kind == "processes":
        return f"between {units.count} processes"
    if units.kind == "batches":
        where = "one process" if units.processes == 1 else f"{units.processes} processes"
        return f"between {units.count} batches of samples from {where} (a rerun in new processes may differ by more)"
    if units.kind == "independent":
        return f"bootstrap over {units.count} independent runs"
    return "one sample: no interval"


def figure_over_repeats(values: Sequence[float], processes: Sequence[int]) -> tuple[float, tuple[float, float] | None, str]:
    """A figure a workload reported once per iteration: its mean over the iterations, the
    Student-t interval over them (three or more, or two from separate processes), and how
    the interval was made. One value gives no interval."""
    data = np.asarray(values, dtype=np.float64)
    point = float(np.mean(data))
    distinct = len(set(processes))
    where = "one process" if distinct == 1 else f"{distinct} processes"
    found = t_interval(point, data, min_units=2 if distinct == data.size else MIN_UNITS)
    if found is not None and data.min() >= 0:  # a figure never seen below zero (a time, a size) stays there
        found = (max(found[0], 0.0), found[1])
    if found is None:
        return point, None, ("one observation (no interval)" if data.size == 1
                             else f"{data.size} iterations: too few for an interval")
    return point, found, f"between {data.size} iterations in {where}"
