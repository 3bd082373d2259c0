"""What the plugin keeps of a session once the fixture is used: one ``CallRecord`` per
fixture call, the ``Untimed`` value of a call that was not timed, and the ``SessionOutcome``
of the session's end (the ``PluginState`` that holds them is in state.py).

A record crosses from an xdist worker to the controller as plain data (``to_wire`` /
``from_wire``), in the store's own document form (store/documents.py), so that a result
keeps one shape from the fixture to the store.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the plugin imports numpy and the core only once a test times something
    from perfbench.model import BenchmarkResult
    from perfbench.run_comparison import RunComparison
    from perfbench.sla import Verdict


@dataclasses.dataclass(frozen=True, slots=True)
class Untimed:
    """What the fixture returns when it does not time (``--perfbench-disable``, or an
    xdist worker without ``--perfbench-force``): the function ran once. ``result`` is what it
    returned; ``reason`` says why it was not timed. Its statistics are None."""

    result: Any
    reason: str
    median: None = None
    stats: None = None
    samples_ns: None = None


@dataclasses.dataclass(slots=True)
class CallRecord:
    """One fixture call: its benchmark name (the node id, then ``#2``, ``#3`` for more calls
    in one test), the result when timed, the reason when not, and the SLA verdicts asserted on it."""

    name: str
    result: BenchmarkResult | None
    untimed: str = ""  # why it was not timed ("" when timed)
    verdicts: list[Verdict] = dataclasses.field(default_factory=list)
    sla_asked: int = 0  # rules asserted on an untimed call, not judged

    def to_wire(self) -> dict[str, Any]:
        from perfbench.store.documents import result_document

        result = self.result
        return {"name": self.name, "untimed": self.untimed, "sla_asked": self.sla_asked,
                "result": result_document(result) if result is not None else None,
                "iterations": [r.to_dict() for r in result.iterations] if result is not None else [],
                "verdicts": [v.to_dict() for v in self.verdicts]}

    @staticmethod
    def from_wire(data: dict[str, Any]) -> CallRecord:
        from perfbench.model import IterationRecord
        from perfbench.sla import Verdict
        from perfbench.store.documents import result_from

        result = None
        if data["result"] is not None:
            result = result_from(data["result"], [IterationRecord.from_dict(r) for r in data["iterations"]])
        return CallRecord(name=data["name"], result=result, untimed=data["untimed"], sla_asked=data["sla_asked"],
                          verdicts=[Verdict.from_dict(v) for v in data["verdicts"]])


@dataclasses.dataclass(frozen=True, slots=True)
class SessionOutcome:
    """What the session's end made of the records: the stored run, the baseline saved, the
    comparison, and what could not be done (one line each)."""

    run_id: int | None = None
    store: str | None = None
    saved: str | None = None
    comparison: RunComparison | None = None
    notes: tuple[str, ...] = ()  # e.g. "baseline 'main' not saved: 2 tests failed"
    error: str = ""  # a store or comparison that could not be used: fails the session
