"""Everything pytest calls, and the ``perfbench`` fixture: settings read and checked at
configure, pytest-xdist workers told apart, their records gathered on the controller, at the
session's end the run stored, compared and saved, then the summary written through the
terminal reporter (the only place the plugin prints).

Each entry is thin and imports its implementation when first called (fixture.py,
storing.py, summary.py, records.py): pytest imports this module in every session of every
project where perfbench is installed, most of which never use the fixture.

Under pytest-xdist the workers share the cores, so their timings would measure each other:
they call each function once, untimed, unless ``--perfbench-force``; the controller says so
once, in the summary. A worker is told by ``config.workerinput`` (xdist sets it on workers
only), not by ``PYTEST_XDIST_WORKER``: that variable is inherited by every process a worker
starts, such as a pytester subprocess running a session of its own.

A regression fails the session through ``session.exitstatus`` (exit code 1 where the tests
passed); a store or comparison that cannot be used, with exit code 4 (pytest's usage error).
Never ``sys.exit``: that would end a session some other plugin still has work in.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from perfbench.pytest_plugin.options import settings_from
from perfbench.pytest_plugin.state import STATE, PluginState

if TYPE_CHECKING:
    from perfbench.pytest_plugin.fixture import PerfbenchFixture

_WIRE_KEY = "perfbench"  # in a worker's workeroutput


def _distributing(config: pytest.Config) -> int:
    """The workers an xdist controller starts (0: not distributing)."""
    if not config.pluginmanager.hasplugin("xdist") or config.getoption("dist", "no") == "no":
        return 0
    return len(config.getoption("tx", None) or ())


def pytest_configure(config: pytest.Config) -> None:
    settings = settings_from(config)
    worker = hasattr(config, "workerinput")
    workers = 0 if worker else _distributing(config)
    reason = ""
    if settings.disable:
        reason = "--perfbench-disable"
    elif (worker or workers) and not settings.force:
        reason = "pytest-xdist worker"
    if settings.stores and not worker and not reason:
        from perfbench.pytest_plugin.storing import check_references

        problem = check_references(settings)
        if problem:
            raise pytest.UsageError(problem)
    config.stash[STATE] = PluginState(settings=settings, untimed_reason=reason, xdist_workers=workers)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: object, error: object) -> None:
    """On the xdist controller: a worker's records, sent when it finished."""
    sent = getattr(node, "workeroutput", {}).get(_WIRE_KEY)
    config = getattr(node, "config", None)
    if sent and config is not None and STATE in config.stash:
        from perfbench.pytest_plugin.records import CallRecord

        config.stash[STATE].records.extend(CallRecord.from_wire(data) for data in sent)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    config = session.config
    state = config.stash.get(STATE, None)
    if state is None:
        return
    if hasattr(config, "workerinput"):  # the controller stores, summarises and compares
        config.workeroutput[_WIRE_KEY] = [record.to_wire() for record in state.records]  # type: ignore[attr-defined]
        return
    settings = state.settings
    if not settings.stores or not (state.records or settings.save or settings.compare):
        return
    from perfbench.pytest_plugin.storing import store_session

    command = " ".join(["pytest", *config.invocation_params.args])
    failed = bool(session.testsfailed) or exitstatus != pytest.ExitCode.OK
    state.outcome = store_session(settings, state.records, command, tests_failed=failed)
    if session.exitstatus == pytest.ExitCode.OK:
        if state.outcome.error:
            session.exitstatus = pytest.ExitCode.USAGE_ERROR
        elif state.outcome.comparison is not None and state.outcome.comparison.check_failed:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, exitstatus: int,
                            config: pytest.Config) -> None:
    state = config.stash.get(STATE, None)
    if state is None or hasattr(config, "workerinput") or not (state.records or state.outcome):
        return
    from perfbench.pytest_plugin.summary import summary_lines

    terminalreporter.write_sep("-", "perfbench")
    for line, failed in summary_lines(state):
        terminalreporter.write_line(line, red=failed)


@pytest.fixture
def perfbench(request: pytest.FixtureRequest) -> Iterator[PerfbenchFixture]:
    """Time a function with perfbench's C++ loop: ``m = perfbench(fn, *args, **kwargs)``;
    ``perfbench.assert_sla(m, "p99 < 50us")``. See perfbench.pytest_plugin.fixture."""
    from perfbench.pytest_plugin.fixture import PerfbenchFixture

    yield PerfbenchFixture(request.config.stash[STATE], request.node)
