"""A load benchmark's figures as every report shows them, read once from its stored iterations.

A load benchmark's samples are window medians, not times per iteration, so the reports do not
show it in their timing tables: each format shows this instead (the dashboard's charts and
table, the Markdown spectrum, the OpenMetrics gauges, the CSV timeline, the terminal's load
table). ``load_figures`` reads ``perfbench.load.stored.load_summary`` once per benchmark
(merging the iterations' histograms) so that every format shows the same numbers.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

from perfbench.load.result import ERROR_KINDS, percentile_label
from perfbench.model import BenchmarkResult

# The errors a load report counts by kind, in the order it shows them: the engine's transport
# errors, then the responses that were not a success.
ERROR_COLUMNS = (*ERROR_KINDS, "rate_limited", "status_4xx", "status_5xx", "cancelled")


@dataclasses.dataclass(frozen=True, slots=True)
class LoadFigures:
    """One load benchmark over all its counted iterations; latencies in ns, rates per second."""

    lane: str
    benchmark: str
    iterations: int
    percentiles: tuple[float, ...]
    corrected_ns: tuple[float, ...]
    uncorrected_ns: tuple[float, ...]
    target_rate: float | None  # None: a closed loop
    achieved_rate: float
    error_rate: float
    requests: int  # responses received
    errors: Mapping[str, int]  # by kind (ERROR_COLUMNS), zeros included
    lag_p50_ns: float
    lag_p99_ns: float
    lag_max_ns: float
    verdict: str  # the worst iteration's ("valid" when all are)
    generator_growth: float | None  # relative RSS growth after warm-up; None: too few samples
    server_growth: float | None
    timeline: tuple[Mapping[str, Any], ...]  # every iteration's per-second rows, each with its iteration

    @property
    def key(self) -> str:
        return f"{self.lane}/{self.benchmark}"

    @property
    def spectrum(self) -> list[tuple[str, float, float]]:
        """(label, corrected ns, uncorrected ns) per percentile, min first."""
        return [(percentile_label(p), c, u) for p, c, u in zip(self.percentiles, self.corrected_ns, self.uncorrected_ns)]

    def corrected(self, percentile: float) -> float:
        return self.corrected_ns[self.percentiles.index(percentile)]

    def uncorrected(self, percentile: float) -> float:
        return self.uncorrected_ns[self.percentiles.index(percentile)]


def load_figures(result: BenchmarkResult) -> LoadFigures | None:
    """The figures of a load benchmark (None for any other kind, or one with no counted iteration)."""
    if result.kind != "load":
        return None
    from perfbench.load.stored import load_summary

    summary = load_summary(result)
    if summary is None:
        return None
    counters = summary.counters
    lag = summary.lag
    return LoadFigures(
        lane=result.lane, benchmark=result.benchmark, iterations=len(summary.records),
        percentiles=tuple(float(p) for p in summary.percentiles),
        corrected_ns=tuple(float(v) for v in summary.corrected_spectrum),
        uncorrected_ns=tuple(float(v) for v in summary.uncorrected_spectrum),
        target_rate=summary.target_rate, achieved_rate=summary.achieved_rate, error_rate=summary.error_rate,
        requests=int(counters.get("completed", 0)),
        errors={kind: int(counters.get(kind, 0)) for kind in ERROR_COLUMNS},
        lag_p50_ns=float(lag.value_at_percentile(50)) if lag.count else 0.0,
        lag_p99_ns=float(lag.value_at_percentile(99)) if lag.count else 0.0,
        lag_max_ns=float(lag.max) if lag.count else 0.0,
        verdict=summary.verdict, generator_growth=summary.memory_growth("generator"),
        server_growth=summary.memory_growth("server"), timeline=tuple(summary.timeline))


def all_load_figures(results: Sequence[BenchmarkResult]) -> list[LoadFigures]:
    """The load benchmarks among ``results``, in their order."""
    return [figures for result in results if (figures := load_figures(result)) is not None]


def rate_text(value: float | None) -> str:
    """``1,000/s``; "closed loop" for a run with no target rate."""
    return "closed loop" if value is None else f"{value:,.0f}/s"


def share_text(value: float | None) -> str:
    """``1.5 %`` (three significant digits); "-" where unknown."""
    return "-" if value is None else f"{100 * value:.3g} %"


def growth_text(value: float | None) -> str:
    """``+2.5 %``; "-" where too few memory samples were taken."""
    return "-" if value is None else f"{100 * value:+.3g} %"
