"""Progress of a run on stderr: a rich progress bar on a terminal, plain lines otherwise
(CI logs), one per finished iteration of multi-iteration benchmarks and one per benchmark."""

from __future__ import annotations

import sys
from typing import TextIO

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from perfbench.model import BenchmarkResult, IterationRecord
from perfbench.execution.runner import BenchmarkFinished, BenchmarkStarted, IterationFinished, RunEvent
from perfbench.sla import format_interval
from perfbench.units import format_duration_ns


def describe_result(result: BenchmarkResult) -> str:
    if result.failure is not None:
        return f"FAILED ({result.failure.kind}) {result.failure.message}"
    assert result.measurement is not None
    stats = result.measurement.stats
    interval = format_interval(stats.median, stats.ci_low, stats.ci_high, "ns")
    spread = f"  spread {100 * stats.robust_cv:.2f} %" if stats.robust_cv is not None else ""
    interference = f", {stats.interference} hit by interference" if stats.interference else ""
    errors = (f"  MEASUREMENT ERROR in {', '.join(e.figures[0] for e in result.measurement_errors)}"
              if result.measurement_errors else "")
    return (f"median {format_duration_ns(stats.median)} {interval}{spread}  ({stats.n} samples{interference})"
            f"{errors}")


def describe_iteration(record: IterationRecord, total: int) -> str:
    label = "warm-up" if record.warmup else "iteration"
    if record.failure is not None:
        return f"{label} {record.index + 1}/{total}: FAILED ({record.failure.kind}) {record.failure.message}"
    return f"{label} {record.index + 1}/{total}: {format_duration_ns(record.wall_ns)}"


class LineProgress:
    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr

    def __enter__(self) -> LineProgress:
        return self

    def __exit__(self, *_: object) -> None:
        pass

    def update(self, event: RunEvent) -> None:
        if isinstance(event, IterationFinished):
            d = event.definition
            total = d.total_iterations
            if total > 1:
                print(f"  {d.key} {describe_iteration(event.record, total)}", file=self.stream, flush=True)
        elif isinstance(event, BenchmarkFinished):
            print(f"[{event.index + 1}/{event.total}] {event.result.key}: {describe_result(event.result)}",
                  file=self.stream, flush=True)


class BarProgress:
    """One bar over the run's iterations, with the benchmark in flight named beside it."""

    def __init__(self, total_iterations: int) -> None:
        self.progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                 TimeElapsedColumn(), console=Console(stderr=True), transient=False)
        self.task = self.progress.add_task("starting", total=total_iterations)

    def __enter__(self) -> BarProgress:
        self.progress.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.progress.stop()

    def update(self, event: RunEvent) -> None:
        if isinstance(event, BenchmarkStarted):
            self.progress.update(self.task, description=f"{event.definition.key}")
        elif isinstance(event, IterationFinished):
            self.progress.advance(self.task)
        elif isinstance(event, BenchmarkFinished):
            self.progress.console.print(f"[{event.index + 1}/{event.total}] {event.result.key}: "
                                        f"{describe_result(event.result)}", highlight=False)


def progress_for(total_iterations: int) -> LineProgress | BarProgress:
    return BarProgress(total_iterations) if sys.stderr.isatty() else LineProgress()
