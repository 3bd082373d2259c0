"""``@perfbench.benchmark``: marking a Python function as a benchmark.

    @perfbench.benchmark(lane="standard", params={"n": [100, 10_000]}, sla=["p99 < 2ms"], setup=load_data)
    def sort_numbers(n):
        sorted(DATA[:n])

The decorator only attaches a description (validated now, so a bad SLA rule or parameter
fails where it is written); discovery (discovery.py) finds decorated functions in
``bench_*.py`` files and the runner times each parameter combination with the C++ loop in
a worker process.

A numeric parameter is a size: when exactly one parameter has only positive numbers (at
least two of them), the benchmark becomes a sweep over it (one result with a growth
exponent, its interval and a BigO class) instead of one row per value. ``sweep="n"`` names
the parameter when several are numeric; ``sweep=False`` keeps one row per value (for
numbers that are not sizes: a seed, a mode, a port).
"""

from __future__ import annotations

import dataclasses
import inspect
import math
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

from perfbench.config.fields import Where, duration
from perfbench.config.fields import regression_severity as severity_of, regression_threshold as threshold_of
from perfbench.config.sla_rules import sla_rules
from perfbench.sla import Rule, rule_to_spec

F = TypeVar("F", bound=Callable[..., Any])
ATTRIBUTE = "__perfbench__"
# Work done per call, in the user's units: each gives a throughput metric ``<unit>_per_s``.
WORK_UNITS = ("items", "bytes")


@dataclasses.dataclass(frozen=True, slots=True)
class BenchmarkMarker:
    name: str
    lane: str
    params: Mapping[str, tuple[Any, ...]]
    sla: tuple[Rule, ...]
    setup: str | None
    budget: str | None
    description: str
    sweep: str | None = None  # the parameter swept over (its values are sizes), if any
    # per call: {"items": 1000} or {"bytes": "n"} (the value of parameter n)
    work_per_call: Mapping[str, float | str] = dataclasses.field(default_factory=dict)
    regression_threshold: str | None = None  # as written, e.g. "5%"; checked where it is written
    regression_severity: str | None = None  # warning | error | critical; None: the lane's

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "lane": self.lane, "params": {k: list(v) for k, v in self.params.items()},
                "sla": [rule_to_spec(r) for r in self.sla], "setup": self.setup, "budget": self.budget,
                "description": self.description, "sweep": self.sweep, "work_per_call": dict(self.work_per_call),
                "regression_threshold": self.regression_threshold, "regression_severity": self.regression_severity}


def _is_size(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) and value > 0


def _sizes(values: Sequence[Any]) -> bool:
    return len(values) >= 2 and all(_is_size(v) for v in values)


def _swept_parameter(where: str, grid: Mapping[str, tuple[Any, ...]], sweep: str | bool | None) -> str | None:
    if sweep is False:
        return None
    if sweep is None or sweep is True:
        numeric = [key for key, values in grid.items() if _sizes(values)]
        if len(numeric) > 1 and sweep is True:
            raise ValueError(f"{where}: sweep=True, but {', '.join(map(repr, numeric))} are all numeric; "
                             f"name one, e.g. sweep={numeric[0]!r}")
        if len(numeric) != 1:
            if sweep is True:
                raise ValueError(f"{where}: sweep=True needs a parameter with two or more positive numbers")
            return None
        chosen = numeric[0]
    elif isinstance(sweep, str):
        if sweep not in grid:
            raise ValueError(f"{where}: sweep={sweep!r} names no parameter; params has {', '.join(map(repr, grid))}")
        if not _sizes(grid[sweep]):
            raise ValueError(f"{where}: sweep={sweep!r}: params[{sweep!r}] must hold two or more positive numbers "
                             f"(sizes), got {list(grid[sweep])!r}")
        chosen = sweep
    else:
        raise ValueError(f"{where}: sweep must be a parameter name, True, False or None, got {sweep!r}")
    repeated = sorted({v for v in grid[chosen] if list(grid[chosen]).count(v) > 1})
    if repeated:
        raise ValueError(f"{where}: params[{chosen!r}] repeats {', '.join(map(repr, repeated))}; "
                         "each size is measured once per iteration")
    return chosen


def _work_per_call(where: str, grid: Mapping[str, tuple[Any, ...]], items: Any, bytes_: Any) -> dict[str, float | str]:
    work: dict[str, float | str] = {}
    for unit, amount in zip(WORK_UNITS, (items, bytes_)):
        if amount is None:
            continue
        if isinstance(amount, str):
            if amount not in grid or not all(_is_size(v) for v in grid[amount]):
                raise ValueError(f"{where}: {unit}={amount!r} must name a parameter whose values are positive numbers "
                                 f"(or be a number of {unit} per call)")
        elif not _is_size(amount):
            raise ValueError(f"{where}: {unit}={amount!r} must be a positive number of {unit} per call "
                             "or the name of a parameter")
        work[unit] = amount
    return work


def _where(function: Callable[..., Any]) -> Where:
    """Where the decorator is written, for errors: the file, and ``@benchmark NAME`` as the key."""
    source = inspect.getsourcefile(function) or "<unknown file>"
    return Where(Path(source), f"@benchmark {function.__qualname__}")


def _rules(function: Callable[..., Any], sla: Sequence[str | dict[str, Any] | Rule]) -> tuple[Rule, ...]:
    """The rules as a config file's are read -- the same parser, with the same metric-name,
    unit and tier checks -- named by where the decorator is written; Rule objects built in
    code are taken as they are."""
    written = [entry for entry in sla if isinstance(entry, (str, dict))]
    parsed = iter(sla_rules(_where(function), "sla", written)) if written else iter(())
    return tuple(next(parsed) if isinstance(entry, (str, dict)) else entry for entry in sla)


def benchmark(fn: F | None = None, *, lane: str = "default", params: Mapping[str, Sequence[Any]] | None = None,
              sla: Sequence[str | dict[str, Any] | Rule] = (), setup: Callable[[], Any] | None = None,
              name: str | None = None, budget: str | None = None, description: str | None = None,
              sweep: str | bool | None = None, items: float | str | None = None,
              bytes: float | str | None = None,  # noqa: A002 - the unit's name
              regression_threshold: str | None = None,
              regression_severity: str | None = None) -> F | Callable[[F], F]:
    """Marks ``fn`` as a benchmark. ``params`` expand as a product (each combination is a
    benchmark named ``fn[a=1,b=x]``, called with those keyword arguments), except a numeric
    parameter, which is swept (see the module's docstring; ``sweep`` chooses or turns it
    off); ``setup`` runs once per worker, before timing, and is timed separately; ``sla``
    takes rules in the config's forms; ``budget`` (e.g. ``"0.2s"``) overrides the lane's
    sampling budget. ``items`` / ``bytes``: the work one call does, as a number or the name
    of a parameter holding it, reported as ``items_per_s`` / ``bytes_per_s``.
    ``regression_threshold`` (e.g. ``"10%"``): the change of the median that counts as a
    regression when compared with a baseline, over the lane's and the config's;
    ``regression_severity`` (``"warning"``, ``"error"``, ``"critical"``): what a slower verdict
    counts as (a warning does not fail the check)."""

    def mark(function: F) -> F:
        where = f"@benchmark {function.__qualname__}"
        grid = {key: tuple(values) for key, values in (params or {}).items()}
        for key, values in grid.items():
            if not values:
                raise ValueError(f"{where}: params[{key!r}] is empty")
        if setup is not None and "." in setup.__qualname__:
            raise ValueError(f"{where}: setup must be a module-level function")
        if budget is not None:
            duration(_where(function), "budget", budget)  # as a config's budget: a unit, > 0, bounded
        if regression_threshold is not None:  # as a config's: a percentage above 0 and below 100 %
            threshold_of(_where(function), "regression_threshold", regression_threshold)
        if regression_severity is not None:
            severity_of(_where(function), "regression_severity", regression_severity)
        rules = _rules(function, sla)
        marker = BenchmarkMarker(name=name or function.__name__, lane=lane, params=grid, sla=rules,
                                 setup=setup.__name__ if setup else None, budget=budget,
                                 description=description or (function.__doc__ or "").strip().split("\n")[0],
                                 sweep=_swept_parameter(where, grid, sweep),
                                 work_per_call=_work_per_call(where, grid, items, bytes),
                                 regression_threshold=regression_threshold,
                                 regression_severity=regression_severity)
        setattr(function, ATTRIBUTE, marker)
        return function

    return mark(fn) if fn is not None else mark
