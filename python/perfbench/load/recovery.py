"""Recovery after a burst: how long after the burst ends the latency is back to normal.

Normal is the corrected p99 of the baseline phase before the burst (from that phase's own
histogram, by intended send time); back is the first 1 s timeline window, starting at or after
the burst's end, whose corrected p99 is within 10 % of it (a window with no successful
response is never "back"). The figure has the timeline's 1 s resolution: 0 means the first
window after the burst was already back.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

TOLERANCE = 0.10


@dataclasses.dataclass(frozen=True, slots=True)
class Recovery:
    baseline_p99_ns: int
    burst_end_s: float
    recovered: bool
    recovery_s: float | None  # None when it did not recover before the run ended
    window_p99_ns: int | None  # the p99 of the first window back within tolerance

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def recovery_after_burst(baseline_p99_ns: int, burst_end_s: float, timeline: Sequence[Mapping[str, Any]]) -> Recovery:
    bound = baseline_p99_ns * (1 + TOLERANCE)
    for row in timeline:
        if row["second"] < burst_end_s or row["ok"] == 0:
            continue
        if row["corrected_p99"] <= bound:
            return Recovery(baseline_p99_ns, burst_end_s, True, row["second"] - burst_end_s, row["corrected_p99"])
    return Recovery(baseline_p99_ns, burst_end_s, False, None, None)
