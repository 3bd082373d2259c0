"""The plugin's state in a session, kept in ``config.stash``: the settings, whether the
fixture times, and the records of its calls (records.py, imported once a call is made)."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

import pytest

from perfbench.pytest_plugin.options import PluginSettings

if TYPE_CHECKING:
    from perfbench.pytest_plugin.records import CallRecord, SessionOutcome


@dataclasses.dataclass(slots=True)
class PluginState:
    settings: PluginSettings
    untimed_reason: str  # "" when the fixture times
    xdist_workers: int = 0  # on an xdist controller: its workers (the one notice is said here)
    records: list[CallRecord] = dataclasses.field(default_factory=list)
    outcome: SessionOutcome | None = None
    names: dict[str, int] = dataclasses.field(default_factory=dict)  # calls per test, for their names

    def name_for(self, nodeid: str) -> str:
        calls = self.names[nodeid] = self.names.get(nodeid, 0) + 1
        return nodeid if calls == 1 else f"{nodeid}#{calls}"

    @property
    def timed(self) -> list[CallRecord]:
        return [r for r in self.records if r.result is not None]


STATE = pytest.StashKey[PluginState]()
