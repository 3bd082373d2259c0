"""The plugin's command-line options, read once into a frozen ``PluginSettings``.

Nothing here imports numpy or the compiled core: pytest imports the plugin in every session
of every project where perfbench is installed, most of which never use the fixture.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

# What the session's results are stored as: one lane, each test's node id as its benchmark.
LANE = "pytest"
# The CLI's default store (store/locations.py), relative to where pytest was started: where
# --perfbench-save / --perfbench-compare go when --perfbench-store says nothing, so that
# `python -m perfbench compare` and `history` read the same file.
DEFAULT_STORE = Path(".perfbench") / "results.db"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("perfbench", "perfbench: time functions with the perfbench fixture")
    group.addoption("--perfbench-store", metavar="PATH", default=None,
                    help="store the session's timings as one run in this store (a path or URL), lane "
                         f"'{LANE}', one benchmark per test node id")
    group.addoption("--perfbench-save", metavar="NAME", default=None,
                    help="save the session's run as baseline NAME (only when every test passed); "
                         f"the store is --perfbench-store, else {DEFAULT_STORE}")
    group.addoption("--perfbench-compare", metavar="NAME", default=None,
                    help="compare the session's timings with baseline NAME (or a run id, or 'latest') and "
                         "fail the session on a slower verdict at error severity")
    group.addoption("--perfbench-budget", metavar="DURATION", default=None,
                    help="time budget of each fixture call unless the test sets one (default 0.5s)")
    group.addoption("--perfbench-disable", action="store_true", default=False,
                    help="call each function once, untimed (fast test runs); assert_sla does not fail")
    group.addoption("--perfbench-force", action="store_true", default=False,
                    help="time even under pytest-xdist (workers share the cores: timings are noisier)")


@dataclasses.dataclass(frozen=True, slots=True)
class PluginSettings:
    store: str | None  # where the run goes; None: nowhere (unless saving or comparing)
    save: str | None
    compare: str | None
    budget: str | None  # as given, e.g. "0.2s"; None: measure()'s default
    disable: bool
    force: bool

    @property
    def stores(self) -> bool:
        return self.store is not None

    @property
    def asked_anything(self) -> bool:
        """Whether any option was given (the summary stays silent in sessions that used none
        and never called the fixture)."""
        return bool(self.store or self.save or self.compare or self.budget or self.disable or self.force)


def settings_from(config: pytest.Config) -> PluginSettings:
    """The options, checked: a bad value is a ``pytest.UsageError`` naming the option and the fix."""
    save, compare = config.getoption("perfbench_save"), config.getoption("perfbench_compare")
    store = config.getoption("perfbench_store")
    if save is not None:
        from perfbench.cli.baselines import checked_name  # the names `run --save-baseline` accepts
        from perfbench.errors import UsageError

        try:
            checked_name("--perfbench-save", save)
        except UsageError as error:
            raise pytest.UsageError(str(error)) from None
    if compare is not None and not compare.strip():
        raise pytest.UsageError("--perfbench-compare: needs a baseline name, a run id or 'latest', got nothing")
    if store is None and (save or compare):
        store = str(config.invocation_params.dir / DEFAULT_STORE)
    budget = config.getoption("perfbench_budget")
    if budget is not None:
        from perfbench.errors import UnitError
        from perfbench.units import parse_duration

        try:
            seconds = parse_duration(budget)
        except UnitError as error:
            raise pytest.UsageError(f"--perfbench-budget: {error}") from None
        if not seconds > 0:
            raise pytest.UsageError(f"--perfbench-budget: {budget!r} must be a positive duration such as 0.2s")
    return PluginSettings(store=store, save=save, compare=compare, budget=budget,
                          disable=config.getoption("perfbench_disable"), force=config.getoption("perfbench_force"))
