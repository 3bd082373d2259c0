"""SLA rules: small objects with one method, ``evaluate(result) -> Verdict``.

A rule reads like a k6 threshold: ``p99 < 2ms``, ``mean < 5m``, ``max_rss < 512MB``,
``cpu_avg < 30%``, ``throughput > 10/s``, ``error_rate < 1%``, ``ticks_p99 <= 8``.
Severities come two ways:

* ``rule("p99 < 2ms", severity="error")``: one threshold, one severity;
* ``tiers(target="p99 < 10ms", acceptable="p99 < 50ms", critical="p99 < 100ms")``:
  meeting the target passes; missing it but meeting *acceptable* is a warning; beyond
  acceptable but within *critical* is an error; beyond critical is critical.

Every rule is judged on the figure **and its 95 % confidence interval** (see
``analysis/intervals.py`` for where the interval's noise comes from):

* PASS -- the whole interval meets the rule;
* the rule's severity, or the tier reached -- the whole interval breaks it;
* UNSURE -- the interval straddles a limit; the verdict names the outcomes it lies
  between and what would settle it (more samples, more processes, a quieter machine).
  An UNSURE does not fail a run unless asked (``--fail-on-unsure``); it then counts as
  the worse of its outcomes;
* INSUFFICIENT SAMPLES -- a statistic of the samples that they cannot support with an
  interval: a percentile needs at least one sample beyond it in each of three processes or
  batches (p99: 3 x 100), and any percentile at least one sample beyond it overall.

A figure a workload reported once, or an observed extreme (min, max), has no interval; it
is judged on its value and the verdict says so.
"""

from __future__ import annotations

import dataclasses
import math
import operator
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from perfbench.errors import UnitError
from perfbench.analysis import intervals
from perfbench.analysis.interference import environment_note
from perfbench.analysis.metrics_lookup import MetricValue, lookup_metric, percentile_of, unmeasurable_reason
from perfbench.analysis.plausibility import error_for
from perfbench.model import BenchmarkResult
from perfbench.units import (format_duration_ns, format_size, parse_byte_rate, parse_duration, parse_percent,
                             parse_rate, parse_size)

SEVERITIES = ("warning", "error", "critical")  # the one severity order, mildest first
_RANK = {None: 0, "pass": 0, "warning": 1, "error": 2, "critical": 3}


def severity_rank(severity: str | None) -> int:
    """0 for none, then warning < error < critical."""
    return _RANK[severity]

_OPERATORS: dict[str, Callable[[float, float], bool]] = {
    "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge, "==": operator.eq,
}
_EXPRESSION = re.compile(r"^\s*(?P<metric>[A-Za-z_][A-Za-z0-9_.]*)\s*(?P<op><=|>=|==|<|>)\s*(?P<value>\S.*?)\s*$")
_NUMBER = re.compile(r"^[-+]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][-+]?[0-9]+)?$")

# What a threshold's text can be, and the metric units it may be compared with.
_QUANTITY_PARSERS: tuple[tuple[str, Callable[[str], float], tuple[str, ...]], ...] = (
    ("duration", lambda t: parse_duration(t) * 1e9, ("ns",)),  # stored in ns
    ("size", parse_size, ("bytes",)),
    ("rate", parse_rate, ("per_s",)),
    ("byte rate", parse_byte_rate, ("bytes_per_s",)),
    ("percent", parse_percent, ("fraction", "ratio")),
)
_NUMBER_UNITS = ("ratio", "count", "ticks", "fraction")

EXPRESSION_HELP = ("a rule such as 'p99 < 2ms', 'mean < 5m', 'max_rss < 512MB', 'cpu_avg < 30%', "
                   "'throughput > 10/s' or 'ticks_p99 <= 8'")


class RuleError(ValueError):
    """A rule that cannot be parsed; the message says what is accepted."""


@dataclasses.dataclass(frozen=True, slots=True)
class Threshold:
    metric: str
    op: str
    text: str  # the threshold as written, e.g. "2ms"
    kind: str  # duration | size | rate | percent | number
    value: float  # in the metric's base unit (ns, bytes, per second, fraction, plain)

    @staticmethod
    def parse(expression: str) -> Threshold:
        match = _EXPRESSION.match(expression)
        if not match:
            raise RuleError(f"{expression!r} is not {EXPRESSION_HELP}")
        metric, op, text = match["metric"], match["op"], match["value"]
        if _NUMBER.match(text):
            return Threshold(metric, op, text, "number", float(text))
        sign, magnitude = (-1.0, text[1:]) if text.startswith("-") else (1.0, text)
        for kind, parse, _units in _QUANTITY_PARSERS:
            try:
                return Threshold(metric, op, text, kind, sign * parse(magnitude))
            except UnitError:
                continue
        raise RuleError(f"{expression!r}: threshold {text!r} is not a number, duration (2ms), size (512MB), "
                        "rate (10/s), byte rate (1GB/s) or percentage (30%)")

    @property
    def expression(self) -> str:
        return f"{self.metric} {self.op} {self.text}"

    def compatible_with(self, unit: str) -> bool:
        if self.kind == "number":
            return unit in _NUMBER_UNITS
        return any(kind == self.kind and unit in units for kind, _parse, units in _QUANTITY_PARSERS)

    def met_by(self, value: float) -> bool:
        return _OPERATORS[self.op](value, self.value)


@dataclasses.dataclass(frozen=True, slots=True)
class Verdict:
    rule: str  # the rule's name
    benchmark: str  # lane/benchmark
    expression: str  # what was checked, e.g. "p99 < 10ms (acceptable < 50ms, critical < 100ms)"
    metric: str
    measured: float | None
    unit: str | None
    # pass | violated | unsure | insufficient | not-evaluated | not-measurable | invalid | measurement-error
    status: str
    # violated: its severity; unsure: the worst it may be; invalid rules: error
    severity: str | None
    message: str
    limit: float | None = None  # the threshold judged against (a tiered rule's target), base unit
    low: float | None = None  # the measured figure's 95 % interval, when it has one
    high: float | None = None
    noise: str = ""  # where the interval came from, or why the figure has none
    settle: str = ""  # for UNSURE: what would settle it
    between: tuple[str, str] | None = None  # for UNSURE: the outcomes the interval spans, e.g. (PASS, WARNING)
    environment: str = ""  # what in the environment may have moved this figure (load, interference)

    @property
    def label(self) -> str:
        if self.status == "violated":
            return self.severity.upper()  # type: ignore[union-attr]
        return {"pass": "PASS", "unsure": "UNSURE", "insufficient": "INSUFFICIENT SAMPLES",
                "not-evaluated": "NOT EVALUATED", "not-measurable": "NOT MEASURABLE",
                "invalid": "INVALID RULE", "measurement-error": "MEASUREMENT ERROR"}[self.status]

    @property
    def rank(self) -> int:
        return _RANK[self.severity]

    def to_dict(self) -> dict[str, Any]:
        data = {field.name: getattr(self, field.name) for field in dataclasses.fields(self)}
        data["between"] = list(self.between) if self.between else None
        return data

    @staticmethod
    def from_dict(data: Mapping[str, Any]) -> Verdict:
        known = {field.name for field in dataclasses.fields(Verdict)}
        values = {key: value for key, value in data.items() if key in known}
        if values.get("between"):
            values["between"] = tuple(values["between"])
        return Verdict(**values)


def fails_run(verdict: Verdict, *, fail_on: str = "error", fail_on_unsure: bool = False) -> bool:
    """Whether this verdict fails a run or a check: a violation (or an invalid rule) at or
    above ``fail_on``; an UNSURE whose worse outcome is, when ``fail_on_unsure``."""
    if verdict.status in ("violated", "invalid") or (fail_on_unsure and verdict.status == "unsure"):
        return _RANK[verdict.severity] >= _RANK[fail_on]
    return False


def format_value(value: float | None, unit: str | None) -> str:
    if value is None or unit is None:
        return "-"
    if unit == "ns":
        return format_duration_ns(value)
    if unit == "bytes":
        return format_size(value)
    if unit == "bytes_per_s":
        return format_size(value) + "/s"
    if unit == "per_s":
        for limit, divisor, prefix in ((1e4, 1.0, ""), (1e6, 1e3, "k"), (1e9, 1e6, "M")):
            if abs(value) < limit:
                return f"{value / divisor:.4g}{prefix}/s"
        return f"{value / 1e9:.4g}G/s"
    if unit == "fraction":
        return f"{100 * value:.3g} %"
    return f"{value:.4g}"


def format_interval(value: float, low: float | None, high: float | None, unit: str | None) -> str:
    """An interval for people: "[1.2 ms, 1.4 ms]", or "± 0.02 %" when its ends would print alike."""
    if low is None or high is None:
        return ""
    shown_low, shown_high = format_value(low, unit), format_value(high, unit)
    if shown_low == shown_high and value:
        half = max(high - value, value - low)
        return f"± {100 * half / abs(value):.2g} %"
    return f"[{shown_low}, {shown_high}]"


def _outcome_label(outcome: str) -> str:
    return outcome.upper()


class _RuleBase:
    """What a plain rule and a tiered one share: each is a ladder of limits, from the
    target (meeting it passes) outwards, each with the outcome of meeting it and an
    outcome for beyond the last. A figure's outcome is the first rung it meets; since
    the limits loosen outwards, the outcomes of an interval's ends bound every value in it."""

    name: str

    def _ladder(self) -> tuple[list[tuple[Threshold, str]], str]:
        raise NotImplementedError

    @property
    def _first(self) -> Threshold:
        return self._ladder()[0][0][0]

    def _outcome(self, x: float) -> str:
        rungs, beyond = self._ladder()
        return next((outcome for threshold, outcome in rungs if threshold.met_by(x)), beyond)

    def _verdict(self, result: BenchmarkResult, status: str, severity: str | None, message: str,
                 value: MetricValue | None = None, **extra: Any) -> Verdict:
        return Verdict(rule=self.name, benchmark=result.key, expression=self.expression, metric=self._first.metric,
                       measured=value.value if value else None, unit=value.unit if value else None,
                       status=status, severity=severity, message=message, limit=self._first.value,
                       low=value.low if value else None, high=value.high if value else None,
                       noise=value.noise if value else "", environment=environment_note(result), **extra)

    def _precheck(self, result: BenchmarkResult) -> tuple[MetricValue | None, Verdict | None]:
        threshold = self._first
        if result.measurement is None:
            return None, self._verdict(result, "not-evaluated", None, "the benchmark did not produce a measurement")
        value = lookup_metric(result, threshold.metric)
        reason = unmeasurable_reason(result, threshold.metric) if value is None else None
        if reason is not None:  # the machine cannot give it: neither a pass nor a broken rule
            return None, self._verdict(result, "not-measurable", None,
                                       f"{threshold.metric} is not measurable here: {reason}")
        if value is None:
            return None, self._verdict(result, "invalid", "error", f"no metric named {threshold.metric!r} in this result")
        if not threshold.compatible_with(value.unit):
            return None, self._verdict(result, "invalid", "error", f"{threshold.text!r} is a {threshold.kind} but "
                                       f"{threshold.metric} is measured in {value.unit}", value)
        impossible = error_for(result, threshold.metric)
        if impossible is not None:
            # Never a pass nor a violation: the figure is an error of the measurement. Not
            # counted as a failed check either, like insufficient samples: re-measure.
            return None, self._verdict(result, "measurement-error", None, f"measurement error: {impossible.message}")
        quantile = percentile_of(threshold.metric)
        if quantile is not None and value.sample_count is not None:
            needed = math.ceil(round(1.0 / (1.0 - quantile), 6))
            if value.sample_count < needed:
                return None, self._verdict(
                    result, "insufficient", None,
                    f"{threshold.metric} needs at least {needed} samples, this result has {value.sample_count}", value)
        if value.needs_interval and not value.has_interval:
            return None, self._verdict(result, "insufficient", None, _why_no_interval(threshold.metric, value), value)
        return value, None

    def evaluate(self, result: BenchmarkResult) -> Verdict:
        value, refused = self._precheck(result)
        if refused:
            return refused
        assert value is not None
        first = self._first
        shown = f"{first.metric} = {format_value(value.value, value.unit)}"
        if value.has_interval:
            shown += " " + format_interval(value.value, value.low, value.high, value.unit)
        if not value.has_interval or first.op == "==":
            return self._decided(result, value, self._point_outcome(value), shown)
        low_outcome, high_outcome = self._outcome(value.low), self._outcome(value.high)  # type: ignore[arg-type]
        if low_outcome == high_outcome:
            return self._decided(result, value, low_outcome, shown)
        mild, worse = sorted((low_outcome, high_outcome), key=lambda o: _RANK[o])
        return self._verdict(result, "unsure", None if worse == "pass" else worse,
                             f"{shown}: between {_outcome_label(mild)} and {_outcome_label(worse)}", value,
                             settle=_what_settles(value, self._straddled(value)),
                             between=(_outcome_label(mild), _outcome_label(worse)))

    def _point_outcome(self, value: MetricValue) -> str:
        if self._first.op == "==" and value.has_interval and value.low != value.high:
            assert value.low is not None and value.high is not None
            return "unsure" if value.low <= self._first.value <= value.high else self._outcome(value.value)
        return self._outcome(value.value)

    def _straddled(self, value: MetricValue) -> float:
        """The limit the interval straddles that lies nearest to the point estimate."""
        rungs, _ = self._ladder()
        inside = [t.value for t, _ in rungs
                  if min(value.low, value.high) <= t.value <= max(value.low, value.high)]  # type: ignore[type-var]
        return min(inside or [self._first.value], key=lambda limit: abs(limit - value.value))

    def _decided(self, result: BenchmarkResult, value: MetricValue, outcome: str, shown: str) -> Verdict:
        if outcome == "unsure":  # an equality rule whose interval holds the limit and other values
            return self._verdict(result, "unsure", self._ladder()[1], f"{shown}: the interval holds the limit and "
                                 "values beside it", value, settle=_what_settles(value, self._first.value),
                                 between=("PASS", _outcome_label(self._ladder()[1])))
        if outcome == "pass":
            return self._verdict(result, "pass", None, shown, value)
        return self._verdict(result, "violated", outcome, f"{shown}: {self._why(outcome)}", value)

    def _why(self, severity: str) -> str:
        raise NotImplementedError


def _why_no_interval(metric: str, value: MetricValue) -> str:
    if value.noise_kind in ("independent", "single") and value.noise_units <= 1 and value.sample_count == 1:
        return f"{metric} of one run has no interval: run at least 2 iterations (--iterations)"
    statistic = {"throughput": "mean", "p50": "median", "p99.9": "p999"}.get(metric.removeprefix("ticks_"),
                                                                            metric.removeprefix("ticks_"))
    per_unit = intervals.STATISTICS[statistic][1] if statistic in intervals.STATISTICS else intervals.MIN_UNITS
    return (f"{metric} needs an interval: {intervals.MIN_UNITS} processes or batches of at least {per_unit} samples "
            f"({intervals.MIN_UNITS * per_unit} samples from one process); this result has {value.sample_count}")


def _what_settles(value: MetricValue, limit: float) -> str:
    """What would narrow the interval enough to leave the limit outside it: the interval's
    half-width shrinks as one over the square root of its units (processes, batches, runs)."""
    assert value.low is not None and value.high is not None
    distance = abs(value.value - limit)
    if distance == 0:
        return "the figure sits on the limit: more data will not move it off"
    half = (value.high - value.low) / 2.0
    factor = max(1.0, (half / distance) ** 2)
    if value.noise_kind == "processes":
        return f"about {math.ceil(value.noise_units * factor)} processes (--processes), or a quieter machine"
    if value.noise_kind == "independent":
        return f"about {math.ceil(value.noise_units * factor)} iterations (--iterations), or a quieter machine"
    return (f"about {factor:.0f}x the samples (--budget), or 3+ processes (--processes) for an interval that holds "
            "across processes, or a quieter machine")


@dataclasses.dataclass(frozen=True, slots=True)
class SlaRule(_RuleBase):
    threshold: Threshold
    severity: str = "error"
    name: str = ""

    def __post_init__(self) -> None:
        if self.severity not in SEVERITIES:
            raise RuleError(f"severity {self.severity!r} is not one of {', '.join(SEVERITIES)}")
        if not self.name:
            object.__setattr__(self, "name", self.threshold.expression)

    @property
    def expression(self) -> str:
        return self.threshold.expression

    @property
    def metrics(self) -> tuple[str, ...]:
        return (self.threshold.metric,)

    def _ladder(self) -> tuple[list[tuple[Threshold, str]], str]:
        return [(self.threshold, "pass")], self.severity

    def _why(self, severity: str) -> str:
        return f"limit {self.threshold.op} {self.threshold.text}"


@dataclasses.dataclass(frozen=True, slots=True)
class TieredRule(_RuleBase):
    target: Threshold
    acceptable: Threshold | None = None
    critical: Threshold | None = None
    name: str = ""

    def __post_init__(self) -> None:
        for tier in (self.acceptable, self.critical):
            if tier is not None and tier.metric != self.target.metric:
                raise RuleError(f"all tiers must judge the same metric: {self.target.metric!r} vs {tier.metric!r}")
        if not self.name:
            object.__setattr__(self, "name", self.target.expression)

    @property
    def expression(self) -> str:
        extra = [f"{label} {t.op} {t.text}" for label, t in (("acceptable", self.acceptable),
                                                                ("critical", self.critical)) if t]
        return self.target.expression + (f" ({', '.join(extra)})" if extra else "")

    @property
    def metrics(self) -> tuple[str, ...]:
        return (self.target.metric,)

    def _ladder(self) -> tuple[list[tuple[Threshold, str]], str]:
        rungs = [(self.target, "pass")]
        if self.acceptable is not None:
            rungs.append((self.acceptable, "warning"))
        if self.critical is not None:
            rungs.append((self.critical, "error"))
        return rungs, "critical" if self.critical is not None else "error"

    def _why(self, severity: str) -> str:
        if severity == "warning":
            return f"misses the target {self.target.op} {self.target.text}, within acceptable"
        if severity == "error" and self.critical is not None:
            return "beyond acceptable, within the critical limit"
        if severity == "critical" and self.critical is not None:
            return f"beyond the critical limit {self.critical.op} {self.critical.text}"
        return f"misses the target {self.target.op} {self.target.text}"


Rule = SlaRule | TieredRule


def rule(expression: str, *, severity: str = "error", name: str | None = None) -> SlaRule:
    return SlaRule(Threshold.parse(expression), severity=severity, name=name or "")


def tiers(*, target: str, acceptable: str | None = None, critical: str | None = None,
          name: str | None = None) -> TieredRule:
    return TieredRule(Threshold.parse(target), Threshold.parse(acceptable) if acceptable else None,
                      Threshold.parse(critical) if critical else None, name=name or "")


def evaluate_all(pairs: Iterable[tuple[BenchmarkResult, Sequence[Rule]]]) -> list[Verdict]:
    """Every rule against its result; all verdicts are collected, then reported once."""
    return [r.evaluate(result) for result, rules in pairs for r in rules]


def worst_severity(verdicts: Iterable[Verdict], *, include_unsure: bool = False) -> str | None:
    """The worst severity among violations (and invalid rules), and UNSURE verdicts' worse
    outcomes when ``include_unsure``."""
    worst: str | None = None
    for verdict in verdicts:
        counted = verdict.status in ("violated", "invalid") or (include_unsure and verdict.status == "unsure")
        if counted and _RANK[verdict.severity] > _RANK[worst]:
            worst = verdict.severity
    return worst


def rule_from_spec(spec: str | dict[str, Any]) -> Rule:
    """A rule from its config form: ``"p99 < 2ms"``, ``{rule = "...", severity = "..."}`` or
    ``{target = "...", acceptable = "...", critical = "...", name = "..."}``."""
    if isinstance(spec, str):
        return rule(spec)
    if "target" in spec:
        return tiers(target=spec["target"], acceptable=spec.get("acceptable"), critical=spec.get("critical"),
                     name=spec.get("name"))
    return rule(spec["rule"], severity=spec.get("severity", "error"), name=spec.get("name"))


def rule_to_spec(sla_rule: Rule) -> dict[str, Any]:
    if isinstance(sla_rule, TieredRule):
        return {"target": sla_rule.target.expression,
                "acceptable": sla_rule.acceptable.expression if sla_rule.acceptable else None,
                "critical": sla_rule.critical.expression if sla_rule.critical else None, "name": sla_rule.name}
    return {"rule": sla_rule.threshold.expression, "severity": sla_rule.severity, "name": sla_rule.name}
