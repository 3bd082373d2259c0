"""Progress of a run as plain lines on stderr (one per benchmark), safe for CI logs."""

from __future__ import annotations

import sys
from typing import TextIO

from perfbench.model import BenchmarkResult
from perfbench.suite import BenchmarkDefinition
from perfbench.units import format_duration_ns


class LineProgress:
    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr

    def benchmark_started(self, definition: BenchmarkDefinition, index: int, total: int) -> None:
        pass

    def benchmark_finished(self, result: BenchmarkResult, index: int, total: int) -> None:
        prefix = f"[{index + 1}/{total}] {result.key}"
        if result.measurement is not None:
            stats = result.measurement.stats
            spread = f"  CV {100 * stats.cv:.2f} %" if stats.cv is not None else ""
            line = f"{prefix}: median {format_duration_ns(stats.median)}{spread}  ({stats.n} samples)"
        else:
            assert result.failure is not None
            line = f"{prefix}: FAILED ({result.failure.kind}) {result.failure.message}"
        print(line, file=self.stream, flush=True)
