"""Descriptive statistics of a sample set, computed with numpy.

Choices, stated plainly:
* stdev is the sample standard deviation (ddof=1); with one sample it is undefined and
  reported as None, not 0, and so is the CV.
* Percentiles use numpy's default linear interpolation between order statistics.
* MAD is the raw median absolute deviation from the median (not scaled by 1.4826).
* The confidence interval of the median is a percentile bootstrap (2,000 resamples, or
  fewer for very large sets so it stays under ~0.1 s) with a fixed seed, so the same data
  always gives the same interval.
* Outliers are classified with Tukey's fences (mild beyond 1.5 IQR, severe beyond 3 IQR
  from the quartiles) and counted, never dropped.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

PERCENTILES = (50.0, 90.0, 95.0, 99.0, 99.9)
CONFIDENCE_LEVEL = 0.95
_BOOTSTRAP_SEED = 0x5EED
_BOOTSTRAP_ELEMENT_BUDGET = 20_000_000  # resamples x n, bounds the bootstrap's cost


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
    ci_low: float
    ci_high: float
    outliers: OutlierCounts

    def scaled(self, factor: float) -> SampleStats:
        """The same statistics in another unit (e.g. ns -> TSC ticks); counts unchanged."""
        values = {}
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            if field.name in ("n", "cv", "outliers") or value is None:
                values[field.name] = value
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
        return dataclasses.asdict(self)

    @staticmethod
    def from_dict(data: dict[str, Any]) -> SampleStats:
        values = dict(data)
        values["outliers"] = OutlierCounts(**values["outliers"])
        return SampleStats(**values)


def summarize(samples: np.ndarray | list[float]) -> SampleStats:
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
    ci_low, ci_high = bootstrap_median_ci(data)
    return SampleStats(
        n=n, mean=mean, median=median, stdev=stdev,
        min=float(np.min(data)), max=float(np.max(data)),
        p50=p50, p90=p90, p95=p95, p99=p99, p999=p999,
        mad=mad, cv=cv, ci_low=ci_low, ci_high=ci_high,
        outliers=tukey_outliers(data),
    )


def bootstrap_median_ci(data: np.ndarray, level: float = CONFIDENCE_LEVEL,
                        resamples: int = 2000) -> tuple[float, float]:
    n = data.size
    if n == 1:
        return float(data[0]), float(data[0])
    resamples = max(200, min(resamples, _BOOTSTRAP_ELEMENT_BUDGET // n))
    rng = np.random.default_rng(_BOOTSTRAP_SEED)
    chunk = max(1, min(resamples, 4_000_000 // n))
    medians = np.empty(resamples)
    for start in range(0, resamples, chunk):
        stop = min(resamples, start + chunk)
        picks = rng.integers(0, n, size=(stop - start, n))
        medians[start:stop] = np.median(data[picks], axis=1)
    alpha = (1.0 - level) / 2.0
    low, high = np.quantile(medians, [alpha, 1.0 - alpha])
    return float(low), float(high)


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

