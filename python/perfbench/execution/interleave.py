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

``run_interleaved`` yields the runner's own events (runner.py), each tagged with its side,
in batches: a batch is what one moment produces (both sides' starts; one iteration; both
sides' finished results), so that a caller storing them never stores half a moment. It
reuses the runner's benchmarks (``runner.benchmark_in``), which run one process at a time
in the interpreter of their side. A failed process ends the benchmark on both sides (its
pairs cannot be completed); an interrupt ends it with what finished, and propagates.
"""

from __future__ import annotations

import dataclasses
import random
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

from perfbench.definition.suite import BenchmarkDefinition
from perfbench.execution.runner import (
    BenchmarkFinished, BenchmarkStarted, IterationFinished, RunEvent, RunningBenchmark, benchmark_in,
)
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


def _slots(benchmarks: Mapping[str, RunningBenchmark], order: str) -> Iterator[tuple[str, IterationRecord]]:
    """Each side's processes in ``order``; stops after a process that broke its benchmark."""
    taken = dict.fromkeys(benchmarks, 0)
    for side in order:
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


def run_interleaved(a: Version, b: Version, orders: Mapping[str, str]) -> Iterator[Batch]:
    """Runs the benchmarks named in ``orders`` (keys present on both sides), each in its
    order, and yields what happens in batches of side-tagged runner events."""
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

            records = _slots(benchmarks, order)
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
