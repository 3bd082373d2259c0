"""A load test as a stored benchmark: each iteration's record, and the figures read back.

A load benchmark (kind ``load``) runs one bounded load test per iteration. Its iteration keeps
``IterationRecord.load``, written by ``load_record`` (format 1): ``LoadResult.to_dict()`` with the
corrected, uncorrected and send-lag histograms (and each stage's corrected one) as compact
``PBHS`` blobs in base64 instead of bucket lists, plus the memory the generator and the server
held, sampled once a second. Histograms merge exactly, so a benchmark's spectrum over all its
counted iterations is that of every request they sent (``LoadSummary``).

**What the benchmark's samples are.** A comparison and the run's statistics work on samples; a
load iteration's samples are the corrected median latency of each whole 1 s window
(``window_samples``). Their median is what a comparison with a baseline compares, as it compares
every benchmark's median: the typical request's latency at the target rate. Not the window p99:
on this 2-core shared machine a 1 s window's p99 at a few hundred requests per second is one
neighbour's preemption; over five iterations of a quiet server it moved between 0.35 and 54 ms,
so no change short of a hundredfold could be told from it (tests/test_load_benchmarks.py). The
tail is judged by SLA rules on the run's pooled p99 and shown whole in every report. The run's
own overall figures (every request pooled) are metrics named as the load SLA rules name them:
``p50`` ... ``p99.9``, ``max`` (the corrected latency; ``latency_*`` in the store),
``uncorrected_*``, ``lag_*``, ``rate``, ``target_rate``, ``rate_of_target``, ``error_rate`` (of
requests), ``rate_limited_share``, ``other_error_rate`` (failures other than 429), and the memory growth of the generator and of the built-in
server (``*_rss_growth``).

**Intervals.** Requests in one second share the machine's state, so they are not independent
draws and an order-statistics interval over millions of them would be far too narrow. The
windows are the batches instead (the batch-quantiles method): the 95 % interval of the run's p99
is its value times ``exp(+-t * s / sqrt(W))``, ``s`` the standard deviation of the log window p99s
over ``W`` whole windows (likewise p50 from the window p50s, and the rate from the window rates).
"""

from __future__ import annotations

import base64
import dataclasses
import math
from collections.abc import Mapping, Sequence
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np

from perfbench.load.result import PERCENTILES, error_rate_of, finished_requests
from perfbench.model import Measurement, Metric, MeasurementError

if TYPE_CHECKING:
    from perfbench.load.result import LoadResult
    from perfbench.model import BenchmarkResult, IterationRecord

RECORD_FORMAT = 1
# Memory is compared from the first sample after this share of the run to the last: the first
# seconds allocate connections, buffers and the histograms' pages, which is growth but not a leak.
MEMORY_WARMUP_SHARE = 0.25
MIN_MEMORY_SAMPLES = 4
# The figures a generator-bound iteration makes unusable: they describe the generator's delays.
SERVER_FIGURES = ("median", "mean", "min", "max", "p50", "p90", "p95", "p99", "p99.9", "p999",
                  "latency_min", "latency_p50", "latency_p90", "latency_p95", "latency_p99", "latency_p999",
                  "latency_max", "latency_mean", "uncorrected_p50", "uncorrected_p99", "uncorrected_p999",
                  "uncorrected_max", "rate", "rate_of_target")
# What a load rule's statistic names mean for a load benchmark: the pooled corrected latency.
LATENCY_NAMES = {"min": "latency_min", "p50": "latency_p50", "median": "latency_p50", "p90": "latency_p90",
                 "p95": "latency_p95", "p99": "latency_p99", "p99.9": "latency_p999", "p999": "latency_p999",
                 "max": "latency_max", "mean": "latency_mean"}


def _blob(histogram: Any) -> str:
    return base64.b64encode(histogram.to_bytes()).decode("ascii")


def _histogram(blob: str) -> Any:
    from perfbench import _core

    return _core.LatencyHistogram.from_bytes(base64.b64decode(blob))


def load_record(result: LoadResult, memory: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """What the store keeps of one load test iteration (JSON-able)."""
    record = result.to_dict()
    record["format"] = RECORD_FORMAT
    record["histograms"] = {"corrected": _blob(result.corrected), "uncorrected": _blob(result.uncorrected),
                            "lag": _blob(result.lag)}
    for stage, histogram in zip(record["stages"], result.stage_corrected):
        stage["corrected"] = _blob(histogram)
    record["memory"] = dict(memory) if memory else None
    return record


def window_samples(timeline: Sequence[Mapping[str, Any]], column: str = "corrected_p50") -> list[float]:
    """``column`` of each whole 1 s window that had a successful response (the engine marks a
    window ``partial`` when it is not a whole second of the schedule: load/result.with_rates)."""
    return [float(row[column]) for row in timeline if not row["partial"] and row["ok"] > 0 and row[column] is not None]


def window_measurement(result: LoadResult, process: int = 0) -> Measurement:
    """A load iteration's samples: each whole window's corrected median; for a run shorter than one
    whole window (bounded by a small request count), its overall corrected median."""
    samples = window_samples(result.timeline) or [float(result.corrected.value_at_percentile(50))]
    return Measurement(samples_ns=samples, iterations_per_sample=1, overhead_ns=0.0, overhead_subtracted=False,
                       clock="clock_monotonic", ticks_per_ns=1.0, wall_seconds=result.wall_s, stopped_by_budget=False,
                       segments=[(process, len(samples))])


def memory_growth(series: Sequence[float]) -> float | None:
    """Relative RSS growth from the end of the warm-up share to the last sample (None: too few)."""
    values = [v for v in series if v and v > 0]
    if len(values) < MIN_MEMORY_SAMPLES:
        return None
    start = values[max(1, math.floor(len(values) * MEMORY_WARMUP_SHARE))]
    return values[-1] / start - 1.0


class LoadRecord:
    """One stored iteration's load figures (``IterationRecord.load``), histograms decoded on use."""

    def __init__(self, record: Mapping[str, Any], iteration: int = 0) -> None:
        if record.get("format") != RECORD_FORMAT:
            raise ValueError(f"load record format {record.get('format')!r} is not {RECORD_FORMAT}")
        self.record = record
        self.iteration = iteration

    @cached_property
    def corrected(self) -> Any:
        return _histogram(self.record["histograms"]["corrected"])

    @cached_property
    def uncorrected(self) -> Any:
        return _histogram(self.record["histograms"]["uncorrected"])

    @cached_property
    def lag(self) -> Any:
        return _histogram(self.record["histograms"]["lag"])

    timeline = property(lambda self: self.record["timeline"])
    counters = property(lambda self: self.record["counters"])
    options = property(lambda self: self.record["options"])
    verdict = property(lambda self: self.record["verdict"])
    memory = property(lambda self: self.record.get("memory"))
    recovery = property(lambda self: self.record.get("recovery"))

    @property
    def generator_bound(self) -> tuple[str, ...]:
        return tuple(self.record.get("generator_bound") or ())


@dataclasses.dataclass(frozen=True)
class LoadSummary:
    """A load benchmark's iterations together: every request of every counted iteration."""

    records: tuple[LoadRecord, ...]

    @cached_property
    def corrected(self) -> Any:
        return _merged([r.corrected for r in self.records])

    @cached_property
    def uncorrected(self) -> Any:
        return _merged([r.uncorrected for r in self.records])

    @cached_property
    def lag(self) -> Any:
        return _merged([r.lag for r in self.records])

    @property
    def percentiles(self) -> np.ndarray:
        return np.array(PERCENTILES)

    @property
    def corrected_spectrum(self) -> np.ndarray:
        return self.corrected.percentiles(self.percentiles) if self.corrected.count else np.zeros(len(PERCENTILES))

    @property
    def uncorrected_spectrum(self) -> np.ndarray:
        return (self.uncorrected.percentiles(self.percentiles) if self.uncorrected.count
                else np.zeros(len(PERCENTILES)))

    @property
    def counters(self) -> dict[str, int]:
        total: dict[str, int] = {}
        for record in self.records:
            for name, value in record.counters.items():
                total[name] = total.get(name, 0) + int(value)
        return total

    @property
    def timeline(self) -> list[dict[str, Any]]:
        """Every iteration's windows, each row with its ``iteration``."""
        return [{**row, "iteration": r.iteration} for r in self.records for row in r.timeline]

    @property
    def sending_s(self) -> float:
        return sum(float(r.record["sending_s"]) for r in self.records)

    @property
    def achieved_rate(self) -> float:
        return self.counters.get("completed", 0) / self.sending_s if self.sending_s > 0 else 0.0

    @property
    def target_rate(self) -> float | None:
        targets = [r.record.get("target_rate") for r in self.records]
        if any(t is None for t in targets):
            return None
        spans = [float(r.record["sending_s"]) for r in self.records]
        return sum(t * s for t, s in zip(targets, spans)) / sum(spans) if sum(spans) > 0 else None  # type: ignore[operator]

    @property
    def error_rate(self) -> float:
        return error_rate_of(self.counters)

    @property
    def verdicts(self) -> tuple[str, ...]:
        return tuple(r.verdict for r in self.records)

    @property
    def verdict(self) -> str:
        """The worst iteration's: anything but "valid" is said (the first such)."""
        return next((v for v in self.verdicts if v != "valid"), "valid")

    def memory_growth(self, who: str) -> float | None:
        """The largest growth of ``who`` ("generator" or "server") RSS over the iterations."""
        found = [g for r in self.records if r.memory and (g := memory_growth(r.memory.get(f"{who}_rss") or ()))
                 is not None]
        return max(found) if found else None


def _merged(histograms: Sequence[Any]) -> Any:
    from perfbench import _core

    merged = _core.LatencyHistogram.request_latency()
    for histogram in histograms:
        merged.merge(histogram)
    return merged


def load_records(iterations: Sequence[IterationRecord]) -> tuple[LoadRecord, ...]:
    """The counted, successful iterations' load records, in run order."""
    return tuple(LoadRecord(r.load, r.index) for r in iterations if r.load is not None and r.ok and not r.warmup)


def load_summary(result: BenchmarkResult) -> LoadSummary | None:
    """A stored load benchmark's figures read back (None: not a load benchmark, or nothing ran)."""
    records = load_records(result.iterations)
    return LoadSummary(records) if result.kind == "load" and records else None


def _interval(value: float, windows: Sequence[float]) -> tuple[float | None, float | None, str]:
    """value * exp(+-t s / sqrt(W)) over the windows' logs (the module docstring's batches)."""
    logs = np.log([w for w in windows if w > 0])
    if logs.size < 3 or value <= 0:
        return None, None, f"{logs.size} whole 1 s windows: too few for an interval (3 or more)"
    from scipy import stats

    half = float(stats.t.ppf(0.975, logs.size - 1) * np.std(logs, ddof=1) / math.sqrt(logs.size))
    return value * math.exp(-half), value * math.exp(half), f"between {logs.size} 1 s windows"


def load_metrics(summary: LoadSummary) -> list[Metric]:
    """The benchmark's figures over every counted iteration (names as in the module docstring)."""
    metrics: list[Metric] = []
    corrected, uncorrected, lag = summary.corrected, summary.uncorrected, summary.lag
    timeline = summary.timeline
    if corrected.count:
        spectrum = dict(zip(("p50", "p90", "p95", "p99", "p999"),
                            corrected.percentiles(np.array([50.0, 90.0, 95.0, 99.0, 99.9])).tolist()))
        for name, value in spectrum.items():
            column = {"p50": "corrected_p50", "p99": "corrected_p99"}.get(name)
            low, high, noise = _interval(value, window_samples(timeline, column)) if column else (None, None, "")
            metrics.append(Metric(f"latency_{name}", float(value), "ns", low, high,
                                  noise=noise or "every request pooled (no interval)"))
        metrics += [Metric("latency_min", float(corrected.min), "ns"), Metric("latency_max", float(corrected.max), "ns"),
                    Metric("latency_mean", float(corrected.mean), "ns"),
                    Metric("latency_count", float(corrected.count), "count")]
    if uncorrected.count:
        values = uncorrected.percentiles(np.array([50.0, 99.0, 99.9])).tolist()
        for name, value in zip(("uncorrected_p50", "uncorrected_p99", "uncorrected_p999"), values):
            column = {"uncorrected_p50": "uncorrected_p50", "uncorrected_p99": "uncorrected_p99"}.get(name)
            low, high, noise = _interval(value, window_samples(timeline, column)) if column else (None, None, "")
            metrics.append(Metric(name, float(value), "ns", low, high, noise=noise))
        metrics += [Metric("uncorrected_max", float(uncorrected.max), "ns"),
                    Metric("uncorrected_count", float(uncorrected.count), "count")]
    if lag.count:
        metrics += [Metric("lag_p50", float(lag.value_at_percentile(50)), "ns"),
                    Metric("lag_p99", float(lag.value_at_percentile(99)), "ns"),
                    Metric("lag_max", float(lag.max), "ns")]
    rate = summary.achieved_rate
    low, high, noise = _interval(rate, window_samples(timeline, "rate"))
    metrics.append(Metric("rate", rate, "per_s", low, high, noise=noise))
    target = summary.target_rate
    if target:
        metrics += [Metric("target_rate", target, "per_s"), Metric("rate_of_target", rate / target, "fraction")]
    counters = summary.counters
    finished = finished_requests(counters)
    metrics.append(Metric("error_rate", summary.error_rate, "fraction"))
    if finished:
        rate_limited = counters.get("rate_limited", 0) / finished
        metrics.append(Metric("rate_limited_share", rate_limited, "fraction"))
        # every failure but the 429s: a rate limiter's refusals are its design, the rest are not
        metrics.append(Metric("other_error_rate", max(summary.error_rate - rate_limited, 0.0), "fraction"))
    metrics.append(Metric("requests", float(counters.get("completed", 0)), "count"))
    cpu = sum(sum(r.record.get("thread_cpu_s") or ()) for r in summary.records)
    if finished:
        metrics.append(Metric("client_cpu_per_request", 1e9 * cpu / finished, "ns"))
    for who in ("generator", "server"):
        growth = summary.memory_growth(who)
        if growth is not None:
            metrics.append(Metric(f"{who}_rss_growth", growth, "fraction"))
    recoveries = [r.recovery for r in summary.records if r.recovery]
    if recoveries and all(rec["recovered"] for rec in recoveries):
        metrics.append(Metric("recovery_time", 1e9 * max(rec["recovery_s"] for rec in recoveries), "ns"))
    return metrics


def load_measurement_errors(summary: LoadSummary) -> list[MeasurementError]:
    """A generator-bound iteration makes the server's figures unusable: they are the generator's delays."""
    bound = [r for r in summary.records if r.generator_bound]
    if not bound:
        return []
    first = bound[0]
    return [MeasurementError("generator-bound", SERVER_FIGURES,
                             f"the load generator could not keep its schedule in {len(bound)} of "
                             f"{len(summary.records)} iterations ({'; '.join(first.generator_bound)}): the latency "
                             "and rate figures measure the generator, not the server")]
