"""A against B from an interleaved run: the change from paired differences, judged by the
comparison rule.

``perfbench ab`` runs the worker processes of A and B in pairs adjacent in time (A B B A ...,
execution/interleave.py). Pair ``k`` is A's ``k``-th process and B's ``k``-th process:
whatever the machine did in those seconds (another tenant, a throttled core, a neighbour
filling the cache) fell on both, and cancels in their ratio. So the change is estimated
from the pairs rather than from two pooled sides:

* per pair, ``d_k = log(B's k-th process median / A's k-th process median)``;
* the change is ``exp(m) - 1``, ``m`` the 10 % trimmed mean of the ``d_k`` (the lowest and
  highest ``g = floor(0.1 n)`` pairs left out; with fewer than 10 pairs nothing is trimmed
  and it is the plain mean), with the Tukey-McLaughlin standard error ``s_w / ((1 - 2g/n)
  sqrt(n))`` (``s_w`` the standard deviation of the ``d_k`` winsorized at the same ``g``) and
  ``n - 2g - 1`` degrees of freedom: a Student-t interval over the pairs (Yuen's trimmed t;
  Wilcox, *Introduction to Robust Estimation and Hypothesis Testing*, ch. 4). Why trimmed: on
  a shared machine one pair in ten is hit by another tenant for most of its run and reads
  +50 % or -60 % alone (measured in the regression evidence, under load); one such pair
  widens a plain mean's interval several times over and turns a real 5 % change into
  unsure, while a trimmed mean of normal pairs loses little efficiency. Why 10 % and not
  the usual 20 %: each pair trimmed costs two degrees of freedom, and at the default six
  pairs 20 % would turn t(5) into t(3), more than doubling the interval at the suite's level;
  from ten pairs on, one wild pair at each end is left out.
  What is left in ``d_k`` is what differs between the two processes of one pair
  (each one's address-space layout, pages and hash seed, and the machine's noise faster
  than a pair), which is the noise a rerun of the pair redraws; drift slower than a pair
  is gone. No standard error is taken below the resolution of one sample on either side
  (as in comparison.side_noise).
* then the rule every comparison uses (``comparison.judge_changes``): slower / faster when
  the whole interval lies beyond the threshold at the suite's error (Holm at 1 %
  family-wise over the benchmarks compared), same when the 95 % interval lies within it,
  unsure otherwise, with the MDE and the default threshold ``max(5 %, MDE)``.

Fewer than ``MIN_PAIRS`` pairs give no interval (one pair has no spread; two leave one
degree of freedom and t = 12.7): such a benchmark reads unsure and says how many to run.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Collection, Iterable, Mapping

import numpy as np

from perfbench.analysis import intervals
from perfbench.analysis.comparison import (
    DEFAULT_SEVERITY, DEFAULT_THRESHOLD, FAMILY_ERROR, ChangeVerdict, Comparison, LogChange, LogJudgement, judge_changes,
    matched,
)
from perfbench.model import BenchmarkResult, Measurement

MIN_PAIRS = intervals.MIN_UNITS
TRIM = 0.1  # the share of pairs trimmed from each end (module docstring: why not 20 %)


def process_medians(measurement: Measurement) -> list[float]:
    """The median of each process's samples, processes in the order they first took samples
    (``Measurement.segments``): for an interleaved run, the order they ran in."""
    by_process: dict[int, list[np.ndarray]] = {}
    start = 0
    samples = measurement.samples_ns
    for process, count in measurement.segments:
        by_process.setdefault(process, []).append(samples[start:start + count])
        start += count
    return [float(np.median(np.concatenate(parts))) for parts in by_process.values()]


@dataclasses.dataclass(frozen=True, slots=True)
class PairedChange:
    """One benchmark's pairs: each pair's log ratio (B over A), in run order."""

    key: str
    log_ratios: tuple[float, ...]
    resolution_se: float  # one sample's quantisation on both sides, as a relative standard error

    @property
    def pairs(self) -> int:
        return len(self.log_ratios)

    @property
    def trimmed(self) -> int:
        """Pairs left out at each end: ``floor(TRIM * n)``."""
        return math.floor(TRIM * self.pairs)

    @property
    def mean(self) -> float:
        """The trimmed mean of the pairs' log ratios (the plain mean below 5 pairs)."""
        ordered = np.sort(self.log_ratios)
        g = self.trimmed
        return float(np.mean(ordered[g:ordered.size - g]))

    @property
    def se(self) -> float | None:
        if self.pairs < MIN_PAIRS:
            return None
        n, g = self.pairs, self.trimmed
        ordered = np.sort(self.log_ratios)
        winsorized = np.clip(ordered, ordered[g], ordered[n - 1 - g])
        spread = float(np.std(winsorized, ddof=1)) / ((1.0 - 2.0 * g / n) * math.sqrt(n))
        # Pairs that all agree to the last digit (a coarse clock) still have the clock's
        # quantisation; the smallest positive float keeps the t statistics finite where even
        # that is zero.
        return max(spread, self.resolution_se, math.ulp(0.0))

    @property
    def dof(self) -> int:
        return self.pairs - 2 * self.trimmed - 1


def paired_change(key: str, a: Measurement, b: Measurement) -> PairedChange:
    """The pairs of two measurements of one benchmark, A's and B's processes matched by their
    rank in run order (an extra process on one side, left by a failure, has no partner)."""
    a_medians, b_medians = process_medians(a), process_medians(b)
    ratios = tuple(math.log(mb / ma) for ma, mb in zip(a_medians, b_medians) if ma > 0 and mb > 0)
    quantisation = math.hypot(a.resolution_ns / a.median if a.median > 0 else 0.0,
                              b.resolution_ns / b.median if b.median > 0 else 0.0) / math.sqrt(12.0)
    return PairedChange(key, ratios, quantisation)


def _percent(fraction: float) -> str:
    return f"{100 * fraction:.3g} %"


def _settle(change: PairedChange, judgement: LogJudgement) -> tuple[str, int | None]:
    """For an unsure verdict: how many more pairs would bring the interval inside or beyond
    the threshold, if the pairs keep their spread (the standard error falls as 1/sqrt(n))."""
    se, needed_se = change.se, judgement.settle_se
    assert se is not None and needed_se is not None
    if needed_se <= 0:
        return (f"reads {judgement.reads} if narrower, but the change lies right at the threshold: "
                "no number of pairs settles it"), None
    more = max(math.ceil(change.pairs * (se / needed_se) ** 2) - change.pairs, 1)
    return (f"reads {judgement.reads} if narrower: about {more} more pair{'s' if more != 1 else ''} would settle it "
            f"(--processes {change.pairs + more})"), more


def _unmeasured(lane: str, benchmark: str, status: str, requested: float | None, severity: str,
                reason: str = "") -> ChangeVerdict:
    return ChangeVerdict(lane=lane, benchmark=benchmark, status=status, reason=reason, severity=severity,
                         threshold=requested if requested is not None else DEFAULT_THRESHOLD,
                         threshold_requested=requested is not None)


def _why_not_compared(a: BenchmarkResult, b: BenchmarkResult) -> str | None:
    """Why two results of one benchmark cannot be compared, if they cannot: a side's own
    failure first (its partner, cut short by it, reads interrupted)."""
    reasons = []
    for side, result in (("A", a), ("B", b)):
        reason = None
        if result.measurement is None or result.failure is not None:
            reason = result.failure.message if result.failure else "no measurement"
        elif (error := next((e for e in result.measurement_errors if "median" in e.figures), None)) is not None:
            reason = error.message
        elif not result.measurement.median > 0:
            reason = f"a median of {result.measurement.median:g} ns has no relative change"
        if reason is not None:
            cut_short = result.failure is not None and result.failure.kind == "interrupted"
            reasons.append((cut_short, f"{side}: {reason}"))
    return min(reasons)[1] if reasons else None


def compare_paired(a: Iterable[BenchmarkResult], b: Iterable[BenchmarkResult], *,
                   thresholds: Mapping[str, float | None] | None = None,
                   severities: Mapping[str, str] | None = None, family_error: float = FAMILY_ERROR,
                   one_sided: Iterable[tuple[str, str, str]] = (),
                   in_one_process: Collection[str] = ()) -> tuple[Comparison, dict[str, PairedChange]]:
    """B against A (A is the base), benchmark by benchmark (matched by lane/name), from each
    benchmark's paired processes. ``thresholds``: the requested threshold per key (relative);
    a benchmark without one gets ``max(DEFAULT_THRESHOLD, its MDE)``. ``severities``: what a
    slower verdict counts as per key (default ``error``, which fails the check).
    ``one_sided``: (side, lane, benchmark) of benchmarks that exist on one side only and were
    not run; they are reported as such. ``in_one_process``: the keys whose pairs each ran
    in one worker process (said in the verdict's noise). Returns the comparison and, per
    benchmark with pairs, its pairs."""
    thresholds = dict(thresholds or {})
    severities = dict(severities or {})

    def severity_of(key: str) -> str:
        return severities.get(key, DEFAULT_SEVERITY)

    a_by_key, b_by_key, keys = matched(a, b)
    settled: dict[str, ChangeVerdict] = {}
    changes: dict[str, PairedChange] = {}
    for key in keys:
        a_result, b_result = a_by_key.get(key), b_by_key.get(key)
        if a_result is None or b_result is None:
            either = a_result or b_result
            assert either is not None
            settled[key] = _unmeasured(either.lane, either.benchmark, "only-in-base" if b_result is None
                                       else "only-in-current", thresholds.get(key), severity_of(key))
            continue
        reason = _why_not_compared(a_result, b_result)
        if reason is not None:
            settled[key] = _unmeasured(a_result.lane, a_result.benchmark, "not-compared", thresholds.get(key),
                                       severity_of(key), reason)
            continue
        a_measurement, b_measurement = a_by_key[key].measurement, b_by_key[key].measurement
        assert a_measurement is not None and b_measurement is not None
        changes[key] = paired_change(key, a_measurement, b_measurement)

    judged = [c for c in changes.values() if c.se is not None]
    judgements = judge_changes([LogChange(c.key, c.mean, c.se, c.dof, thresholds.get(c.key))  # type: ignore[arg-type]
                                for c in judged], family_error)
    by_key = {j.change.key: j for j in judgements}
    for key, change in changes.items():
        a_result, b_result = a_by_key[key], b_by_key[key]
        assert a_result.measurement is not None and b_result.measurement is not None
        sides = dict(lane=b_result.lane, benchmark=b_result.benchmark, base_median=a_result.measurement.median,
                     current_median=b_result.measurement.median, base_processes=change.pairs,
                     current_processes=change.pairs,
                     noise=(f"{change.pairs} processes, each alternating A and B" if key in in_one_process
                            else f"{change.pairs} interleaved pairs of processes"), severity=severity_of(key))
        judgement = by_key.get(key)
        if judgement is None:
            requested = thresholds.get(key)
            settled[key] = ChangeVerdict(
                status="unsure", threshold=requested if requested is not None else DEFAULT_THRESHOLD,
                threshold_requested=requested is not None, change=math.expm1(change.mean) if change.pairs else None,
                settle=f"{change.pairs} pair{'s' if change.pairs != 1 else ''} give no interval: "
                       f"run with --processes {MIN_PAIRS} or more", **sides)  # type: ignore[arg-type]
            continue
        settle, more = _settle(change, judgement) if judgement.status == "unsure" else ("", None)
        settled[key] = ChangeVerdict(settle=settle, more_processes=more, **sides,  # type: ignore[arg-type]
                                     **judgement.figures())
    for side, lane, benchmark in one_sided:
        key = f"{lane}/{benchmark}"
        settled[key] = _unmeasured(lane, benchmark, "only-in-base" if side == "A" else "only-in-current",
                                   thresholds.get(key), severity_of(key))
        keys.append(key)
    comparison = Comparison(verdicts=tuple(settled[key] for key in keys), family_error=family_error,
                            compared=len(judgements), between_runs=False)
    return comparison, changes

