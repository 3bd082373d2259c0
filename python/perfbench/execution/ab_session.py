"""An interleaved A/B run, start to finish, for any caller (``perfbench ab``, Python).

``ABSession(request, observer).run()`` plans each benchmark's interleaved order (seeded),
opens the store, begins two runs in it, one per side, runs the benchmarks both sides share
with their processes interleaved (interleave.py), stores every iteration of each side in
that side's run the moment it finishes (as RunSession does: ``session.RunRecorder``),
stops cleanly on Ctrl-C, SIGTERM or SIGHUP, and judges B against A from the paired
differences (analysis/paired.py). It never prints; the outcome says what it came to.

The two runs are ordinary runs (``compare A_RUN B_RUN`` rereads them, as unpaired sides);
each records, in its environment under ``"ab"``, its side, what the side was (checkout,
interpreter, command), the other side's run, the seed and every benchmark's order.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any

from perfbench.analysis.comparison import FAMILY_ERROR, Comparison
from perfbench.analysis.interference import run_noise
from perfbench.analysis.paired import PairedChange, compare_paired
from perfbench.execution.interleave import (
    SIDES, Batch, SideEvent, Version, pairing_problem, plan_orders, run_interleaved,
)
from perfbench.execution.interrupts import InterruptGuard
from perfbench.execution.runner import process_count
from perfbench.execution.session import Observer, RunRecorder, RunStarted, drive, run_metadata
from perfbench.definition.suite import BenchmarkDefinition
from perfbench.model import BenchmarkResult
from perfbench.resources.environment import collect_environment, load_average, noise_warnings
from perfbench.run_comparison import ResolvedRun, RunComparison
from perfbench.store import open_store


@dataclasses.dataclass(frozen=True, slots=True)
class ABRequest:
    a: Version
    b: Version
    described: Mapping[str, Mapping[str, Any]]  # per side, what it is (checkout, python, command), recorded
    seed: int  # draws every benchmark's order
    store: str | os.PathLike[str]
    command: str = ""  # how the comparison was asked for, recorded with both runs
    thresholds: Mapping[str, float | None] = dataclasses.field(default_factory=dict)  # requested, per key
    severities: Mapping[str, str] = dataclasses.field(default_factory=dict)  # of a slower verdict, per key
    family_error: float = FAMILY_ERROR
    handle_signals: bool = True
    # "auto": each benchmark's pairs inside one worker process where it can be (interleave.py,
    # pairing_problem), else pairs of processes; "processes": always pairs of processes.
    pairing: str = "auto"


@dataclasses.dataclass(frozen=True, slots=True)
class ABOutcome:
    runs: Mapping[str, int]  # side -> its run in the store
    store: str
    seed: int
    orders: Mapping[str, str]  # benchmark key -> its run order, e.g. "ABBABAAB"
    results: Mapping[str, tuple[BenchmarkResult, ...]]  # side -> its results, in run order
    compared: RunComparison  # B's run against A's, from the pairs
    pairs: Mapping[str, PairedChange]
    noise_warnings: tuple[str, ...]
    interrupted_by: int | None = None
    # benchmark key -> "one process" (both sides in each worker) or "processes: <why not one>"
    pairing: Mapping[str, str] = dataclasses.field(default_factory=dict)

    @property
    def comparison(self) -> Comparison:
        return self.compared.comparison

    @property
    def failed(self) -> tuple[BenchmarkResult, ...]:
        """Results that could not be measured (crash, exception, timeout, ...) on either side;
        not those cut short by an interrupt or by their partner's failure."""
        return tuple(r for side in SIDES for r in self.results[side]
                     if r.could_not_run)


def _run_status(results: list[BenchmarkResult], interrupted: bool) -> str:
    if interrupted:
        return "interrupted"
    return "failed" if any(not r.ok for r in results) else "complete"


ABObserver = Callable[[SideEvent], None]  # every session event (RunStarted, the runner's), tagged with its side


class ABSession:
    def __init__(self, request: ABRequest, observer: ABObserver | None = None) -> None:
        self.request = request
        self.observer: ABObserver = observer or (lambda event: None)

    def _observer_of(self, side: str) -> Observer:
        return lambda event: self.observer(SideEvent(side, event))  # type: ignore[arg-type]

    def run(self) -> ABOutcome:
        request = self.request
        a_keys, b_keys = request.a.by_key(), request.b.by_key()
        shared = [key for key in a_keys if key in b_keys]
        pairs = {key: min(process_count(a_keys[key]), process_count(b_keys[key])) for key in shared}
        orders = plan_orders(shared, pairs, request.seed)
        pairing = {key: _pairing(request, a_keys[key], b_keys[key]) for key in shared}
        with InterruptGuard(install=request.handle_signals) as guard:
            with open_store(request.store) as store:  # opened before anything runs: a bad store costs nothing
                environment = collect_environment()
                warnings = tuple(noise_warnings(environment))
                runs: dict[str, int] = {}
                for version in (request.a, request.b):
                    other = "B" if version.label == "A" else "A"
                    described = request.described[version.label]
                    recorded = {"side": version.label, **described, "seed": request.seed,
                                "orders": orders, "pairing": pairing, "paired_with_run": runs.get(other)}
                    note = f" [side {version.label}" + (f", paired with run {runs[other]}]" if other in runs else "]")
                    side_environment = {**_side_environment(environment, version, described), "ab": recorded}
                    runs[version.label] = store.begin_run(side_environment, request.command + note,
                                                          run_metadata(side_environment, version.definitions))
                total = sum(d.total_iterations for version in (request.a, request.b)
                            for d in version.definitions if d.key in orders)
                for side in SIDES:
                    self._observer_of(side)(RunStarted(runs[side], store.location, MappingProxyType(environment),
                                                       warnings, total))
                recorders = {side: RunRecorder(store, runs[side], self._observer_of(side)) for side in SIDES}

                def store_batch(batch: Batch) -> None:
                    for tagged in batch:
                        recorders[tagged.side].store_event(tagged.event)

                def fell_back(key: str) -> None:
                    pairing[key] = "processes: a worker running both sides failed; rerun apart to tell which"

                drive(run_interleaved(request.a, request.b, orders, _in_one_process(pairing), fell_back), guard,
                      store_batch)
                interrupted_by = guard.signum
                results = {side: recorders[side].finished() for side in SIDES}
                for side in SIDES:
                    store.set_run_noise(runs[side], run_noise(results[side], warnings, environment["load_average"],
                                                              load_average()))
                    store.finish_run(runs[side], _run_status(results[side], interrupted_by is not None))
                stored = {side: store.run(runs[side]) for side in SIDES}
                location = store.location
        only = [("A", a_keys[k]) for k in a_keys if k not in b_keys] + [("B", b_keys[k]) for k in b_keys
                                                                        if k not in a_keys]
        comparison, changes = compare_paired(
            results["A"], results["B"], thresholds=request.thresholds, severities=request.severities,
            family_error=request.family_error, one_sided=[(side, d.lane, d.name) for side, d in only],
            in_one_process=_in_one_process(pairing))  # as it ran: fallbacks included
        # One job on one machine: a host id that differs names the other side's Python, which is
        # what the comparison is about, not a second machine.
        base, current = (ResolvedRun(stored[side], side, f"{side} {_what(request.described[side])}")  # type: ignore[arg-type]
                         for side in SIDES)
        compared = RunComparison(base, current, comparison, mixed_hosts=False)
        return ABOutcome(runs=MappingProxyType(runs), store=location, seed=request.seed,
                         orders=MappingProxyType(orders), results=MappingProxyType({s: tuple(r) for s, r in results.items()}),
                         compared=compared, pairs=MappingProxyType(changes), noise_warnings=warnings,
                         interrupted_by=interrupted_by, pairing=MappingProxyType(pairing))


ONE_PROCESS = "one process"


def _in_one_process(pairing: Mapping[str, str]) -> frozenset[str]:
    return frozenset(key for key, how in pairing.items() if how == ONE_PROCESS)


def _pairing(request: ABRequest, a: BenchmarkDefinition, b: BenchmarkDefinition) -> str:
    """How a benchmark's pairs run: ``ONE_PROCESS``, or ``processes: <why>``."""
    if request.pairing == "processes":
        return "processes: --pairing processes"
    problem = pairing_problem(a, b, request.a.python, request.b.python)
    return ONE_PROCESS if problem is None else f"processes: {problem}"


def _side_environment(environment: Mapping[str, Any], version: Version,
                      described: Mapping[str, Any]) -> dict[str, Any]:
    """What a side's run records as its environment: the machine's (taken once), with that
    side's project (its git state) and the Python its workers run."""
    side = dict(environment)
    if version.directory is not None:
        side["git"] = collect_environment(Path(version.directory))["git"]
        side["cwd"] = version.directory
    if "python_version" in described:  # another interpreter than this one
        side["python"] = {"version": described["python_version"],
                          "implementation": described["python_implementation"], "executable": version.python}
    return side


def _what(described: Mapping[str, Any]) -> str:
    """A side in a few words: its command, or its checkout and the interpreter that ran it."""
    if "command" in described:
        return f"(command {described['command']!r})"
    python = f", run by {described['python']}" if "python" in described else ""
    return f"({described['checkout']}{python})"
