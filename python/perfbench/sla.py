"""SLA rules: small objects with one method, ``evaluate(result) -> Verdict``.

A rule reads like a k6 threshold: ``p99 < 2ms``, ``mean < 5m``, ``max_rss < 512MB``,
``cpu_avg < 30%``, ``throughput > 10/s``, ``error_rate < 1%``, ``ticks_p99 <= 8``.
Severities come two ways:

* ``rule("p99 < 2ms", severity="error")``: one threshold, one severity;
* ``tiers(target="p99 < 10ms", acceptable="p99 < 50ms", critical="p99 < 100ms")``:
  meeting the target passes; missing it but meeting *acceptable* is a warning; beyond
  acceptable but within *critical* is an error; beyond critical is critical.

A verdict the data cannot support is refused: a percentile from fewer samples than it
needs (at least one sample expected beyond it: p99 needs 100, p99.9 needs 1,000) is
reported as "insufficient samples", never as a pass.
"""

from __future__ import annotations

import dataclasses
import math
import operator
import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from perfbench.errors import UnitError
from perfbench.analysis.metrics_lookup import MetricValue, lookup_metric, percentile_of, unmeasurable_reason
from perfbench.model import BenchmarkResult
from perfbench.units import (format_duration_ns, format_size, parse_byte_rate, parse_duration, parse_percent,
                             parse_rate, parse_size)

SEVERITIES = ("warning", "error", "critical")
_RANK = {None: 0, "warning": 1, "error": 2, "critical": 3}

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
    status: str  # pass | violated | insufficient | not-evaluated | not-measurable | invalid
    severity: str | None  # warning | error | critical when violated (and for invalid rules: error)
    message: str
    limit: float | None = None  # the threshold judged against (a tiered rule's target), base unit

    @property
    def label(self) -> str:
        if self.status == "violated":
            return self.severity.upper()  # type: ignore[union-attr]
        return {"pass": "PASS", "insufficient": "INSUFFICIENT SAMPLES", "not-evaluated": "NOT EVALUATED",
                "not-measurable": "NOT MEASURABLE", "invalid": "INVALID RULE"}[self.status]

    @property
    def rank(self) -> int:
        return _RANK[self.severity]


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


class _RuleBase:
    name: str

    def _verdict(self, result: BenchmarkResult, expression: str, metric: str, status: str,
                 severity: str | None, message: str, value: MetricValue | None = None) -> Verdict:
        limit = getattr(self, "threshold", None) or getattr(self, "target", None)
        return Verdict(rule=self.name, benchmark=result.key, expression=expression, metric=metric,
                       measured=value.value if value else None, unit=value.unit if value else None,
                       status=status, severity=severity, message=message, limit=limit.value if limit else None)

    def _precheck(self, result: BenchmarkResult, threshold: Threshold, expression: str
                  ) -> tuple[MetricValue | None, Verdict | None]:
        if result.measurement is None:
            return None, self._verdict(result, expression, threshold.metric, "not-evaluated", None,
                                       "the benchmark did not produce a measurement")
        value = lookup_metric(result, threshold.metric)
        reason = unmeasurable_reason(result, threshold.metric) if value is None else None
        if reason is not None:  # the machine cannot give it: neither a pass nor a broken rule
            return None, self._verdict(result, expression, threshold.metric, "not-measurable", None,
                                       f"{threshold.metric} is not measurable here: {reason}")
        if value is None:
            return None, self._verdict(result, expression, threshold.metric, "invalid", "error",
                                       f"no metric named {threshold.metric!r} in this result")
        if not threshold.compatible_with(value.unit):
            return None, self._verdict(result, expression, threshold.metric, "invalid", "error",
                                       f"{threshold.text!r} is a {threshold.kind} but {threshold.metric} is "
                                       f"measured in {value.unit}", value)
        quantile = percentile_of(threshold.metric)
        if quantile is not None and value.sample_count is not None:
            needed = math.ceil(round(1.0 / (1.0 - quantile), 6))
            if value.sample_count < needed:
                return None, self._verdict(
                    result, expression, threshold.metric, "insufficient", None,
                    f"{threshold.metric} needs at least {needed} samples, this result has {value.sample_count}",
                    value)
        return value, None


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

    def evaluate(self, result: BenchmarkResult) -> Verdict:
        value, refused = self._precheck(result, self.threshold, self.expression)
        if refused:
            return refused
        assert value is not None
        shown = format_value(value.value, value.unit)
        if self.threshold.met_by(value.value):
            return self._verdict(result, self.expression, self.threshold.metric, "pass", None,
                                 f"{self.threshold.metric} = {shown}", value)
        return self._verdict(result, self.expression, self.threshold.metric, "violated", self.severity,
                             f"{self.threshold.metric} = {shown}, limit {self.threshold.op} {self.threshold.text}",
                             value)


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

    def evaluate(self, result: BenchmarkResult) -> Verdict:
        value, refused = self._precheck(result, self.target, self.expression)
        if refused:
            return refused
        assert value is not None
        shown = f"{self.target.metric} = {format_value(value.value, value.unit)}"
        if self.target.met_by(value.value):
            return self._verdict(result, self.expression, self.target.metric, "pass", None, shown, value)
        if self.acceptable is not None and self.acceptable.met_by(value.value):
            severity, why = "warning", f"misses the target {self.target.op} {self.target.text}, within acceptable"
        elif self.critical is not None and self.critical.met_by(value.value):
            severity, why = "error", "beyond acceptable, within the critical limit"
        elif self.critical is not None:
            severity, why = "critical", f"beyond the critical limit {self.critical.op} {self.critical.text}"
        else:
            severity, why = "error", f"misses the target {self.target.op} {self.target.text}"
        return self._verdict(result, self.expression, self.target.metric, "violated", severity,
                             f"{shown}: {why}", value)


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


def worst_severity(verdicts: Iterable[Verdict]) -> str | None:
    worst: str | None = None
    for verdict in verdicts:
        if verdict.status in ("violated", "invalid") and _RANK[verdict.severity] > _RANK[worst]:
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
