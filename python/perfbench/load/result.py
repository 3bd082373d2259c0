"""What a load test measured: ``LoadResult``, immutable once built.

Latency is reported twice: **corrected**, from each request's *intended* send time (what a user
arriving on schedule would have waited, stalls included), and **uncorrected**, from the moment
it was actually written (what a closed-loop tool reports). The send lag is the generator's own
lateness. Only responses with a status below 400 are in the latency histograms; everything
else is counted by kind (``errors``, ``status``, ``rate_limited``). Every scheduled request ends
as a response, an error, or (when the run was stopped early) ``cancelled``: none is dropped.

The verdict says who set the pace: **invalid: generator-bound** when the client could not keep
its schedule (generator_bound.py; it takes precedence), **target not reached: server-bound**
when it did but the responses fell short of the schedule, overall or in a whole 1 s window
(target_shortfall.py, with the tolerance and why), else **valid**.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from perfbench.load.generator_bound import generator_bound_reasons
from perfbench.load.options import LoadOptions
from perfbench.load.recovery import Recovery, recovery_after_burst
from perfbench.load.target_shortfall import TargetShortfall, target_shortfall

# The spectrum every report shows, in percent.
PERCENTILES = (0.0, 50.0, 75.0, 90.0, 95.0, 99.0, 99.9, 99.99, 100.0)
ERROR_KINDS = ("connect_refused", "connect_failed", "reset", "timeout", "malformed")
STATUS_CLASSES = ("status_1xx", "status_2xx", "status_3xx", "status_4xx", "status_5xx")


def spectrum(histogram: Any, percentiles: Sequence[float] = PERCENTILES) -> np.ndarray:
    """ns at each percentile, as a uint64 array, read in one pass over the buckets."""
    return histogram.percentiles(np.asarray(percentiles, dtype=np.float64))


def percentile_label(percentile: float) -> str:
    """``min``, ``p50``, ``p99.9``, ``max``."""
    return "min" if percentile == 0 else "max" if percentile == 100 else f"p{percentile:g}"


def finished_requests(counts: Mapping[str, int]) -> int:
    """Requests that ended in an answer or an error (not cancelled, not still in flight)."""
    return counts["completed"] + sum(counts[k] for k in ERROR_KINDS)


def error_rate_of(counts: Mapping[str, int]) -> float:
    """Failed requests (errors by kind, 429s, other 4xx and 5xx) over the finished ones."""
    finished = finished_requests(counts)
    failed = sum(counts[k] for k in ERROR_KINDS) + counts["rate_limited"] + counts["status_4xx"] + counts["status_5xx"]
    return failed / finished if finished else 0.0


def with_rates(row: Mapping[str, Any], scheduled_until_s: float | None = None) -> dict[str, Any]:
    """A timeline row with its achieved rate (responses per second) and error rate.

    A window is whole when the engine lived through all of it (``span_s`` 1), or when it ended
    early only because the schedule had nothing more to send in it: it lies inside the span the
    run was scheduled to send over (``scheduled_until_s``, given for a run that was not stopped),
    and the engine ended after its last response (2,000 responses in 999.6 ms at 2,000/s). Its
    rate is its responses in that second. The other window that ends with the run is
    ``partial``: the tail after the last second of sending (one response in 0.7 ms, which over
    its span would read 1,400/s), or the second in which a run was stopped. Its counts and
    latencies are real and kept; its ``rate`` is None, because a figure over a span that is not
    a whole second of the schedule is not comparable with the others, and a labelled one would
    still be charted or averaged beside them. The run's ``achieved_rate`` counts all its
    responses over the sending span."""
    out = dict(row)
    inside_schedule = scheduled_until_s is not None and row["second"] + 1 <= scheduled_until_s + 1e-9
    out["partial"] = row["span_s"] < 1.0 and not inside_schedule
    out["rate"] = None if out["partial"] else float(row["completed"])  # per whole second
    out["error_rate"] = error_rate_of(row)
    return out


@dataclasses.dataclass(frozen=True)
class LoadResult:
    options: LoadOptions
    counters: Mapping[str, int]
    corrected: Any  # perfbench._core.LatencyHistogram, ns
    uncorrected: Any
    lag: Any
    stage_corrected: tuple[Any, ...]
    stage_starts_s: tuple[float, ...]
    timeline: tuple[Mapping[str, Any], ...]  # one row a second, see with_rates
    wall_s: float
    thread_cpu_s: tuple[float, ...]
    stop_reason: str  # completed | stopped | interrupted | sla
    sla_breach: Mapping[str, Any] | None = None  # the rule that stopped the run, and when
    realtime_threads: int = 0  # engine threads that ran under SCHED_FIFO (options.realtime)

    # -- figures ----------------------------------------------------------------------------
    @property
    def percentiles(self) -> np.ndarray:
        return np.array(PERCENTILES)

    @property
    def corrected_spectrum(self) -> np.ndarray:
        return spectrum(self.corrected)

    @property
    def uncorrected_spectrum(self) -> np.ndarray:
        return spectrum(self.uncorrected)

    @property
    def lag_summary(self) -> dict[str, int]:
        return {"p50": self.lag.value_at_percentile(50), "p99": self.lag.value_at_percentile(99), "max": self.lag.max}

    @property
    def errors(self) -> dict[str, int]:
        return {kind: self.counters[kind] for kind in ERROR_KINDS}

    @property
    def status(self) -> dict[str, int]:
        return {kind: self.counters[kind] for kind in STATUS_CLASSES}

    @property
    def sending_s(self) -> float:
        """The span requests were sent over: the planned one (shorter if the run was stopped), or the
        wall time for a run bounded by its request count."""
        planned = self.options.sending_s
        if planned is None:
            return self.wall_s
        return planned if self.stop_reason == "completed" else min(planned, self.wall_s)

    @property
    def achieved_rate(self) -> float:
        """Responses per second over the sending span."""
        return self.counters["completed"] / self.sending_s if self.sending_s > 0 else 0.0

    @property
    def target_rate(self) -> float | None:
        """The schedule's mean rate (open loop), None for a closed loop."""
        stages = self.options.stages
        if self.options.closed:
            return None
        planned = self.options.sending_s
        if planned is None:
            return stages[-1].rate
        return sum(s.rate * s.duration_s for s in stages) / planned

    @property
    def error_rate(self) -> float:
        return error_rate_of(self.counters)

    @property
    def client_cpu_per_request_s(self) -> float | None:
        """Engine threads' CPU time per finished request."""
        finished = finished_requests(self.counters)
        return sum(self.thread_cpu_s) / finished if finished else None

    # -- verdicts ---------------------------------------------------------------------------
    @property
    def generator_bound(self) -> tuple[str, ...]:
        """Why the run is invalid as a measurement of the server (empty when it is valid)."""
        return generator_bound_reasons(closed=self.options.closed, lag_p99_ns=self.lag.value_at_percentile(99),
                                       lag_bound_s=self.options.lag_bound_s, thread_cpu_s=self.thread_cpu_s,
                                       wall_s=self.wall_s)

    @property
    def target_shortfall(self) -> TargetShortfall | None:
        """How far an open loop's responses fell short of its schedule (None for a closed loop)."""
        if self.options.closed or self.target_rate is None:
            return None
        return target_shortfall(target_rate=self.target_rate, achieved_rate=self.achieved_rate,
                                counters=self.counters, timeline=self.timeline)

    @property
    def server_bound(self) -> tuple[str, ...]:
        """Why the target was not reached although the generator kept its schedule (empty otherwise)."""
        if self.generator_bound:
            return ()  # a late generator's shortfall is its own (generator_bound says why)
        shortfall = self.target_shortfall
        return shortfall.reasons() if shortfall is not None else ()

    @property
    def verdict(self) -> str:
        """``invalid: generator-bound`` (the client set the pace; takes precedence), ``target not
        reached: server-bound`` (the responses fell short of a kept schedule, see
        target_shortfall.py), or ``valid``."""
        if self.generator_bound:
            return "invalid: generator-bound"
        return "target not reached: server-bound" if self.server_bound else "valid"

    @property
    def recovery(self) -> Recovery | None:
        """After a burst (``burst=``), how long until the p99 was back to the baseline's."""
        burst = self.options.burst_stage
        if burst is None or self.stage_corrected[0].count == 0:
            return None
        return recovery_after_burst(self.stage_corrected[0].value_at_percentile(99),
                                    self.stage_starts_s[burst + 1], self.timeline)

    # -- storing ----------------------------------------------------------------------------
    def save(self, name: str, *, lane: str = "heavy", store: Any = None, sla: Sequence[str] = ()) -> int:
        """Stores this test as a run of one load benchmark ``lane/name`` (store: a path or URL,
        default ``.perfbench/results.db``), with ``sla`` rules judged on it; returns the run id.
        History, baselines, ``compare`` and the reports then work on it as on a lane's."""
        from perfbench.load.storing import save

        return save(self, name, lane=lane, store=store, sla=sla)

    # -- views ------------------------------------------------------------------------------
    def timeline_frame(self):  # -> pandas.DataFrame
        import pandas as pd

        return pd.DataFrame(list(self.timeline))

    def to_dict(self) -> dict[str, Any]:
        """JSON-able: figures in ns, rates per second, histograms as (bucket upper edge, count) pairs."""
        recovery = self.recovery
        shortfall = self.target_shortfall
        return {
            "options": self.options.to_dict(),
            "counters": dict(self.counters),
            "percentiles": list(PERCENTILES),
            "corrected_ns": self.corrected_spectrum.tolist(),
            "uncorrected_ns": self.uncorrected_spectrum.tolist(),
            "lag_ns": self.lag_summary,
            "achieved_rate": self.achieved_rate,
            "target_rate": self.target_rate,
            "error_rate": self.error_rate,
            "wall_s": self.wall_s,
            "sending_s": self.sending_s,
            "thread_cpu_s": list(self.thread_cpu_s),
            "realtime_threads": self.realtime_threads,
            "client_cpu_per_request_s": self.client_cpu_per_request_s,
            "verdict": self.verdict,
            "generator_bound": list(self.generator_bound),
            "server_bound": list(self.server_bound),
            "target_shortfall": shortfall.to_dict() if shortfall else None,
            "recovery": recovery.to_dict() if recovery else None,
            "stop_reason": self.stop_reason,
            "sla_breach": dict(self.sla_breach) if self.sla_breach else None,
            "timeline": [dict(row) for row in self.timeline],
            "histograms": {name: [list(b) for b in h.nonzero_buckets()] for name, h in
                           (("corrected", self.corrected), ("uncorrected", self.uncorrected), ("lag", self.lag))},
            "stages": [{"start_s": start, "corrected_p99_ns": h.value_at_percentile(99), "count": h.count}
                       for start, h in zip(self.stage_starts_s, self.stage_corrected)],
        }
