"""What the ``perfbench`` fixture gives a test (hooks.py makes it): time a function with the
C++ loop, assert SLA rules on it.

    def test_sort(perfbench):
        m = perfbench(sorted, data, budget="0.2s")   # a perfbench.Measurement
        perfbench.assert_sla(m, "p99 < 50us", "median < 20us")

``perfbench(fn, *args, **kwargs)`` is ``perfbench.measure(fn, *args, **kwargs)``: keyword
arguments named like measure's options (``budget``, ``min_sample_time``, ``warmup``,
``max_samples``, ``iterations``, ``subtract_overhead``, ``hardware_counters``) are options,
the others go to ``fn``. Options set with ``perfbench.options(budget="0.1s")`` apply to the
test's later calls, over ``--perfbench-budget``. An exception raised by ``fn`` fails the test.

When the fixture does not time (``--perfbench-disable``; an xdist worker without
``--perfbench-force``), ``fn`` runs once and the call returns an ``Untimed`` record
(``.result`` is what ``fn`` returned, ``.reason`` why it was not timed);
``perfbench.enabled`` says which. ``assert_sla`` on it passes, and the summary says untimed.

**What fails ``assert_sla``**: rules are judged as lanes judge them (perfbench/sla.py), on the
figure and its 95 % interval. Only a PASS passes (or a violation of a rule written with
``severity="warning"``, which the summary shows). A violation at error or critical severity
fails, and so does an UNSURE verdict whose worse outcome would: an interval that straddles the
limit has not shown the rule holds, and the message says what would settle it (usually a
longer budget). INSUFFICIENT SAMPLES (p99 needs 300 samples in three batches), a rule on a
figure this measurement lacks (the resource figures, e.g. ``max_rss``: a fixture call is not
sampled) and a rule that cannot be parsed fail too: an assertion that could not be checked
is not a pass. Every failure carries the figure, its 95 % interval and the limit.
"""

from __future__ import annotations

import inspect
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from perfbench.pytest_plugin.options import LANE
from perfbench.pytest_plugin.records import CallRecord, Untimed
from perfbench.pytest_plugin.state import PluginState

if TYPE_CHECKING:
    from perfbench.model import BenchmarkResult, Measurement
    from perfbench.sla import Rule, Verdict


def _option_names() -> frozenset[str]:
    """The keyword options ``perfbench.measure`` takes: the one list of them."""
    from perfbench.measuring.timing import measure

    return frozenset(name for name, parameter in inspect.signature(measure).parameters.items()
                     if parameter.kind is inspect.Parameter.KEYWORD_ONLY)


def _split(kwargs: Mapping[str, Any], names: frozenset[str]) -> tuple[dict[str, Any], dict[str, Any]]:
    options = {key: value for key, value in kwargs.items() if key in names}
    return options, {key: value for key, value in kwargs.items() if key not in names}


class PerfbenchFixture:
    """The fixture's value: call it to time a function; ``assert_sla`` to check rules."""

    def __init__(self, state: PluginState, node: pytest.Item) -> None:
        self._state = state
        self._node = node
        self._defaults: dict[str, Any] = {"budget": state.settings.budget} if state.settings.budget else {}
        self._calls: list[tuple[Measurement | Untimed, CallRecord]] = []

    @property
    def enabled(self) -> bool:
        """Whether calls are timed in this session."""
        return not self._state.untimed_reason

    def options(self, **options: Any) -> None:
        """Options for this test's later calls (``budget="0.1s"``, ``min_sample_time``,
        ``max_samples``, ...), over ``--perfbench-budget``; a call's own keywords win."""
        unknown = set(options) - _option_names()
        if unknown:
            raise TypeError(f"perfbench.options(): unknown option(s) {', '.join(sorted(unknown))}; "
                            f"accepted: {', '.join(sorted(_option_names()))}")
        self._defaults.update(options)

    def __call__(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Measurement | Untimed:
        if not callable(fn):
            raise TypeError(f"perfbench() needs a callable, got {type(fn).__name__}")
        name = self._state.name_for(self._node.nodeid)
        options, arguments = _split(kwargs, _option_names())
        if not self.enabled:
            value = Untimed(fn(*args, **arguments), self._state.untimed_reason)
            self._keep(value, CallRecord(name=name, result=None, untimed=value.reason))
            return value
        from perfbench.measuring.timing import measure

        options = {**self._defaults, **options}
        started = time.perf_counter_ns()
        measurement = measure(fn, *args, **arguments, **options)
        result = _result(name, self._node, measurement, options, time.perf_counter_ns() - started)
        self._keep(measurement, CallRecord(name=name, result=result))
        return measurement

    def _keep(self, value: Measurement | Untimed, record: CallRecord) -> None:
        self._state.records.append(record)
        self._calls.append((value, record))

    def assert_sla(self, measured: Measurement | Untimed, *rules: str | Mapping[str, Any] | Rule) -> list[Verdict]:
        """Judges ``measured`` (what a call of this fixture returned) by ``rules``, written as in
        a config (``"p99 < 50us"``, ``{"rule": "mean < 2ms", "severity": "warning"}``, tiers
        ``{"target": ..., "acceptable": ..., "critical": ...}``) or made with ``perfbench.sla.rule``
        / ``tiers``; fails the test unless each passes (module docstring). Returns the verdicts."""
        if not rules:
            raise TypeError("assert_sla() needs at least one rule, e.g. assert_sla(m, \"p99 < 50us\")")
        record = next((r for value, r in self._calls if value is measured), None)
        if record is None:
            raise ValueError("assert_sla() judges what a call of this test's perfbench fixture returned; "
                             "time the function with perfbench(fn, ...) first")
        parsed = _parse_rules(rules, self._node)
        if record.result is None:  # not timed: nothing to judge; the summary says so
            record.sla_asked += len(parsed)
            return []
        from perfbench.sla import evaluate_all

        verdicts = evaluate_all([(record.result, parsed)])
        record.verdicts.extend(verdicts)
        failing = [v for v in verdicts if not _passes(v)]
        if failing:
            pytest.fail(_failure_message(record.name, failing), pytrace=False)
        return verdicts


def _passes(verdict: Verdict) -> bool:
    """PASS, a warning, or an UNSURE that is at worst a warning (module docstring)."""
    from perfbench.sla import fails_run

    if verdict.status == "pass":
        return True
    if verdict.status in ("violated", "unsure"):
        return not fails_run(verdict, fail_on_unsure=True)
    return False


def _parse_rules(rules: tuple[Any, ...], node: pytest.Item) -> list[Rule]:
    """Rules written as in a config, checked by the config's own parser (config/sla_rules.py:
    known metrics, units, tiers); Rule objects as they are. A bad rule fails the test with the
    parser's one line."""
    from perfbench.config.fields import Where
    from perfbench.config.sla_rules import sla_rules
    from perfbench.errors import ConfigError
    from perfbench.sla import SlaRule, TieredRule

    made = [r for r in rules if isinstance(r, (SlaRule, TieredRule))]
    written = [dict(r) if isinstance(r, Mapping) else r for r in rules if not isinstance(r, (SlaRule, TieredRule))]
    try:
        parsed = sla_rules(Where(Path(str(node.path)), ""), "assert_sla", written) if written else ()
    except ConfigError as error:
        problem = str(error)
    else:
        return [*made, *parsed]
    pytest.fail(f"perfbench: {problem}", pytrace=False)  # outside the except: no chained traceback


def _failure_message(name: str, failing: list[Verdict]) -> str:
    lines = [f"perfbench SLA not met by {name}:"]
    for verdict in failing:
        line = f"  {verdict.expression}: {verdict.label}: {verdict.message}"
        if verdict.low is not None:
            line += f" (95 % interval, {verdict.noise})" if verdict.noise else " (95 % interval)"
        lines.append(line)
        if verdict.settle:
            lines.append(f"    to settle it: {verdict.settle}")
    return "\n".join(lines)


def _result(name: str, node: pytest.Item, measurement: Measurement, options: Mapping[str, Any],
            wall_ns: int) -> BenchmarkResult:
    """The call as a benchmark result, made by the same rule as a lane's (analysis/aggregate.py):
    one iteration that measured everything, derived metrics, impossible figures found."""
    from perfbench.analysis.aggregate import assemble_result
    from perfbench.definition.suite import BenchmarkDefinition, PythonTarget
    from perfbench.measuring.sampling import SamplingOptions
    from perfbench.model import IterationRecord

    definition = BenchmarkDefinition(
        name=name, lane=LANE, target=PythonTarget(path=str(node.path), function=node.name),
        sampling=SamplingOptions.from_user(**options), metrics_interval_seconds=None)
    record = IterationRecord(index=0, warmup=False, wall_ns=float(wall_ns), measurement=measurement)
    return assemble_result(definition, [record])
