"""Rule-based recommendations: what to look at, and why, from the numbers of a run.

Each rule is a small function that reads one result (or one verdict) and returns a
Recommendation only when its evidence is present; the evidence string carries the
numbers that triggered it. No evidence, no advice. Priorities: 1 (act first) .. 5.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Sequence

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


@dataclasses.dataclass(frozen=True, slots=True)
class Recommendation:
    benchmark: str
    rule: str
    title: str
    evidence: str
    priority: int  # 1 (act first) .. 5
    effort: str  # low | medium | high
    steps: tuple[str, ...]
    estimated_improvement: str


def _failed_iterations(result: BenchmarkResult) -> Recommendation | None:
    failed = [i for i in result.iterations if not i.ok]
    if not failed:
        return None
    first = failed[0].failure
    assert first is not None
    total = len(result.iterations)
    return Recommendation(
        result.key, "failures", "Fix failing iterations before reading the timings",
        f"{len(failed)} of {total} iterations failed; first: {first.kind}: {first.message}", 1, "medium",
        ("Read the kept stderr tail / traceback (python -m perfbench analyze shows it)",
         "Reproduce one iteration by hand with the same env and cwd",
         "Re-run once fixed: failed iterations are excluded from every statistic"),
        "timings become comparable at all")


def _noisy(result: BenchmarkResult) -> Recommendation | None:
    m = result.measurement
    if m is None or m.stats.cv is None or m.stats.n < 3 or m.stats.cv <= HIGH_CV:
        return None
    s = m.stats
    return Recommendation(
        result.key, "high-cv", "Noisy measurements: isolate or pin the CPUs",
        f"CV {100 * s.cv:.1f} % over {s.n} samples (median {format_duration_ns(s.median)}, "
        f"min {format_duration_ns(s.min)}, max {format_duration_ns(s.max)})",
        2 if s.cv > 2 * HIGH_CV else 3, "low",
        ("Pin the benchmark to a quiet core (taskset -c N, or isolcpus/cset shield)",
         "Set the CPU governor to 'performance' and disable turbo for the run",
         "Stop other work on the machine; on shared VMs compare only within one run",
         "Raise iterations so the median's confidence interval narrows"),
        f"CV typically below 5 % on an isolated core (now {100 * s.cv:.1f} %)")


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
    return Recommendation(
        result.key, "wait-bound", "Wall time far exceeds CPU time: I/O- or wait-bound",
        f"wall {format_duration_ns(m.stats.mean)} vs CPU {format_duration_ns(cpu_ns)} per iteration "
        f"({100 * busy:.0f} % busy)" + (f"; block I/O per iteration: {', '.join(io)}" if io else ""),
        2, "medium",
        ("Find what it waits on: strace -f -c (syscalls), iostat -x 1 (disk), network round trips",
         "Cache or prefetch inputs; batch small reads and writes",
         "Overlap independent waits (parallel downloads, async I/O)"),
        f"up to {100 * (1 - busy):.0f} % of wall time is waiting that could overlap or disappear")


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
    return Recommendation(
        result.key, "rss-growth", "Peak memory grows with every iteration: possible leak",
        f"peak RSS {shown} over {len(peaks)} iterations (+{format_size(growth.value)} per iteration)",
        1 if growth.value > 0.1 * peaks[0] else 2, "medium",
        ("Compare heap snapshots between iterations (tracemalloc, heaptrack, valgrind --tool=massif)",
         "Look for caches, registries or global lists that only grow",
         "Check that each iteration closes files, sockets and child processes"),
        f"~{format_size(growth.value)} less memory per additional iteration")


def _tail(result: BenchmarkResult) -> Recommendation | None:
    m = result.measurement
    if m is None or m.stats.n < 100 or m.stats.p50 <= 0:
        return None
    ratio = m.stats.p99 / m.stats.p50
    if ratio <= TAIL_RATIO:
        return None
    s = m.stats
    return Recommendation(
        result.key, "tail-latency", "Long tail: p99 is far above the median",
        f"p99 {format_duration_ns(s.p99)} is {ratio:.1f}× p50 {format_duration_ns(s.p50)} (n = {s.n}; "
        f"{s.outliers.high_severe} severe high outliers)", 2, "high",
        ("Look at what the slow samples share: GC pauses, page faults, lock waits, timer interrupts",
         "Record a histogram of the slow path (perf record / py-spy on the tail)",
         "Pre-allocate and warm caches so the first-touch cost leaves the hot path"),
        f"p99 towards ~1.5× p50 ({format_duration_ns(1.5 * s.p50)})")


def _contention(result: BenchmarkResult) -> Recommendation | None:
    efficiency = result.metric("efficiency")
    if efficiency is None or efficiency.value >= LOW_EFFICIENCY:
        return None
    speedup = result.metric("speedup")
    workers = result.params.get("workers")
    detail = f"parallel efficiency {efficiency.value:.2f}"
    if speedup is not None:
        detail += f" (speedup {speedup.value:.2f}×"
        detail += f" on {workers:g} workers)" if isinstance(workers, (int, float)) else ")"
    return Recommendation(
        result.key, "contention", "Low parallel efficiency: workers contend or outnumber cores",
        detail, 3, "high",
        ("Match the worker count to the cores actually available (os.sched_getaffinity)",
         "Shrink shared critical sections; shard queues and counters per worker",
         "Batch small tasks so scheduling overhead is amortised"),
        "efficiency towards 0.8 where the work is parallel")


def _overhead_dominates(result: BenchmarkResult) -> Recommendation | None:
    m = result.measurement
    overhead = m.overhead_ns + m.loop_overhead_ns if m is not None else 0.0
    if m is None or not m.overhead_subtracted or m.median <= 0 or overhead < OVERHEAD_SHARE * m.median:
        return None
    return Recommendation(
        result.key, "overhead", "The body is small next to the loop and timer overhead",
        f"timer + loop overhead {format_duration_ns(overhead)} per iteration is {100 * overhead / m.median:.0f} % "
        f"of the median {format_duration_ns(m.median)} (the timer part is subtracted, its noise remains)", 4, "low",
        ("Measure a batch of operations per call (e.g. 100 lookups) and divide",
         "For Python, time a C-level callable or functools.partial instead of a lambda wrapper"),
        "a tighter confidence interval for the same budget")


def _outliers(result: BenchmarkResult) -> Recommendation | None:
    m = result.measurement
    if m is None or m.stats.n < 20:
        return None
    severe = m.stats.outliers.high_severe + m.stats.outliers.low_severe
    if severe <= SEVERE_OUTLIER_SHARE * m.stats.n:
        return None
    return Recommendation(
        result.key, "outliers", "Many severe outliers: something else interrupts the benchmark",
        f"{severe} of {m.stats.n} samples ({100 * severe / m.stats.n:.0f} %) beyond 3 IQR of the quartiles",
        3, "low",
        ("Check for competing processes (top, the run's system CPU figure)",
         "Disable frequency scaling and turbo; pin to one core"),
        "the mean moves towards the median; CV drops")


RESULT_RULES: tuple[Callable[[BenchmarkResult], Recommendation | None], ...] = (
    _failed_iterations, _noisy, _wait_bound, _leak, _tail, _contention, _overhead_dominates, _outliers,
)


def _headroom(verdict: Verdict) -> Recommendation | None:
    if verdict.status != "pass" or verdict.measured is None or not verdict.limit:
        return None
    room = abs(verdict.limit - verdict.measured) / abs(verdict.limit)
    if room >= HEADROOM:
        return None
    return Recommendation(
        verdict.benchmark, "sla-headroom", f"Close to the SLA limit of '{verdict.rule}'",
        f"{verdict.metric} = {format_value(verdict.measured, verdict.unit)} against {verdict.expression} "
        f"({100 * room:.1f} % headroom)", 2, "medium",
        ("Treat this as the next regression: profile the benchmark now",
         "Track it across runs (the store keeps history) to see the trend"),
        f"restores at least {100 * HEADROOM:.0f} % headroom")


def _insufficient(verdict: Verdict) -> Recommendation | None:
    if verdict.status != "insufficient":
        return None
    return Recommendation(
        verdict.benchmark, "insufficient-samples", f"'{verdict.rule}' cannot be judged yet",
        verdict.message, 3, "low",
        ("Raise iterations (or the sampling budget) until the percentile is supported",),
        "a verdict instead of a refusal")


def recommend(results: Iterable[BenchmarkResult], verdicts: Sequence[Verdict] = ()) -> list[Recommendation]:
    """All recommendations, highest priority first."""
    found = [rec for result in results for rule in RESULT_RULES if (rec := rule(result)) is not None]
    found += [rec for verdict in verdicts for rule in (_headroom, _insufficient) if (rec := rule(verdict))]
    return sorted(found, key=lambda r: (r.priority, r.benchmark, r.rule))

