"""SLA rules checked on every 1 s window of a running load test, so a run that breaks one can
stop early (``abort_on_fail``) and say which rule broke when.

Written in the lanes' language (``perfbench.sla.Threshold``): ``p99 < 50ms``, ``error_rate < 1%``,
``rate >= 20k/s``, plus ``rate >= 95% of target`` (the rate the schedule asked for in that
second). Latency metrics are the window's corrected ones unless named ``uncorrected_*``.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from perfbench.errors import LoadArgumentError
from perfbench.load.options import Stage
from perfbench.sla import RuleError, Threshold, format_value

# metric -> (timeline column, unit)
WINDOW_METRICS = {
    "p50": ("corrected_p50", "ns"), "p99": ("corrected_p99", "ns"),
    "uncorrected_p50": ("uncorrected_p50", "ns"), "uncorrected_p99": ("uncorrected_p99", "ns"),
    "lag_p50": ("lag_p50", "ns"), "lag_p99": ("lag_p99", "ns"), "lag_max": ("lag_max", "ns"),
    "error_rate": ("error_rate", "fraction"), "rate": ("rate", "per_s"),
}
_KINDS = {"ns": ("duration",), "fraction": ("percent",), "per_s": ("rate", "number")}
_OF_TARGET = re.compile(r"^\s*rate\s*(?P<op><=|>=|<|>)\s*(?P<percent>[0-9]+(?:\.[0-9]*)?)\s*%\s*of\s+target\s*$")


@dataclasses.dataclass(frozen=True, slots=True)
class WindowRule:
    expression: str
    threshold: Threshold
    of_target: float | None = None  # "rate >= 95% of target": 0.95

    def limit(self, target_rate: float | None) -> float:
        return self.threshold.value if self.of_target is None else self.of_target * (target_rate or 0.0)

    def breach(self, row: Mapping[str, Any], target_rate: float | None) -> dict[str, Any] | None:
        column, unit = WINDOW_METRICS[self.threshold.metric]
        if unit == "per_s" and row["span_s"] < 1.0:
            return None  # the run's last, partial window says nothing about a rate
        measured = row[column]
        limit = self.limit(target_rate)
        if dataclasses.replace(self.threshold, value=limit).met_by(measured):
            return None
        return {"rule": self.expression, "second": row["second"], "measured": measured, "limit": limit,
                "message": f"{self.expression} broke in second {row['second']}: {self.threshold.metric} was "
                           f"{format_value(measured, unit)}, limit {format_value(limit, unit)}"}


def _error(rule: object, fix: str) -> LoadArgumentError:
    return LoadArgumentError(f"load_test: sla rule {rule!r} {fix}")


def parse_window_rule(text: object, *, closed: bool) -> WindowRule:
    if not isinstance(text, str):
        raise _error(text, "is not a string such as 'p99 < 50ms'")
    match = _OF_TARGET.match(text)
    if match:
        if closed:
            raise _error(text, "compares with a target rate, and a closed loop has none; write 'rate >= 1000/s'")
        threshold = Threshold("rate", match["op"], f"{match['percent']}% of target", "rate", 0.0)
        return WindowRule(text.strip(), threshold, float(match["percent"]) / 100)
    try:
        threshold = Threshold.parse(text)
    except RuleError as error:
        raise _error(text, f"cannot be read: {error}") from None
    if threshold.metric not in WINDOW_METRICS:
        raise _error(text, f"names {threshold.metric!r}; a load test checks {', '.join(WINDOW_METRICS)} each second")
    unit = WINDOW_METRICS[threshold.metric][1]
    if threshold.kind not in _KINDS[unit]:
        raise _error(text, f"compares {threshold.metric} with a {threshold.kind}; write e.g. "
                           + {"ns": "'p99 < 50ms'", "fraction": "'error_rate < 1%'",
                              "per_s": "'rate >= 20k/s' or 'rate >= 95% of target'"}[unit])
    return WindowRule(text.strip(), threshold)


def parse_window_rules(rules: Iterable[object] | str | None, *, closed: bool) -> tuple[WindowRule, ...]:
    if rules is None:
        return ()
    if isinstance(rules, str):
        rules = [rules]
    return tuple(parse_window_rule(rule, closed=closed) for rule in rules)


def target_rate_at(stages: Sequence[Stage], second: float) -> float | None:
    """The rate the schedule asks for at ``second`` from the start (None for a closed loop)."""
    start = 0.0
    for stage in stages:
        if second < start + stage.duration_s:
            return stage.rate
        start += stage.duration_s
    return stages[-1].rate if stages else None


def first_breach(rules: Sequence[WindowRule], rows: Iterable[Mapping[str, Any]],
                 stages: Sequence[Stage]) -> dict[str, Any] | None:
    for row in rows:
        for rule in rules:
            breach = rule.breach(row, target_rate_at(stages, row["second"]))
            if breach:
                return breach
    return None


def whole_run_rule(expression: str) -> str:
    """The rule judged on a whole stored run that a window rule stands for: ``rate >= 95% of
    target`` is ``rate_of_target >= 95%`` there; the other names are the same (load/stored.py)."""
    match = _OF_TARGET.match(expression)
    if match is None:
        return expression
    return f"rate_of_target {match['op']} {match['percent']}%"
