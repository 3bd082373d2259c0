"""SLA rules as a config writes them, into Rule objects.

The one parser of SLA rules as users write them, in a config file or in
``@perfbench.benchmark(sla=...)``. Three forms: ``"mean < 5m"`` (severity error);
``{ rule = "p99 < 500s", severity = "critical" }``; and tiers ``{ target = .., acceptable
= .., critical = .. }``. Beyond what ``perfbench.sla`` checks, the metric must be one the
runner reports (``analysis/metric_names``; a typo gets a did-you-mean), the threshold must
be written in that metric's unit, a percentile must name a quantile strictly between 0 and
100, and tiers must bound the same metric the same way, loosening from target to critical.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from typing import Any

from perfbench.config.fields import Where, check_keys, key_path, non_empty_string, show
from perfbench.analysis import metric_names
from perfbench.analysis.metrics_lookup import percentile_of
from perfbench.sla import SEVERITIES, Rule, RuleError, SlaRule, Threshold, TieredRule
from perfbench.units import BYTE_RATE_HELP, DURATION_HELP, RATE_HELP, SIZE_HELP

_RULE_KEYS = ("rule", "severity", "name")
_TIER_KEYS = ("target", "acceptable", "critical", "name")
_SLA_HELP = ('an array of rules: "mean < 5m", { rule = "p99 < 500s", severity = "critical" } or '
             '{ target = "p95 < 400s", acceptable = "p95 < 450s", critical = "p95 < 500s" }')

_UNIT_HELP = {"ns": DURATION_HELP, "bytes": SIZE_HELP, "per_s": RATE_HELP, "bytes_per_s": BYTE_RATE_HELP,
              "fraction": "a percentage such as 30%", "ratio": "a number or a percentage",
              "ticks": "a number of ticks such as 8", "count": "a number such as 3"}
_PERCENTILE_LIKE = re.compile(r"(?:^|_)p[0-9][^_]*$")


def _threshold(where: Where, key: str, expression: object) -> Threshold:
    if not isinstance(expression, str):
        raise where.error(key, f"expected a rule as a string such as \"p99 < 500s\", got {show(expression)}")
    try:
        threshold = Threshold.parse(expression)
    except RuleError as error:
        raise where.error(key, str(error)) from None
    metric = threshold.metric
    if _PERCENTILE_LIKE.search(metric):
        quantile = percentile_of(metric)
        if quantile is None or not 0.0 < quantile < 1.0:
            raise where.error(key, f"{metric!r} is not a percentile; write p50, p90, p95, p99, p99.9 or p999 "
                                   "(min and max for the extremes)")
    unit = metric_names.unit_of(metric)
    if unit is None:
        close = metric_names.did_you_mean(metric)
        hint = f"did you mean {close!r}? " if close else ""
        raise where.error(key, f"{expression!r}: no metric named {metric!r}; {hint}known: the statistics "
                               f"({', '.join(metric_names.TIME_STATISTICS)}, any pNN, ticks_*), cv, throughput, "
                               "error_rate, the resource figures (cpu_avg, max_rss, ...) and those of baselines "
                               "and sweeps (see the README's SLA metrics)")
    if not threshold.compatible_with(unit):
        raise where.error(key, f"{expression!r}: {metric} is compared with {_UNIT_HELP[unit]}, "
                               f"not a {threshold.kind} ({threshold.text!r})")
    return threshold


def _severity(where: Where, key: str, value: object) -> str:
    if value in SEVERITIES:
        return value  # type: ignore[return-value]
    close = difflib.get_close_matches(value, SEVERITIES, n=1) if isinstance(value, str) else []
    hint = f"did you mean {close[0]!r}? " if close else ""
    raise where.error(key, f"{show(value)} is not a severity; {hint}accepted: {', '.join(SEVERITIES)}")


_UPPER, _LOWER = ("<", "<="), (">", ">=")


def _check_tiers(where: Where, key: str, tiers: list[tuple[str, Threshold]]) -> None:
    target = tiers[0][1]
    example = "target = \"p95 < 400s\", acceptable = \"p95 < 450s\", critical = \"p95 < 500s\""
    for label, tier in tiers[1:]:
        if tier.metric != target.metric:
            raise where.error(f"{key}.{label}", f"all tiers must judge the same metric: the target judges "
                                                f"{target.metric!r}, {label} judges {tier.metric!r}; e.g. {example}")
        same_direction = ({tier.op, target.op} <= set(_UPPER)) or ({tier.op, target.op} <= set(_LOWER))
        if not same_direction or tier.kind != target.kind:
            raise where.error(f"{key}.{label}", f"{tier.expression!r} must bound {target.metric} the same way as "
                                                f"the target {target.expression!r}; e.g. {example}")
    values = [tier.value for _, tier in tiers]
    loosening = values if target.op in _UPPER else [-v for v in values]
    if loosening != sorted(loosening):
        shown = ", ".join(f"{label} {tier.expression}" for label, tier in tiers)
        raise where.error(key, f"tiers must loosen from target to acceptable to critical, got {shown}; "
                               f"e.g. {example}")


def _rule_name(where: Where, key: str, table: Mapping[str, Any]) -> str:
    return non_empty_string(where, key_path(key, "name"), table["name"], '"p95 budget"') if "name" in table else ""


def _sla_entry(where: Where, key: str, entry: object) -> Rule:
    if isinstance(entry, str):
        return SlaRule(_threshold(where, key, entry))
    if not isinstance(entry, dict):
        raise where.error(key, f"expected a rule, got {show(entry)}; an SLA is {_SLA_HELP}")
    if "rule" in entry and "target" in entry:
        raise where.error(key, "has both 'rule' and 'target'; a rule is one threshold with a severity, "
                               "tiers are target/acceptable/critical: pick one")
    if "rule" in entry:
        check_keys(where, key, entry, _RULE_KEYS)
        threshold = _threshold(where, key_path(key, "rule"), entry["rule"])
        severity = _severity(where, key_path(key, "severity"), entry.get("severity", "error"))
        return SlaRule(threshold, severity=severity, name=_rule_name(where, key, entry))
    if "target" in entry:
        check_keys(where, key, entry, _TIER_KEYS)
        tiers = [(label, _threshold(where, key_path(key, label), entry[label]))
                 for label in ("target", "acceptable", "critical") if label in entry]
        _check_tiers(where, key, tiers)
        found = dict(tiers)
        return TieredRule(found["target"], found.get("acceptable"), found.get("critical"),
                          name=_rule_name(where, key, entry))
    check_keys(where, key, entry, _RULE_KEYS + _TIER_KEYS[:-1])
    raise where.error(key, "missing key 'rule' or 'target'; a table rule is { rule = \"p99 < 500s\", "
                           "severity = \"critical\" } or { target = \"p95 < 400s\", acceptable = \"p95 < 450s\", "
                           "critical = \"p95 < 500s\" }")


def sla_rules(where: Where, key: str, value: object) -> tuple[Rule, ...]:
    if not isinstance(value, list):
        fix = f"; write sla = [{show(value)}]" if isinstance(value, str) else ""
        raise where.error(key, f"expected {_SLA_HELP}, got {show(value)}{fix}")
    return tuple(_sla_entry(where, f"{key}[{index}]", entry) for index, entry in enumerate(value))
