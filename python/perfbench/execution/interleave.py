"""Running two versions of the same benchmarks process by process, interleaved (``perfbench ab``).

Each benchmark of A and its namesake in B run their worker processes (for commands: their
runs) in pairs next to each other in time: pair ``k`` is A's ``k``-th process and B's
``k``-th process. The pairs come in blocks of two mirrored pairs, ``A B B A`` or ``B A A B``,
and each block's order is drawn from a seeded generator. So what the machine does over a
run (a tenant arriving, a throttle, the page cache warming) falls on both sides alike:
within a pair it cancels in the pair's ratio (analysis/paired.py), a linear drift across a
block cancels between its two pairs, and no fixed order lets a periodic disturbance line up
with one side. The orders are planned before anything runs, so that they are recorded with
the runs, and the same seed gives the same orders.

**In one process** (the default where it can be, ``pairing_problem``): where both sides are
Python callables run by the same interpreter, pair ``k`` is one worker process that imports
both versions, each from its own checkout (side_imports.py), and times them in alternating
rounds of about a millisecond (worker.py, ``PAIRED_ROUNDS``); the pair's first side (from
the same drawn order) is imported and timed first. What a process draws (its layout, pages,
hash seed, the tenants of its seconds) then falls on both versions, and the pairs differ
by what differs between processes in the *ratio*: 0.15 % where two processes of one version
differ by 2-4 % on these VMs. The process is still the unit the interval counts.

``run_interleaved`` yields the runner's own events (runner.py), each tagged with its side,
in batches: a batch is what one moment produces (both sides' starts; one iteration; both
sides' finished results), so that a caller storing them never stores half a moment. It
reuses the runner's benchmarks (``runner.benchmark_in``), which run one process at a time
in the interpreter of their side. A failed process ends the benchmark on both sides (its
pairs cannot be completed); an interrupt ends it with what finished, and propagates.
"""

from __future__ import annotations

import dataclasses
import os
import random
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path

from perfbench.definition.suite import BenchmarkDefinition
from perfbench.execution.runner import (
    BenchmarkFinished, BenchmarkStarted, IterationFinished, RunEvent, RunningBenchmark, benchmark_in,
)
from perfbench.execution.worker_process import WorkerRun
from perfbench.model import IterationRecord

SIDES = ("A", "B")


def interleaved_order(pairs: int, rng: random.Random) -> str:
    """The run order of ``pairs`` pairs of processes as a string of sides, e.g. ``ABBABAAB``:
    blocks of two mirrored pairs whose order ``rng`` draws (an odd last pair gets a drawn
    order of its own)."""
    order = []
    for first_pair in range(0, pairs, 2):
        first, second = ("A", "B") if rng.random() < 0.5 else ("B", "A")
        order += [first, second]
        if first_pair + 1 < pairs:
            order += [second, first]
    return "".join(order)


def plan_orders(keys: Sequence[str], pairs: Mapping[str, int], seed: int) -> dict[str, str]:
    """Each benchmark's order, drawn in benchmark order from one generator seeded with ``seed``."""
    rng = random.Random(seed)
    return {key: interleaved_order(pairs[key], rng) for key in keys}


@dataclasses.dataclass(frozen=True, slots=True)
class Version:
    """One side of an A/B comparison: its benchmarks and the interpreter their workers run in."""

    label: str  # "A" or "B"
    definitions: tuple[BenchmarkDefinition, ...]
    python: str
    directory: str | None = None  # its project (a checkout): the git state its run records

    def by_key(self) -> dict[str, BenchmarkDefinition]:
        return {d.key: d for d in self.definitions}


@dataclasses.dataclass(frozen=True, slots=True)
class SideEvent:
    side: str  # "A" or "B"
    event: RunEvent  # (the A/B session tags its RunStarted events too)


Batch = tuple[SideEvent, ...]


def _slots(benchmarks: Mapping[str, RunningBenchmark], order: str,
           first_pair: int = 0) -> Iterator[tuple[str, IterationRecord]]:
    """Each side's processes in ``order``, from pair ``first_pair`` on; stops after a process
    that broke its benchmark."""
    taken = dict.fromkeys(benchmarks, first_pair)
    for side in order[2 * first_pair:]:
        benchmark = benchmarks[side]
        records = benchmark.process_iterations(taken[side])
        try:  # closed at once when abandoned (an interrupt): that kills the process tree in flight
            for record in records:
                yield side, record
        finally:
            records.close()
        taken[side] += 1
        if benchmark.broken:
            return


def pairing_problem(a: BenchmarkDefinition, b: BenchmarkDefinition, a_python: str, b_python: str) -> str | None:
    """Why the two versions of a benchmark cannot be paired inside one worker process, or
    None if they can."""
    if a.kind != "python" or b.kind != "python":
        return "only Python callables share a process"
    if a.sweep or b.sweep or a.baseline or b.baseline:
        return "a sweep or a baseline measures in rounds of its own"
    # Not resolved through symlinks: two venvs' pythons are links to one binary, with
    # different site-packages.
    if os.path.abspath(a_python) != os.path.abspath(b_python):
        return "the sides run in different interpreters"
    if dict(a.env) != dict(b.env):
        return "the sides set different environment variables"
    if a.cwd is None or b.cwd is None:
        return "a side has no directory of its own"
    if (a.iterations, a.warmup_iterations, a.processes, a.sampling) != (
            b.iterations, b.warmup_iterations, b.processes, b.sampling):
        return "the sides' configs sample differently"
    return None


def _paired_in_processes(benchmarks: Mapping[str, RunningBenchmark], order: str, python: str, workdir: Path,
                         fell_back: Callable[[], None]) -> Iterator[tuple[str, IterationRecord]]:
    """Each pair as one worker process running B's benchmark with A's as its partner (worker.py,
    ``paired``); every record it returns is split into A's (its partner measurement) and B's.
    A pair's records are handed on once its process has finished well. A process that failed
    cannot say which side failed (a crash takes both down): that pair and the rest run as
    pairs of processes instead, so that the failure lands on its own side; ``fell_back`` is
    called first."""
    a, b = benchmarks["A"], benchmarks["B"]
    for pair in range(len(order) // 2):
        first = order[2 * pair]
        worker = WorkerRun(b.definition, workdir, counted=b.definition.process_shares()[pair],
                           first_index=len(b.records), process=pair, python=python, cwd=str(workdir),
                           job_extra={"paired": {"target": a.definition.target.job(), "directory": a.definition.cwd,
                                                 "own_directory": b.definition.cwd, "partner_first": first == "A"}})
        records = worker.iterations()
        try:
            finished = list(records)
        finally:
            records.close()
        if any(record.failure is not None for record in finished):
            fell_back()
            yield from _slots(benchmarks, order, first_pair=pair)
            return
        for record in finished:
            split = {"A": dataclasses.replace(record, measurement=record.baseline, baseline=None),
                     "B": dataclasses.replace(record, baseline=None)}
            for side in (first, "B" if first == "A" else "A"):
                benchmarks[side].records.append(split[side])
                yield side, split[side]


def run_interleaved(a: Version, b: Version, orders: Mapping[str, str],
                    in_one_process: frozenset[str] = frozenset(),
                    fell_back: Callable[[str], None] = lambda key: None) -> Iterator[Batch]:
    """Runs the benchmarks named in ``orders`` (keys present on both sides), each in its
    order, and yields what happens in batches of side-tagged runner events. The keys in
    ``in_one_process`` pair their sides inside one worker per pair (``pairing_problem``
    must have found nothing against it); ``fell_back(key)`` is called for one that went on
    in pairs of processes after a worker running both sides failed."""
    definitions = {side.label: side.by_key() for side in (a, b)}
    pythons = {a.label: a.python, b.label: b.python}
    total = len(orders)
    with tempfile.TemporaryDirectory(prefix="perfbench-ab-") as scratch:
        for index, (key, order) in enumerate(orders.items()):
            benchmarks = {}
            for side in SIDES:
                workdir = Path(scratch) / f"{index:04d}-{side}"
                workdir.mkdir()
                benchmarks[side] = benchmark_in(definitions[side][key], workdir, pythons[side])

            def finished(interrupted: bool) -> Batch:
                return tuple(SideEvent(side, BenchmarkFinished(
                    bench.definition, bench.result(interrupted=interrupted and not bench.ran_every_iteration),
                    index, total)) for side, bench in benchmarks.items())

            records = (_paired_in_processes(benchmarks, order, pythons["B"], Path(scratch) / f"{index:04d}-B",
                                            lambda key=key: fell_back(key))  # type: ignore[misc]
                       if key in in_one_process else _slots(benchmarks, order))
            try:
                yield tuple(SideEvent(side, BenchmarkStarted(bench.definition, index, total))
                            for side, bench in benchmarks.items())
                for side, record in records:
                    yield (SideEvent(side, IterationFinished(benchmarks[side].definition, record)),)
                done = finished(interrupted=False)
            except KeyboardInterrupt:
                records.close()  # kills the process tree in flight
                yield finished(interrupted=True)
                raise
            finally:
                records.close()
            try:
                yield done
            except KeyboardInterrupt:
                # Thrown in while the caller held these results: handed over once more (the
                # caller keeps the first), as the runner does.
                yield done
                raise
