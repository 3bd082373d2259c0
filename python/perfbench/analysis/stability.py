"""Which benchmarks their own history marks as unstable: a reviewer reading "3 % slower" on
one of them should know that a rerun alone moves it that much.

A benchmark is unstable when, over its measured runs on one host (at least
``comparison.MIN_HISTORY_RUNS`` of them):

* its median moves between runs by ``UNSTABLE_RUN_SD`` or more (the between-run standard
  deviation estimated as the comparison estimates it, ``comparison.run_noise``: successive
  differences of the log medians, the largest left out so that one real step does not count),
  or
* its trend holds ``UNSTABLE_STEPS`` or more steps (it keeps moving to new levels: a layout or
  machine-state effect more often than code, since code changes are rarer than runs).

Pure: reads a ``BenchmarkTrend``, no store.
"""

from __future__ import annotations

from collections.abc import Iterable

from perfbench.analysis.comparison import DEFAULT_THRESHOLD, MIN_HISTORY_RUNS, run_noise
from perfbench.analysis.trend import BenchmarkTrend

# A between-run standard deviation of the default threshold: a rerun of unchanged code then
# lands beyond ±5 % about one time in three (|difference| > 5 % with sd 5 %·√2), which no
# reviewer should read as a change without an interval.
UNSTABLE_RUN_SD = DEFAULT_THRESHOLD
UNSTABLE_STEPS = 2


def unstable_reason(trend: BenchmarkTrend) -> str | None:
    """Why the history marks the benchmark unstable, with the numbers; None when it does not
    (or is too short to say)."""
    medians = [p.median for p in trend.history.measured if p.median is not None]
    if len(medians) < MIN_HISTORY_RUNS:
        return None
    spread = run_noise(medians, 0.0)
    reasons = []
    if spread.relative_sd >= UNSTABLE_RUN_SD:
        reasons.append(f"its median moves {100 * spread.relative_sd:.1f} % (sd) between runs over the last "
                       f"{len(medians)} runs on this host")
    if len(trend.steps) >= UNSTABLE_STEPS:
        reasons.append(f"{len(trend.steps)} steps over the last {len(medians)} runs (runs "
                       + ", ".join(str(s.run_id) for s in trend.steps) + ")")
    return "; ".join(reasons) or None


def unstable_benchmarks(trends: Iterable[BenchmarkTrend]) -> dict[str, str]:
    """Per "lane/benchmark": why it is unstable, for those that are."""
    found = {trend.history.key: unstable_reason(trend) for trend in trends}
    return {key: reason for key, reason in found.items() if reason}
