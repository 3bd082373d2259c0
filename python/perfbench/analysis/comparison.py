"""Did it get slower? Two sets of results compared benchmark by benchmark, with verdicts
that hold on a rerun and an error controlled over the whole suite.

``compare_results(base, current, ...)`` matches results by ``lane/benchmark`` and gives one
``ChangeVerdict`` per benchmark in an immutable ``Comparison``. Pure: no store, no printing.
The verdict rule itself is ``judge_changes``, over log changes with their standard errors
however estimated: the paired differences of an interleaved A/B run (``analysis.paired``)
are judged by it too.

**The change** is that of the median: ``current / base - 1``, worked on as the log ratio
``L = log(current median / base median)`` (a slowdown of 10 % and a speed-up of 10 % are
then equally far from zero, and the relative noises of the two sides add).

**The noise** behind its interval is the variation a rerun sees, never the variation between
samples (samples inside one process share its address-space layout, pages and hash seed,
which move all of them alike by several per cent; a test over thousands of such samples
calls any layout change significant):

* *each side*: the median of each process (``analysis.intervals.noise_units``: three or
  more processes, or each run of a command on its own), the relative standard error of the
  mean of those, ``s / sqrt(k) / median``. With one or two processes there is nothing
  between processes to measure: the batches of one process's time-ordered samples stand in
  (as they do for the run's own intervals), and the verdict says that a rerun in new
  processes may differ by more. No standard error is taken below the resolution of one
  sample (a uniform quantisation step, ``resolution / sqrt(12)``).
* *between runs* (``run_history`` given: two runs taken at different times, e.g. a saved
  baseline and a later run): the two runs each drew their own machine state too. Its size
  is estimated from this benchmark's own past per-run medians on the same host, from the
  successive differences of their logs (their root mean square over √2, the largest left
  out: a step change in the history is one large difference, not a larger spread, while
  single slow runs and runs in another layout state are the noise), less the part the runs' own
  process noise already explains. With fewer than ``MIN_HISTORY_RUNS`` past runs it is
  assumed: the median of one to three differences cannot tell the noise from a single step
  (a change of the code between two past runs would be read as noise and hide every later
  change). The assumption is ``RUN_NOISE_FLOOR`` when both sides ran three or more
  processes (their spread already holds what a new process draws: layout, pages, hash
  seed), and ``SINGLE_PROCESS_RUN_NOISE_FLOOR`` when a side ran in one or two (its batches
  hold none of that: two single-process runs of the same code on these VMs differ by what
  two processes differ by). Both runs carry it: ``var(L) = se_base² + se_current² +
  2 · sd_run²``, with Welch-Satterthwaite degrees of freedom (a floor counts as known).
  ``run_history=None`` means the two sides were measured in one job (no run term).

**The verdict**, for a threshold ``τ`` (the change that matters):

* *slower / faster*: the whole interval of the change lies beyond ``+τ`` / ``-τ``, at the
  suite's error level (below);
* *same*: the whole 95 % interval lies within ``±τ``: an equivalence test (two one-sided
  tests), not the mere absence of evidence;
* *unsure*: anything else; the verdict says what would settle it (about how many more
  processes of the current side, or, where the baseline's noise or the variation between
  runs alone is wider than the margin, an interleaved comparison, ``perfbench ab``). Also
  unsure: a change that would read slower or faster between two runs that saw the machine
  in different states (other processes' share of it differing by half a core or more,
  ``analysis.machine_state``), which moves some benchmarks several times over; unless the
  change's whole interval lies beyond the most a state has been measured to move a figure
  (7.5x).

**The threshold** is the one requested (``--threshold``, then the benchmark's, the lane's or
the global ``regression_threshold``), else the larger of ``DEFAULT_THRESHOLD`` (5 %) and
the benchmark's **minimum detectable effect**, a property of its noise alone: the true
change whose 95 % interval would clear zero four times in five, ``MDE = (t(0.975) +
t(0.80)) · se``. Below it the noise cannot tell a change from none, so a threshold there
could never read "same"; above it, "same" is within reach for unchanged code. (It is read
at 95 %, not at the suite's level: a threshold raised to the suite-level width as well
would count the suite's correction twice, once in the threshold and once in the decision
interval, and a 20 % slowdown in a 50-benchmark suite would go unseen half the time.) A
requested threshold below the MDE is used as asked, and the verdict says that the noise
cannot resolve it.

**The severity** of a slower verdict (``regression_severity`` in the config, per benchmark,
lane or globally) is ``error`` unless set: a regression fails the check (exit code 1), as an
SLA violation of severity error does. ``warning`` reports it and does not fail; the verdict
itself (slower) is the same whatever the severity.

**The suite-level error**: with N benchmarks, the chance that any benchmark whose true
change lies within ``±τ`` is called slower or faster stays at most ``family_error`` (1 %)
per comparison, not per benchmark (at 5 % per benchmark, a 50-benchmark suite would alarm
in 92 % of runs). Each benchmark's test is one-sided in the direction of its estimate: the
null "the change is at most ``+τ``" for slower, "at least ``-τ``" for faster, p-value
``2 · min(p_slower, p_faster)`` (both cannot be small together). Holm's step-down procedure
over the N p-values (Holm 1979, *Scand. J. Statist.* 6, 65-70) controls the family-wise
error under any dependence between benchmarks (one noisy moment of the machine moves many
at once), and is uniformly more powerful than Bonferroni. Equivalently, the benchmark
ranked ``j``-th by p-value reads its interval at the level ``1 - α / (N - j + 1)``: that
widened interval is the ``decision`` interval each verdict carries beside its 95 % one.
The equivalence side ("same") is not an alarm and reads the 95 % interval.
Repeated looks (``--until-sure``) spend the error across looks: ``family_error`` is passed
smaller at each look (see ``execution/settle.py``).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from perfbench.analysis import intervals
from perfbench.analysis.machine_state import LARGEST_STATE_FACTOR, state_difference
from perfbench.model import BenchmarkResult, Measurement
from perfbench.sla import SEVERITIES, severity_rank

if TYPE_CHECKING:
    import pandas as pd

DEFAULT_THRESHOLD = 0.05  # the change that matters, unless the config or the command line say otherwise
DEFAULT_SEVERITY = "error"  # a slower verdict fails the check unless the config says warning
FAMILY_ERROR = 0.01  # the chance per comparison that any unchanged benchmark is called slower or faster
CONFIDENCE_LEVEL = intervals.CONFIDENCE_LEVEL  # the interval every verdict shows
POWER = 0.80  # what the minimum detectable effect is detected with
# Between-run standard deviation of a benchmark's median assumed when its history on this host
# is shorter than MIN_HISTORY_RUNS: successive runs of one checkout on these 2-core shared VMs
# moved per-run medians by about this much beyond their own process noise (README, "noise model").
RUN_NOISE_FLOOR = 0.01
# ... and when a side ran in one or two processes, so that nothing measured the variation a new
# process draws. In 20 single-process runs of the default suite (reports/verdict_stability_idle.json),
# the figures' between-run standard deviation had a median of 2.2 % and an upper quartile of 9.6 %;
# the Python callables of benchmarks/regression_evidence.py read 5-7 % apart between two such runs.
SINGLE_PROCESS_RUN_NOISE_FLOOR = 0.05
MIN_HISTORY_RUNS = 5

def threshold_problem(fraction: float) -> str | None:
    """Why a relative change cannot be a regression threshold, or None if it can."""
    if not 0 < fraction < 1:
        return "a regression threshold is a relative change above 0 and below 100 %, such as 5% or 10%"
    return None


STATUSES = ("slower", "unsure", "faster", "same", "only-in-base", "only-in-current", "not-compared")


@dataclasses.dataclass(frozen=True, slots=True)
class SideNoise:
    """One side's median and how well it is known."""

    median: float  # ns per iteration, all samples pooled
    relative_se: float | None  # standard error of log(median); None: too few units for one
    units: int  # processes, batches or runs the standard error stands on
    kind: str  # processes | batches | independent | single (analysis.intervals.noise_units)
    processes: int
    description: str  # analysis.intervals.describe, e.g. "between 5 processes"
    samples: int = 0

    @property
    def dof(self) -> int:
        return max(self.units - 1, 1)


def side_noise(measurement: Measurement) -> SideNoise:
    units = intervals.noise_units(measurement.samples_ns, measurement.segments)
    if units.kind == "processes":
        # Every process's median, however few samples it took (a pyperf process keeps three
        # values, each already a mean over many loops): a small process's median is noisier,
        # and the spread between processes carries that noise into the standard error. (The
        # run's own interval asks 5 samples per process; it has no other side to lean on.)
        figures = np.array([float(np.median(group)) for group in units.groups])
    else:
        figures = intervals.unit_figures(units, "median")
    median = measurement.median
    enough = intervals.MIN_UNITS if units.kind != "independent" else 2  # as the run's own interval
    relative_se = None
    if figures.size >= enough and median > 0:
        spread = float(np.std(figures, ddof=1)) / math.sqrt(figures.size)
        relative_se = max(spread, measurement.resolution_ns / math.sqrt(12.0)) / median
    return SideNoise(median=median, relative_se=relative_se, units=int(figures.size), kind=units.kind,
                     processes=units.processes, description=intervals.describe(units),
                     samples=int(measurement.samples_ns.size))


@dataclasses.dataclass(frozen=True, slots=True)
class RunNoise:
    """How much a run's median moves between runs, beyond its own processes' noise."""

    relative_sd: float
    dof: float  # math.inf for the floor: it is an assumption, not an estimate
    past_runs: int
    floored: bool

    @property
    def description(self) -> str:
        runs = f"{self.past_runs} past run{'s' if self.past_runs != 1 else ''} on this host"
        if self.floored:
            return (f"between runs: {100 * self.relative_sd:.2g} % assumed ({runs}; "
                    f"estimated from {MIN_HISTORY_RUNS} or more)")
        return f"between runs: {100 * self.relative_sd:.2g} % (from {runs})"


def run_noise(past_medians: Sequence[float], within_se: float, *, between_processes: bool = True) -> RunNoise:
    """The between-run standard deviation of a median, from past per-run medians in run
    order; ``within_se``: the relative standard error a run's own processes give its median,
    which the spread of past medians contains and which is not counted twice;
    ``between_processes``: whether both sides' noise was measured between processes (else the
    floor assumed for a short history is the single-process one)."""
    logs = np.log([m for m in past_medians if m > 0 and math.isfinite(m)])
    if logs.size < MIN_HISTORY_RUNS:
        floor = RUN_NOISE_FLOOR if between_processes else SINGLE_PROCESS_RUN_NOISE_FLOOR
        return RunNoise(floor, math.inf, int(logs.size), floored=True)
    # The root mean square of the successive differences, the largest left out. Not their
    # median: per-run medians on a shared VM are a mixture (a process draws one of two layouts
    # and reads 0 % or +24 %; one run in twenty is hit for its whole length and reads +50 to
    # +70 %, measured in benchmarks/regression_evidence.py), and a median of differences
    # reads the common case alone (2-3 %), which called such a run slower in 7 of 20 A/A
    # suite runs. Leaving out the largest difference keeps one step change of the code in
    # the history from reading as noise; spikes (two large differences each) and mixtures
    # still count. Successive differences share a run, so they carry about two thirds of
    # their number in degrees of freedom (von Neumann's ratio).
    steps = np.sort(np.abs(np.diff(logs)))[:-1]
    total = math.sqrt(float(np.mean(steps * steps)) / 2.0)
    estimate = math.sqrt(max(total * total - within_se * within_se, 0.0))
    return RunNoise(estimate, max(2.0 * steps.size / 3.0, 1.0), int(logs.size), floored=False)


@dataclasses.dataclass(frozen=True, slots=True)
class ChangeVerdict:
    """One benchmark's verdict. Changes and thresholds are relative (0.05 is 5 %)."""

    lane: str
    benchmark: str
    status: str  # one of STATUSES
    threshold: float  # the one the verdict was judged against
    threshold_requested: bool  # False: the default, max(DEFAULT_THRESHOLD, MDE)
    severity: str = DEFAULT_SEVERITY  # what a slower verdict counts as (sla.SEVERITIES); warning does not fail
    base_median: float | None = None  # ns per iteration
    current_median: float | None = None
    base_processes: int = 0
    current_processes: int = 0
    change: float | None = None  # current / base - 1
    low: float | None = None  # its 95 % interval
    high: float | None = None
    decision_low: float | None = None  # the interval at the suite-level (Holm) level, which slower/faster read
    decision_high: float | None = None
    decision_confidence: float | None = None
    p_beyond: float | None = None  # the test that the change lies beyond ±threshold (two-sided, unadjusted)
    p_adjusted: float | None = None  # ... Holm-adjusted over the suite
    mde: float | None = None  # minimum detectable effect at this noise
    noise: str = ""  # where the noise came from: each side, and between runs
    note: str = ""  # e.g. a threshold below what the noise can resolve
    settle: str = ""  # for unsure: what would settle it
    more_processes: int | None = None  # for unsure: current-side processes that would settle it, if any would
    reason: str = ""  # for not-compared: why

    @property
    def key(self) -> str:
        return f"{self.lane}/{self.benchmark}"

    @property
    def regression(self) -> bool:
        """Slower beyond its threshold at error severity or worse: fails a check (exit code 1).
        A slower verdict at warning severity is reported and does not fail."""
        return self.status == "slower" and severity_rank(self.severity) >= severity_rank("error")

    def to_dict(self) -> dict[str, Any]:
        return {field.name: getattr(self, field.name) for field in dataclasses.fields(self)}


@dataclasses.dataclass(frozen=True, slots=True)
class Comparison:
    """Every benchmark's verdict, in the order the base ran them (then those only in current)."""

    verdicts: tuple[ChangeVerdict, ...]
    family_error: float  # per comparison: the chance of any false slower/faster call
    compared: int  # N: the benchmarks in the suite-level correction
    between_runs: bool  # whether the variation between runs was part of the noise

    def of(self, status: str) -> tuple[ChangeVerdict, ...]:
        return tuple(v for v in self.verdicts if v.status == status)

    @property
    def slower(self) -> tuple[ChangeVerdict, ...]:
        return self.of("slower")

    @property
    def faster(self) -> tuple[ChangeVerdict, ...]:
        return self.of("faster")

    @property
    def unsure(self) -> tuple[ChangeVerdict, ...]:
        return self.of("unsure")

    @property
    def same(self) -> tuple[ChangeVerdict, ...]:
        return self.of("same")

    @property
    def regressions(self) -> tuple[ChangeVerdict, ...]:
        return tuple(v for v in self.verdicts if v.regression)

    @property
    def check_failed(self) -> bool:
        return bool(self.regressions)

    def counts(self) -> dict[str, int]:
        return {status: len(self.of(status)) for status in STATUSES}

    def verdict(self, key: str) -> ChangeVerdict | None:
        return next((v for v in self.verdicts if v.key == key), None)

    def to_dict(self) -> dict[str, Any]:
        return {"family_error": self.family_error, "compared": self.compared, "between_runs": self.between_runs,
                "verdicts": [v.to_dict() for v in self.verdicts]}

    def to_dataframe(self) -> pd.DataFrame:
        """One row per benchmark: ``key`` and every ``ChangeVerdict`` field."""
        from perfbench.frames.columns import changes_frame  # pandas, only when asked for

        return changes_frame(self.verdicts)

    def _repr_html_(self) -> str:
        from perfbench.frames.html_views import comparison_html

        return comparison_html(self)


# --- the statistics ----------------------------------------------------------------------


def _t(dof: float, probability: float) -> float:
    from scipy.special import stdtrit  # imported when needed, as in analysis.intervals

    return float(stdtrit(dof, probability))


def _upper_tail(dof: float, t: float) -> float:
    from scipy.special import stdtr

    return float(1.0 - stdtr(dof, t))


def holm_adjusted(p_values: Sequence[float]) -> list[float]:
    """Holm's step-down adjusted p-values: a hypothesis is rejected at family-wise level α
    exactly when its adjusted p-value is at most α."""
    order = sorted(range(len(p_values)), key=lambda i: p_values[i])
    adjusted = [1.0] * len(p_values)
    running = 0.0
    for rank, index in enumerate(order):
        running = max(running, min(1.0, (len(p_values) - rank) * p_values[index]))
        adjusted[index] = running
    return adjusted


def _holm_levels(p_values: Sequence[float], family_error: float) -> list[float]:
    """The error level each benchmark's decision interval is read at: α / (N - rank + 1)."""
    order = sorted(range(len(p_values)), key=lambda i: p_values[i])
    levels = [family_error] * len(p_values)
    for rank, index in enumerate(order):
        levels[index] = family_error / (len(p_values) - rank)
    return levels


@dataclasses.dataclass(frozen=True, slots=True)
class _Pair:
    """A benchmark measured on both sides, with the noise of its change."""

    base: BenchmarkResult
    current: BenchmarkResult
    base_noise: SideNoise
    current_noise: SideNoise
    runs: RunNoise | None
    requested: float | None
    severity: str

    @property
    def log_ratio(self) -> float:
        return math.log(self.current_noise.median / self.base_noise.median)

    @property
    def fixed_variance(self) -> float | None:
        """What more processes of the current side cannot reduce: the base's and the runs'."""
        if self.base_noise.relative_se is None:
            return None
        return self.base_noise.relative_se ** 2 + (2 * self.runs.relative_sd ** 2 if self.runs else 0.0)

    @property
    def se(self) -> float | None:
        fixed = self.fixed_variance
        if fixed is None or self.current_noise.relative_se is None:
            return None
        return math.sqrt(fixed + self.current_noise.relative_se ** 2)

    @property
    def dof(self) -> float:
        """Welch-Satterthwaite over the components of the variance."""
        b, c = self.base_noise, self.current_noise
        assert b.relative_se is not None and c.relative_se is not None
        parts = [(b.relative_se ** 2, b.dof), (c.relative_se ** 2, c.dof)]
        if self.runs is not None:
            parts.append((2 * self.runs.relative_sd ** 2, self.runs.dof))
        total = sum(v for v, _ in parts)
        spread = sum(v * v / d for v, d in parts if v > 0)
        return total * total / spread if spread > 0 else math.inf

    @property
    def noise(self) -> str:
        b, c = self.base_noise.description, self.current_noise.description
        text = f"both sides {b}" if b == c else f"base {b}; current {c}"
        return f"{text}; {self.runs.description}" if self.runs is not None else text


def _relative(log_value: float) -> float:
    return math.expm1(log_value)


def _percent(fraction: float) -> str:
    return f"{100 * fraction:.3g} %"


def _settle(pair: _Pair, se_needed: float, margin_kind: str) -> tuple[str, int | None]:
    """What would bring the standard error down to ``se_needed``: more current-side
    processes, or, when the part they cannot reduce is already too wide, an interleaved
    comparison."""
    fixed = pair.fixed_variance
    current = pair.current_noise
    assert fixed is not None and current.relative_se is not None
    if se_needed <= 0:
        return (f"the change lies right at the threshold: no amount of noise reduction settles it; "
                f"it {margin_kind}"), None
    if fixed >= se_needed ** 2 * 0.999:
        runs_share = 2 * pair.runs.relative_sd ** 2 if pair.runs else 0.0
        if runs_share >= fixed / 2:
            source = f"the variation between runs ({_percent(pair.runs.relative_sd)})"  # type: ignore[union-attr]
        else:
            source = "the baseline's own noise"
        return (f"{source} alone is wider than the margin, so more processes of this run cannot settle it; "
                "an interleaved comparison (`python -m perfbench ab`) would"), None
    needed = math.ceil(current.units * current.relative_se ** 2 / (se_needed ** 2 - fixed))
    if current.kind in ("processes", "independent"):
        more = max(needed - current.units, 1)
    else:  # batches of one or two processes: what processes add is not measured yet; three at least
        more = max(needed, intervals.MIN_UNITS)
    return (f"about {more} more process{'es' if more != 1 else ''} of the current side would settle it "
            "(--until-sure), or an interleaved comparison (`python -m perfbench ab`)"), more


@dataclasses.dataclass(frozen=True, slots=True)
class LogChange:
    """One benchmark's change, however its noise was estimated: ``log(current / base)``, the
    standard error of that log ratio and its degrees of freedom, and the threshold asked for
    (None: ``max(DEFAULT_THRESHOLD, MDE)``). ``compare_results`` makes one from each side's
    processes; ``analysis.paired`` from the paired differences of an interleaved A/B run.
    Both are judged by ``judge_changes``: one rule for every comparison."""

    key: str
    log_ratio: float
    se: float
    dof: float
    requested: float | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class LogJudgement:
    """The four-valued rule's outcome for one ``LogChange``, within its suite."""

    change: LogChange
    status: str  # slower | faster | same | unsure
    threshold: float  # the one judged against
    mde: float
    p_beyond: float
    p_adjusted: float
    level: float  # the error level of the decision interval (Holm's, for this change's rank)
    note: str  # e.g. a requested threshold below what the noise can resolve
    settle_se: float | None = None  # unsure: the standard error at which it would settle (<= 0: none would)
    reads: str = ""  # unsure: what it would read if narrower ("same", "slower", ...)

    def figures(self) -> dict[str, Any]:
        """The ``ChangeVerdict`` fields the rule decides: status, threshold, change and intervals."""
        change = self.change
        half95 = _t(change.dof, 0.5 + CONFIDENCE_LEVEL / 2) * change.se
        half_decision = _t(change.dof, 1.0 - self.level / 2) * change.se
        estimate = change.log_ratio
        return dict(status=self.status, threshold=self.threshold, threshold_requested=change.requested is not None,
                    change=_relative(estimate), low=_relative(estimate - half95), high=_relative(estimate + half95),
                    decision_low=_relative(estimate - half_decision), decision_high=_relative(estimate + half_decision),
                    decision_confidence=1.0 - self.level, p_beyond=self.p_beyond, p_adjusted=self.p_adjusted,
                    mde=self.mde, note=self.note)


def _decide(change: LogChange, threshold: float, mde: float, p_beyond: float, p_adjusted: float, level: float,
            family_error: float, compared: int) -> LogJudgement:
    se, dof, estimate = change.se, change.dof, change.log_ratio
    half95 = _t(dof, 0.5 + CONFIDENCE_LEVEL / 2) * se
    upper, lower = math.log1p(threshold), math.log1p(-threshold)
    note = ""
    if change.requested is not None and threshold < mde:
        note = (f"threshold {_percent(threshold)} is below what this benchmark's noise can resolve "
                f"(MDE {_percent(mde)})")
    settle_se, reads = None, ""
    if p_adjusted <= family_error:
        status = "slower" if estimate > 0 else "faster"
    elif lower < estimate - half95 and estimate + half95 < upper:
        status = "same"
    else:
        status = "unsure"
        beyond = estimate - upper if estimate > upper else (lower - estimate if estimate < lower else 0.0)
        if beyond > 0:
            direction = "slower" if estimate > 0 else "faster"
            suite = (f" (at 95 % the interval clears the threshold, but not at the suite's "
                     f"{_percent(family_error)} error over {compared} benchmarks)" if beyond > half95 else "")
            settle_se, reads = beyond / _t(dof, 1.0 - level / 2), f"{direction}{suite}"
        else:
            margin = min(upper - estimate, estimate - lower)
            settle_se, reads = margin / _t(dof, 0.5 + CONFIDENCE_LEVEL / 2), "same"
    return LogJudgement(change=change, status=status, threshold=threshold, mde=mde, p_beyond=p_beyond,
                        p_adjusted=p_adjusted, level=level, note=note, settle_se=settle_se, reads=reads)


def judge_changes(changes: Sequence[LogChange], family_error: float = FAMILY_ERROR) -> list[LogJudgement]:
    """The verdict rule (module docstring) over one suite of changes, in their order: each
    one's threshold and MDE, its test beyond the threshold, Holm over all of them at
    ``family_error``, and its status."""
    chosen: list[tuple[float, float]] = []
    p_values = []
    for change in changes:
        se, dof = change.se, change.dof
        mde = _relative((_t(dof, 0.5 + CONFIDENCE_LEVEL / 2) + _t(dof, POWER)) * se)
        threshold = change.requested if change.requested is not None else max(DEFAULT_THRESHOLD, mde)
        threshold = min(threshold, 0.99)  # a speed-up beyond -100 % does not exist
        chosen.append((threshold, mde))
        p_slower = _upper_tail(dof, (change.log_ratio - math.log1p(threshold)) / se)
        p_faster = _upper_tail(dof, (math.log1p(-threshold) - change.log_ratio) / se)
        p_values.append(min(1.0, 2 * min(p_slower, p_faster)))
    adjusted = holm_adjusted(p_values)
    levels = _holm_levels(p_values, family_error)
    return [_decide(change, threshold, mde, p_values[i], adjusted[i], levels[i], family_error, len(changes))
            for i, (change, (threshold, mde)) in enumerate(zip(changes, chosen))]


def _judge(pair: _Pair, judgement: LogJudgement) -> ChangeVerdict:
    settle, more = "", None
    figures = judgement.figures()
    if judgement.status == "unsure":
        assert judgement.settle_se is not None
        settle, more = _settle(pair, judgement.settle_se, f"would read {judgement.reads}")
        settle = f"reads {judgement.reads} if narrower: {settle}"
    elif judgement.status in ("slower", "faster") and pair.runs is not None and not _beyond_any_state(figures) and (
            differed := state_difference(pair.base, pair.current)) is not None:
        # Two runs on two different machines, in effect: the change may be the machine's.
        figures["status"] = "unsure"
        figures["note"] = "; ".join(filter(None, (figures["note"], differed)))
        settle = (f"reads {judgement.status}, but the machine was not in the same state ({differed}), which "
                  "moves some benchmarks by more than any code change: rerun on a quiet machine, or compare "
                  "both versions in one job (`python -m perfbench ab`)")
    return ChangeVerdict(
        lane=pair.current.lane, benchmark=pair.current.benchmark, base_median=pair.base_noise.median,
        current_median=pair.current_noise.median, base_processes=pair.base_noise.processes,
        current_processes=pair.current_noise.processes, noise=pair.noise, settle=settle, more_processes=more,
        severity=pair.severity, **figures)


def _beyond_any_state(figures: dict[str, Any]) -> bool:
    """Whether the change's whole decision interval lies beyond what a machine state has been
    measured to do to a figure (``machine_state.LARGEST_STATE_FACTOR``)."""
    return (figures["decision_low"] > LARGEST_STATE_FACTOR - 1.0
            or figures["decision_high"] < 1.0 / LARGEST_STATE_FACTOR - 1.0)


def _lacking_processes(noise: SideNoise) -> int:
    """Processes a side lacks for an interval, if each new one takes enough samples: three
    processes with a median each (two runs of a command)."""
    if noise.kind == "independent":
        return max(2 - noise.units, 1)
    return max(intervals.MIN_UNITS - noise.processes, 1)


def _why_no_interval(noise: SideNoise) -> str:
    return (f"{noise.processes} process{'es' if noise.processes != 1 else ''}, {noise.samples} "
            f"sample{'s' if noise.samples != 1 else ''}; an interval needs 3 processes, or 15 samples in one")


def _no_interval(pair: _Pair) -> ChangeVerdict:
    threshold = pair.requested if pair.requested is not None else DEFAULT_THRESHOLD
    more = None
    if pair.base_noise.relative_se is None:
        settle = (f"too few samples on the base side for an interval ({_why_no_interval(pair.base_noise)}): "
                  "measure the base again with --processes 3 or more, or a longer --budget")
    else:
        more = _lacking_processes(pair.current_noise)
        settle = (f"too few samples on the current side for an interval ({_why_no_interval(pair.current_noise)}): "
                  f"about {more} more process{'es' if more != 1 else ''} would give one (--until-sure), or run "
                  "with --processes 3 or more, or a longer --budget")
    return ChangeVerdict(
        lane=pair.current.lane, benchmark=pair.current.benchmark, status="unsure", threshold=threshold,
        threshold_requested=pair.requested is not None, severity=pair.severity, base_median=pair.base_noise.median,
        current_median=pair.current_noise.median, base_processes=pair.base_noise.processes,
        current_processes=pair.current_noise.processes,
        change=pair.current_noise.median / pair.base_noise.median - 1.0, noise=pair.noise, settle=settle,
        more_processes=more)


def _not_compared(base: BenchmarkResult | None, current: BenchmarkResult | None,
                  requested: float | None, severity: str) -> ChangeVerdict | None:
    either = current or base
    assert either is not None
    threshold = requested if requested is not None else DEFAULT_THRESHOLD
    common = dict(lane=either.lane, benchmark=either.benchmark, threshold=threshold,
                  threshold_requested=requested is not None, severity=severity)
    if current is None:
        return ChangeVerdict(status="only-in-base", **common)  # type: ignore[arg-type]
    if base is None:
        return ChangeVerdict(status="only-in-current", **common)  # type: ignore[arg-type]
    for side, result in (("base", base), ("current", current)):
        if result.measurement is None or result.failure is not None:
            why = result.failure.message if result.failure else "no measurement"
            return ChangeVerdict(status="not-compared", reason=f"{side}: {why}", **common)  # type: ignore[arg-type]
        broken = next((e for e in result.measurement_errors if "median" in e.figures), None)
        if broken is not None:
            return ChangeVerdict(status="not-compared", reason=f"{side}: {broken.message}",  # type: ignore[arg-type]
                                 **common)
        if not result.measurement.median > 0:
            return ChangeVerdict(status="not-compared", reason=f"{side}: a median of "  # type: ignore[arg-type]
                                 f"{result.measurement.median:g} ns has no relative change", **common)
    return None


def matched(base: Iterable[BenchmarkResult], current: Iterable[BenchmarkResult]
            ) -> tuple[dict[str, BenchmarkResult], dict[str, BenchmarkResult], list[str]]:
    """Both sides' results by ``lane/benchmark``, and every key in the order the base ran
    them, then those only in current: the order a comparison reports in."""
    base_by_key = {r.key: r for r in base}
    current_by_key = {r.key: r for r in current}
    return base_by_key, current_by_key, list(base_by_key) + [k for k in current_by_key if k not in base_by_key]


def compare_results(base: Iterable[BenchmarkResult], current: Iterable[BenchmarkResult], *,
                    thresholds: Mapping[str, float] | None = None,
                    severities: Mapping[str, str] | None = None,
                    run_history: Mapping[str, Sequence[float]] | None = None,
                    family_error: float = FAMILY_ERROR) -> Comparison:
    """Compare ``current`` with ``base``, benchmark by benchmark (matched by lane/name).

    ``thresholds``: the requested threshold per ``lane/benchmark`` key (relative, 0.05 for
    5 %); a benchmark without one gets ``max(DEFAULT_THRESHOLD, its MDE)``.
    ``severities``: what a slower verdict counts as per key (``sla.SEVERITIES``; default
    ``error``, which fails the check; ``warning`` does not).
    ``run_history``: per key, this benchmark's past per-run medians on the same host in run
    order, neither side's run among them: the two sides are then separate runs and the
    variation between runs joins the noise (an empty list: the floor). None: the sides were
    measured in one job. ``family_error``: the chance per comparison that any benchmark
    whose change is within its threshold is called slower or faster.
    """
    if not 0 < family_error < 1:
        raise ValueError(f"family_error must lie between 0 and 1, got {family_error}")
    thresholds = thresholds or {}
    for key, value in thresholds.items():
        problem = threshold_problem(value)
        if problem:
            raise ValueError(f"{key}: {problem}, got {_percent(value)}")
    severities = severities or {}
    for key, severity in severities.items():
        if severity not in SEVERITIES:
            raise ValueError(f"{key}: severity {severity!r} is not one of {', '.join(SEVERITIES)}")
    base_by_key, current_by_key, keys = matched(base, current)

    settled: dict[str, ChangeVerdict] = {}
    pairs: dict[str, _Pair] = {}
    for key in keys:
        b, c = base_by_key.get(key), current_by_key.get(key)
        severity = severities.get(key, DEFAULT_SEVERITY)
        missing = _not_compared(b, c, thresholds.get(key), severity)
        if missing is not None:
            settled[key] = missing
            continue
        assert b is not None and c is not None and b.measurement is not None and c.measurement is not None
        base_noise, current_noise = side_noise(b.measurement), side_noise(c.measurement)
        runs = None
        if run_history is not None:
            within = math.sqrt(((base_noise.relative_se or 0.0) ** 2 + (current_noise.relative_se or 0.0) ** 2) / 2)
            runs = run_noise(run_history.get(key, ()), within,
                             between_processes={base_noise.kind, current_noise.kind} <= {"processes", "independent"})
        pair = _Pair(b, c, base_noise, current_noise, runs, thresholds.get(key), severity)
        if pair.se is None:
            settled[key] = _no_interval(pair)
        else:
            pairs[key] = pair

    changes = [LogChange(key, pair.log_ratio, pair.se, pair.dof, pair.requested)  # type: ignore[arg-type]
               for key, pair in pairs.items()]
    for judgement in judge_changes(changes, family_error):
        settled[judgement.change.key] = _judge(pairs[judgement.change.key], judgement)
    compared = len(pairs)
    return Comparison(verdicts=tuple(settled[key] for key in keys), family_error=family_error, compared=compared,
                      between_runs=run_history is not None)
