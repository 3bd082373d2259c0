"""Rule-based recommendations: what to look at, and why, from the numbers of a run.

Each rule is a small function that reads one result (or one verdict) and returns a
Recommendation only when its evidence is present; the evidence string carries the
numbers that triggered it. No evidence, no advice. Priorities: 1 (act first) .. 5.

What failed comes first: every violated SLA rule (priority 1 for error and critical, 2 for a
warning) and every UNSURE one (2), then impossible figures and failed iterations. The same
advice for several benchmarks is one recommendation listing them (a noisy machine makes
most benchmarks noisy: one item, not one per benchmark). An estimated improvement is
computed from the measured numbers, or left out.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Sequence

from perfbench.analysis.plausibility import error_for
from perfbench.model import BenchmarkResult
from perfbench.sla import Verdict, format_value
from perfbench.units import format_duration_ns, format_size

HIGH_CV = 0.10
WAIT_BOUND_BUSY_FRACTION = 0.5
LEAK_MIN_GROWTH_BYTES = 1 << 20
TAIL_RATIO = 3.0
LOW_EFFICIENCY = 0.6
HEADROOM = 0.10
OVERHEAD_SHARE = 0.10
SEVERE_OUTLIER_SHARE = 0.05
# 1.4826 x MAD estimates the standard deviation of the undisturbed bulk of normal-ish samples
# (it ignores up to half of them as outliers): the spread left once the interference is gone.
MAD_TO_STDEV = 1.4826


@dataclasses.dataclass(frozen=True, slots=True)
class Finding:
    """One benchmark's case for a recommendation."""

    benchmark: str
    evidence: str  # the numbers that triggered it
    estimate: str | None = None  # the improvement those numbers allow, or None where they give none
    weight: float = 0.0  # how strong the case is, to show the strongest first


@dataclasses.dataclass(frozen=True, slots=True)
class Recommendation:
    rule: str
    title: str
    priority: int  # 1 (act first) .. 5
    effort: str  # low | medium | high
    steps: tuple[str, ...]
    findings: tuple[Finding, ...]  # the benchmarks it applies to, the strongest case first

    @property
    def benchmarks(self) -> tuple[str, ...]:
        return tuple(f.benchmark for f in self.findings)


def _percent(fraction: float) -> str:
    return f"{100 * fraction:,.0f} %" if fraction >= 1 else f"{100 * fraction:.2g} %"


def _one(benchmark: str, rule: str, title: str, priority: int, effort: str, steps: tuple[str, ...], evidence: str,
         estimate: str | None = None, weight: float = 0.0) -> Recommendation:
    return Recommendation(rule, title, priority, effort, steps, (Finding(benchmark, evidence, estimate, weight),))


# ----------------------------------------------------------------- what failed


_RANK_OF_SEVERITY = {"warning": 1, "error": 2, "critical": 3}
_VIOLATION_STEPS = ("Profile the benchmark against the last run that passed (the store keeps the history)",
                    "Check the rule's threshold still matches what the product needs")
_UNSURE_STEPS = ("Settle it with more samples (a longer --budget) or more worker processes (--processes)",
                 "Or run on a quieter machine: the interval is wide because the figures spread")


def _violated(verdict: Verdict) -> Recommendation | None:
    if verdict.status != "violated":
        return None
    gap = None
    if verdict.measured is not None and verdict.limit:
        missing = abs(verdict.measured - verdict.limit)
        gap = f"{format_value(missing, verdict.unit)} ({100 * missing / abs(verdict.limit):.0f} %) beyond the limit"
    failing = verdict.severity in ("error", "critical")
    title = "SLA rules violated" + (" (error, critical)" if failing else " (warning)")
    return _one(verdict.benchmark, "sla-violated", title, 1 if failing else 2, "medium", _VIOLATION_STEPS,
                f"'{verdict.rule}': {verdict.message}", gap, weight=_RANK_OF_SEVERITY.get(verdict.severity, 0))


def _unsure(verdict: Verdict) -> Recommendation | None:
    if verdict.status != "unsure":
        return None
    settle = f"; to settle it: {verdict.settle}" if verdict.settle else ""
    return _one(verdict.benchmark, "sla-unsure", "SLA rules unsure: the interval straddles the limit", 2, "low",
                _UNSURE_STEPS, f"'{verdict.rule}': {verdict.message}{settle}")


def _measurement_errors(result: BenchmarkResult) -> Recommendation | None:
    if not result.measurement_errors:
        return None
    return _one(result.key, "measurement-error", "Impossible figures: errors of the measurement, not results", 2,
                "medium", ("Measure again on a quieter machine, or with more rounds",
                           "If it repeats, the benchmark measures its sides under different conditions: fix it"),
                "; ".join(error.message for error in result.measurement_errors))


def _failed_iterations(result: BenchmarkResult) -> Recommendation | None:
    failed = [i for i in result.iterations if not i.ok]
    if not failed:
        return None
    first = failed[0].failure
    assert first is not None
    return _one(result.key, "failures", "Fix failing iterations before reading the timings", 1, "medium",
                ("Read the kept stderr tail / traceback (python -m perfbench analyze shows it)",
                 "Reproduce one iteration by hand with the same env and cwd",
                 "Re-run once fixed: failed iterations are excluded from every statistic"),
                f"{len(failed)} of {len(result.iterations)} iterations failed; first: {first.kind}: {first.message}")


# ----------------------------------------------------------------- what the numbers show


def _noisy(result: BenchmarkResult) -> Recommendation | None:
    m = result.measurement
    if m is None or m.stats.cv is None or m.stats.n < 3 or m.stats.cv <= HIGH_CV:
        return None
    s = m.stats
    bulk = MAD_TO_STDEV * s.mad / s.median if s.median > 0 else None
    estimate = f"CV ~{_percent(bulk)} undisturbed (1.48 MAD / median)" if bulk is not None else None
    return _one(result.key, "high-cv", "Noisy measurements: isolate or pin the CPUs", 2 if s.cv > 2 * HIGH_CV else 3,
                "low", ("Pin the benchmark to a quiet core (taskset -c N, or isolcpus/cset shield)",
                        "Set the CPU governor to 'performance' and disable turbo for the run",
                        "Stop other work on the machine; on shared VMs compare only within one run",
                        "Raise iterations so the median's confidence interval narrows"),
                f"CV {_percent(s.cv)} over {s.n} samples", estimate, weight=s.cv)


def _wait_bound(result: BenchmarkResult) -> Recommendation | None:
    user, system = result.metric("cpu_user_time"), result.metric("cpu_system_time")
    m = result.measurement
    if m is None or user is None or system is None or m.stats.mean < 10e6:
        return None
    cpu_ns = user.value + system.value
    busy = cpu_ns / m.stats.mean
    if busy >= WAIT_BOUND_BUSY_FRACTION:
        return None
    io = [f"{name.removeprefix('io_').replace('_bytes', '')} {format_size(metric.value)}"
          for name in ("io_read_bytes", "io_write_bytes") if (metric := result.metric(name)) and metric.value > 0]
    return _one(result.key, "wait-bound", "Wall time far exceeds CPU time: I/O- or wait-bound", 2, "medium",
                ("Find what it waits on: strace -f -c (syscalls), iostat -x 1 (disk), network round trips",
                 "Cache or prefetch inputs; batch small reads and writes",
                 "Overlap independent waits (parallel downloads, async I/O)"),
                f"wall {format_duration_ns(m.stats.mean)} vs CPU {format_duration_ns(cpu_ns)} per iteration "
                f"({100 * busy:.0f} % busy)" + (f"; block I/O per iteration: {', '.join(io)}" if io else ""),
                f"up to {100 * (1 - busy):.0f} % of wall time is waiting that could overlap or disappear",
                weight=1 - busy)


def _leak(result: BenchmarkResult) -> Recommendation | None:
    growth = result.metric("rss_growth_per_iteration")
    peaks = [i.metric_value("max_rss") for i in result.counted_iterations if i.ok]
    peaks = [p for p in peaks if p is not None]
    if growth is None or len(peaks) < 3 or growth.value < max(LEAK_MIN_GROWTH_BYTES, 0.02 * max(peaks)):
        return None
    rising = sum(1 for a, b in zip(peaks, peaks[1:]) if b > a)
    if rising < 0.7 * (len(peaks) - 1):
        return None
    shown = " → ".join(format_size(p) for p in peaks[:6]) + (" → …" if len(peaks) > 6 else "")
    return _one(result.key, "rss-growth", "Peak memory grows with every iteration: possible leak",
                1 if growth.value > 0.1 * peaks[0] else 2, "medium",
                ("Compare heap snapshots between iterations (tracemalloc, heaptrack, valgrind --tool=massif)",
                 "Look for caches, registries or global lists that only grow",
                 "Check that each iteration closes files, sockets and child processes"),
                f"peak RSS {shown} over {len(peaks)} iterations (+{format_size(growth.value)} per iteration)",
                f"~{format_size(growth.value)} less memory per additional iteration", weight=growth.value)


def _tail(result: BenchmarkResult) -> Recommendation | None:
    m = result.measurement
    if m is None or m.stats.n < 100 or m.stats.p50 <= 0:
        return None
    ratio = m.stats.p99 / m.stats.p50
    if ratio <= TAIL_RATIO:
        return None
    s = m.stats
    return _one(result.key, "tail-latency", "Long tail: p99 is far above the median", 2, "high",
                ("Look at what the slow samples share: GC pauses, page faults, lock waits, timer interrupts",
                 "Record a histogram of the slow path (perf record / py-spy on the tail)",
                 "Pre-allocate and warm caches so the first-touch cost leaves the hot path"),
                f"p99 {format_duration_ns(s.p99)} = {ratio:.1f}× p50 {format_duration_ns(s.p50)}",
                f"up to {format_duration_ns(s.p99 - s.p50)} off p99", weight=ratio)


def _contention(result: BenchmarkResult) -> Recommendation | None:
    efficiency = result.metric("efficiency")
    if efficiency is None or efficiency.value >= LOW_EFFICIENCY or error_for(result, "efficiency"):
        return None
    speedup = result.metric("pool_speedup") or result.metric("speedup")
    workers = result.params.get("workers")
    detail = f"parallel efficiency {efficiency.value:.2f}"
    if speedup is not None:
        detail += f" (speedup {speedup.value:.2f}×"
        detail += f" on {workers:g} workers)" if isinstance(workers, (int, float)) else ")"
    cpus = result.metric("hardware_threads")
    estimate = None
    if speedup is not None and speedup.value > 0 and cpus is not None and isinstance(workers, (int, float)):
        usable = min(float(workers), cpus.value)
        busy = result.metric("cpu_use")
        if busy is not None and busy.value < 0.8 * usable:  # the machine, not the pool, held it back
            detail += f"; it kept {busy.value:.2f} of {usable:g} cores busy: other work had the rest"
        if usable > speedup.value:
            estimate = f"up to +{100 * (usable / speedup.value - 1):.0f} % throughput with {usable:g} cores kept busy"
    return _one(result.key, "contention", "Low parallel efficiency: workers contend or outnumber cores", 3, "high",
                ("Match the worker count to the cores actually available (os.sched_getaffinity)",
                 "Shrink shared critical sections; shard queues and counters per worker",
                 "Batch small tasks so scheduling overhead is amortised"),
                detail, estimate, weight=1 - efficiency.value)


def _overhead_dominates(result: BenchmarkResult) -> Recommendation | None:
    m = result.measurement
    overhead = m.overhead_ns + m.loop_overhead_ns if m is not None else 0.0
    if m is None or not m.overhead_subtracted or m.median <= 0 or overhead < OVERHEAD_SHARE * m.median:
        return None
    return _one(result.key, "overhead", "The body is small next to the loop and timer overhead", 4, "low",
                ("Measure a batch of operations per call (e.g. 100 lookups) and divide",
                 "For Python, time a C-level callable or functools.partial instead of a lambda wrapper"),
                f"timer + loop overhead {format_duration_ns(overhead)} = {100 * overhead / m.median:.0f} % of the "
                f"median {format_duration_ns(m.median)}", weight=overhead / m.median)


def _outliers(result: BenchmarkResult) -> Recommendation | None:
    m = result.measurement
    if m is None or m.stats.n < 20:
        return None
    s = m.stats
    severe = s.outliers.high_severe + s.outliers.low_severe
    if severe <= SEVERE_OUTLIER_SHARE * s.n:
        return None
    shift = (s.mean - s.median) / s.mean if s.mean > 0 else 0.0
    estimate = (f"mean {format_duration_ns(s.mean)} → towards the median ({100 * shift:.0f} % lower)"
                if shift > 0 else None)
    return _one(result.key, "outliers", "Many severe outliers: something else interrupts the benchmark", 3, "low",
                ("Check for competing processes (top, the run's system CPU figure)",
                 "Disable frequency scaling and turbo; pin to one core"),
                f"{severe} of {s.n} samples ({100 * severe / s.n:.0f} %) beyond 3 IQR", estimate,
                weight=severe / s.n)


RESULT_RULES: tuple[Callable[[BenchmarkResult], Recommendation | None], ...] = (
    _measurement_errors, _failed_iterations, _noisy, _wait_bound, _leak, _tail, _contention, _overhead_dominates,
    _outliers,
)


def _headroom(verdict: Verdict) -> Recommendation | None:
    if verdict.status != "pass" or verdict.measured is None or not verdict.limit:
        return None
    room = abs(verdict.limit - verdict.measured) / abs(verdict.limit)
    if room >= HEADROOM:
        return None
    return _one(verdict.benchmark, "sla-headroom", f"Close to the SLA limit of '{verdict.rule}'", 2, "medium",
                ("Treat this as the next regression: profile the benchmark now",
                 "Track it across runs (the store keeps history) to see the trend"),
                f"{verdict.metric} = {format_value(verdict.measured, verdict.unit)} against {verdict.expression} "
                f"({100 * room:.1f} % headroom)", weight=HEADROOM - room)


def _insufficient(verdict: Verdict) -> Recommendation | None:
    if verdict.status != "insufficient":
        return None
    return _one(verdict.benchmark, "insufficient-samples", f"'{verdict.rule}' cannot be judged yet", 3, "low",
                ("Raise iterations (or the sampling budget) until the percentile is supported",), verdict.message)


VERDICT_RULES: tuple[Callable[[Verdict], Recommendation | None], ...] = (_violated, _unsure, _headroom, _insufficient)


def merge(recommendations: Iterable[Recommendation]) -> list[Recommendation]:
    """One recommendation per piece of advice (rule and title), listing every benchmark it
    applies to, strongest case first; its priority is the most urgent of theirs."""
    merged: dict[tuple[str, str], Recommendation] = {}
    for rec in recommendations:
        key = (rec.rule, rec.title)
        known = merged.get(key)
        merged[key] = rec if known is None else dataclasses.replace(
            known, priority=min(known.priority, rec.priority), findings=known.findings + rec.findings)
    return [dataclasses.replace(rec, findings=tuple(sorted(rec.findings, key=lambda f: -f.weight)))
            for rec in merged.values()]


# What failed, in this order, ahead of other advice of the same priority.
FAILED = ("sla-violated", "failures", "sla-unsure", "measurement-error")


def recommend(results: Iterable[BenchmarkResult], verdicts: Sequence[Verdict] = ()) -> list[Recommendation]:
    """All recommendations, merged per advice, most urgent first; within a priority what
    failed first, then the advice that applies to the most benchmarks."""
    found = [rec for verdict in verdicts for rule in VERDICT_RULES if (rec := rule(verdict)) is not None]
    found += [rec for result in results for rule in RESULT_RULES if (rec := rule(result)) is not None]
    failed_rank = {rule: rank for rank, rule in enumerate(FAILED)}
    return sorted(merge(found), key=lambda r: (r.priority, failed_rank.get(r.rule, len(FAILED)), -len(r.findings),
                                               r.rule, r.title))
