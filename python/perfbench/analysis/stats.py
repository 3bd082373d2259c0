"""Descriptive statistics of a sample set, computed with numpy.

Choices, stated plainly:
* stdev is the sample standard deviation (ddof=1); with one sample it is undefined and
  reported as None, not 0, and so is the CV.
* Percentiles use numpy's default linear interpolation between order statistics.
* MAD is the raw median absolute deviation from the median (not scaled by 1.4826).
* Every statistic that has one gets a 95 % confidence interval that is honest about where
  the noise is: between processes, between batches of one process's time-ordered samples,
  or a bootstrap over independent runs (``analysis/intervals.py``). ``ci_low``/``ci_high``
  are the median's; ``intervals`` holds them all. A statistic the samples cannot support
  an interval for has none (None), never a zero-width one.
* Outliers are classified with Tukey's fences (mild beyond 1.5 IQR, severe beyond 3 IQR
  from the quartiles) and counted, never dropped. The high severe ones are reported as
  **interference**: a sample that an interrupt or a preemption landed in reads several
  times slower than its neighbours, and says more about the host than about the code.
* ``robust_cv`` is the spread of the samples without the interference: 1.4826 x MAD /
  median (for normal data it equals the CV). ``cv`` keeps its textbook meaning over all
  samples, interference included.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Any

import numpy as np

from perfbench.analysis import intervals as intervals_module

PERCENTILES = (50.0, 90.0, 95.0, 99.0, 99.9)
CONFIDENCE_LEVEL = intervals_module.CONFIDENCE_LEVEL
MAD_TO_SIGMA = 1.4826  # MAD x this estimates the standard deviation of normal data


@dataclasses.dataclass(frozen=True, slots=True)
class OutlierCounts:
    low_mild: int
    low_severe: int
    high_mild: int
    high_severe: int

    @property
    def total(self) -> int:
        return self.low_mild + self.low_severe + self.high_mild + self.high_severe


@dataclasses.dataclass(frozen=True, slots=True)
class SampleStats:
    n: int
    mean: float
    median: float
    stdev: float | None
    min: float
    max: float
    p50: float
    p90: float
    p95: float
    p99: float
    p999: float
    mad: float
    cv: float | None
    ci_low: float | None  # the median's 95 % interval; None where the samples support none
    ci_high: float | None
    outliers: OutlierCounts
    robust_cv: float | None = None
    # name -> (low, high) 95 % interval, for the statistics that have one (see intervals.STATISTICS)
    intervals: Mapping[str, tuple[float, float]] = dataclasses.field(default_factory=dict)
    noise: str = ""  # how the intervals were made: between processes, batches, independent runs
    noise_kind: str = "single"  # processes | batches | independent | single
    noise_units: int = 1

    def __post_init__(self) -> None:
        object.__setattr__(self, "intervals", MappingProxyType(
            {name: (float(low), float(high)) for name, (low, high) in dict(self.intervals).items()}))

    @property
    def interference(self) -> int:
        """Samples an interrupt or preemption landed in (beyond the high severe fence)."""
        return self.outliers.high_severe

    def interval(self, name: str) -> tuple[float, float] | None:
        """The 95 % interval of ``mean``, ``median``, ``p90`` ... ``p999``, ``stdev`` or ``cv``."""
        return self.intervals.get(name.replace(".", ""))

    _UNITLESS = ("n", "cv", "robust_cv", "outliers", "noise", "noise_kind", "noise_units")

    def scaled(self, factor: float) -> SampleStats:
        """The same statistics in another unit (e.g. ns -> TSC ticks); counts and ratios unchanged."""
        values: dict[str, Any] = {}
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            if field.name in self._UNITLESS or value is None:
                values[field.name] = value
            elif field.name == "intervals":
                values[field.name] = {k: (lo, hi) if k == "cv" else (lo * factor, hi * factor)
                                      for k, (lo, hi) in value.items()}
            else:
                values[field.name] = value * factor
        return SampleStats(**values)

    def percentile(self, name: str) -> float:
        """`p50`, `p90`, `p95`, `p99`, `p99.9`/`p999`."""
        key = name.replace(".", "")
        if key not in ("p50", "p90", "p95", "p99", "p999"):
            raise KeyError(name)
        return getattr(self, key)

    def to_dict(self) -> dict[str, Any]:
        data = {field.name: getattr(self, field.name) for field in dataclasses.fields(self)}
        data["outliers"] = dataclasses.asdict(self.outliers)
        data["intervals"] = {name: list(bounds) for name, bounds in self.intervals.items()}
        return data

    @staticmethod
    def from_dict(data: Mapping[str, Any]) -> SampleStats:
        values = dict(data)
        values["outliers"] = OutlierCounts(**values["outliers"])
        values["intervals"] = {name: tuple(bounds) for name, bounds in values.get("intervals", {}).items()}
        return SampleStats(**values)


def summarize(samples: np.ndarray | list[float], segments: Sequence[tuple[int, int]] | None = None,
              resolution: float = 0.0) -> SampleStats:
    """Statistics of a sample set. ``segments``: (process, count) per run of samples one
    process took in one go, in sample order (None: one process took them all);
    ``resolution``: the smallest step one sample can resolve (no interval is narrower)."""
    data = np.asarray(samples, dtype=np.float64)
    if data.ndim != 1 or data.size == 0:
        raise ValueError("summarize needs a non-empty one-dimensional sample set")
    if not np.all(np.isfinite(data)):
        raise ValueError("samples contain NaN or infinity")
    n = int(data.size)
    mean = float(np.mean(data))
    p50, p90, p95, p99, p999 = (float(v) for v in np.percentile(data, PERCENTILES))
    median = p50
    stdev = float(np.std(data, ddof=1)) if n > 1 else None
    cv = stdev / abs(mean) if stdev is not None and mean != 0 else None
    mad = float(np.median(np.abs(data - median)))
    robust_cv = MAD_TO_SIGMA * mad / abs(median) if median != 0 else None
    units = intervals_module.noise_units(data, segments)
    points = {"mean": mean, "median": median, "p90": p90, "p95": p95, "p99": p99, "p999": p999,
              "stdev": stdev, "cv": cv}
    found = {}
    for name, point in points.items():
        if point is None:
            continue
        bounds = intervals_module.interval(units, name, point, 0.0 if name == "cv" else resolution)
        if bounds is not None:
            found[name] = bounds
    median_interval = found.get("median")
    return SampleStats(
        n=n, mean=mean, median=median, stdev=stdev,
        min=float(np.min(data)), max=float(np.max(data)),
        p50=p50, p90=p90, p95=p95, p99=p99, p999=p999,
        mad=mad, cv=cv, ci_low=median_interval[0] if median_interval else None,
        ci_high=median_interval[1] if median_interval else None,
        outliers=tukey_outliers(data), robust_cv=robust_cv, intervals=found,
        noise=intervals_module.describe(units), noise_kind=units.kind, noise_units=units.count,
    )


def tukey_outliers(data: np.ndarray) -> OutlierCounts:
    q1, q3 = np.percentile(data, [25.0, 75.0])
    iqr = q3 - q1
    mild_low, severe_low = q1 - 1.5 * iqr, q1 - 3.0 * iqr
    mild_high, severe_high = q3 + 1.5 * iqr, q3 + 3.0 * iqr
    return OutlierCounts(
        low_mild=int(np.count_nonzero((data < mild_low) & (data >= severe_low))),
        low_severe=int(np.count_nonzero(data < severe_low)),
        high_mild=int(np.count_nonzero((data > mild_high) & (data <= severe_high))),
        high_severe=int(np.count_nonzero(data > severe_high)),
    )

