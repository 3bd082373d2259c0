"""``@perfbench.benchmark``: marking a Python function as a benchmark.

    @perfbench.benchmark(lane="standard", params={"n": [100, 10_000]}, sla=["p99 < 2ms"], setup=load_data)
    def sort_numbers(n):
        sorted(DATA[:n])

The decorator only attaches a description (validated now, so a bad SLA rule fails where it
is written); discovery (discovery.py) finds decorated functions in ``bench_*.py`` files and
the runner times each parameter combination with the C++ loop in a worker process.
"""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

from perfbench.config.fields import Where
from perfbench.config.sla_rules import sla_rules
from perfbench.sla import Rule, rule_to_spec

F = TypeVar("F", bound=Callable[..., Any])
ATTRIBUTE = "__perfbench__"


@dataclasses.dataclass(frozen=True, slots=True)
class BenchmarkMarker:
    name: str
    lane: str
    params: Mapping[str, tuple[Any, ...]]
    sla: tuple[Rule, ...]
    setup: str | None
    budget: str | None
    description: str

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "lane": self.lane, "params": {k: list(v) for k, v in self.params.items()},
                "sla": [rule_to_spec(r) for r in self.sla], "setup": self.setup, "budget": self.budget,
                "description": self.description}


def _rules(function: Callable[..., Any], sla: Sequence[str | dict[str, Any] | Rule]) -> tuple[Rule, ...]:
    """The rules as a config file's are read -- the same parser, with the same metric-name,
    unit and tier checks -- named by where the decorator is written; Rule objects built in
    code are taken as they are."""
    source = inspect.getsourcefile(function) or "<unknown file>"
    where = Where(Path(source), f"@benchmark {function.__qualname__}")
    written = [entry for entry in sla if isinstance(entry, (str, dict))]
    parsed = iter(sla_rules(where, "sla", written)) if written else iter(())
    return tuple(next(parsed) if isinstance(entry, (str, dict)) else entry for entry in sla)


def benchmark(fn: F | None = None, *, lane: str = "default", params: Mapping[str, Sequence[Any]] | None = None,
              sla: Sequence[str | dict[str, Any] | Rule] = (), setup: Callable[[], Any] | None = None,
              name: str | None = None, budget: str | None = None,
              description: str | None = None) -> F | Callable[[F], F]:
    """Marks ``fn`` as a benchmark. ``params`` expand as a product (each combination is a
    benchmark named ``fn[a=1,b=x]``, called with those keyword arguments); ``setup`` runs
    once per worker, before timing, and is timed separately; ``sla`` takes rules in the
    config's forms; ``budget`` (e.g. ``"0.2s"``) overrides the lane's sampling budget."""

    def mark(function: F) -> F:
        grid = {key: tuple(values) for key, values in (params or {}).items()}
        for key, values in grid.items():
            if not values:
                raise ValueError(f"@benchmark {function.__qualname__}: params[{key!r}] is empty")
        if setup is not None and "." in setup.__qualname__:
            raise ValueError(f"@benchmark {function.__qualname__}: setup must be a module-level function")
        rules = _rules(function, sla)
        marker = BenchmarkMarker(name=name or function.__name__, lane=lane, params=grid, sla=rules,
                                 setup=setup.__name__ if setup else None, budget=budget,
                                 description=description or (function.__doc__ or "").strip().split("\n")[0])
        setattr(function, ATTRIBUTE, marker)
        return function

    return mark(fn) if fn is not None else mark
