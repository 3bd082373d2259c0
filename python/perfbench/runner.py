"""Runs benchmark definitions, each in its own worker process, and yields their results.

The runner never prints: progress goes to an optional observer and results are yielded
one by one as each benchmark finishes, so the caller can store them immediately. A crash,
an uncaught exception, a non-zero exit or a hang (killed at its timeout) becomes a
``Failure`` for that benchmark and the next one runs. On KeyboardInterrupt the current
worker is killed and the interrupt propagates; everything yielded before is the caller's.
"""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Protocol

from perfbench.derived_metrics import baseline_metrics, sweep_metrics, workload_metrics
from perfbench.model import BenchmarkResult, Failure, Measurement, SweepPoint
from perfbench.suite import BenchmarkDefinition

STDERR_TAIL_LINES = 20


class RunObserver(Protocol):
    def benchmark_started(self, definition: BenchmarkDefinition, index: int, total: int) -> None: ...

    def benchmark_finished(self, result: BenchmarkResult, index: int, total: int) -> None: ...


@dataclasses.dataclass(frozen=True, slots=True)
class WorkerOutcome:
    returncode: int | None  # None: killed at the timeout
    payload: dict | None  # the worker's result file, if it wrote one
    stderr_tail: str
    elapsed_seconds: float


def _tail(path: Path, lines: int = STDERR_TAIL_LINES) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return ""
    return "\n".join(text.rstrip().splitlines()[-lines:])


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    """The worker leads its own session, so its whole process tree goes with the group."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait()


def run_worker(job: dict, timeout_seconds: float, workdir: Path) -> WorkerOutcome:
    job_path = workdir / "job.json"
    result_path = workdir / "result.json"
    stderr_path = workdir / "stderr.txt"
    result_path.unlink(missing_ok=True)
    job_path.write_text(json.dumps(job))
    began = time.monotonic()
    with open(stderr_path, "wb") as stderr, open(workdir / "stdout.txt", "wb") as stdout:
        process = subprocess.Popen(
            [sys.executable, "-m", "perfbench.worker", str(job_path), str(result_path)],
            stdin=subprocess.DEVNULL, stdout=stdout, stderr=stderr, start_new_session=True)
        try:
            returncode: int | None = process.wait(timeout=timeout_seconds)
        except subprocess.TimeoutExpired:
            _kill_group(process)
            returncode = None
        except BaseException:  # KeyboardInterrupt: abandon this benchmark, keep the rest
            _kill_group(process)
            raise
    payload = json.loads(result_path.read_text()) if result_path.exists() else None
    return WorkerOutcome(returncode, payload, _tail(stderr_path), time.monotonic() - began)


def interpret(definition: BenchmarkDefinition, outcome: WorkerOutcome) -> BenchmarkResult:
    """Turns what the worker left behind into a measurement or a failure with its reason."""
    def failed(kind: str, message: str, detail: str = "") -> BenchmarkResult:
        return BenchmarkResult(lane=definition.lane, benchmark=definition.name, kind=definition.kind,
                               measurement=None, failure=Failure(kind, message, detail),
                               params=_params_of(definition))

    if outcome.returncode is None:
        return failed("timeout", f"timed out after {definition.timeout_seconds:g} s and was killed",
                      outcome.stderr_tail)
    if outcome.payload is not None and outcome.payload.get("status") == "ok":
        try:
            return _assemble(definition, outcome.payload)
        except ValueError as error:  # e.g. a sweep whose metric the workload never reported
            return failed("analysis", f"measured, but the result cannot be analysed: {error}")
    if outcome.payload is not None:
        first_line = (outcome.payload["message"].splitlines() or [""])[0]
        return failed("exception", f"raised {outcome.payload['type']}: {first_line}".rstrip(": "),
                      outcome.payload.get("traceback", ""))
    if outcome.returncode < 0:
        try:
            name = signal.Signals(-outcome.returncode).name
        except ValueError:
            name = f"signal {-outcome.returncode}"
        return failed("crash", f"worker killed by {name}", outcome.stderr_tail)
    return failed("exit", f"worker exited with status {outcome.returncode} without a result",
                  outcome.stderr_tail)


def _assemble(definition: BenchmarkDefinition, payload: dict) -> BenchmarkResult:
    measurement = Measurement.from_dict(payload["measurement"])
    metrics = workload_metrics(measurement)
    labels: dict[str, str] = {}
    points: tuple[SweepPoint, ...] = ()
    baseline = None
    if payload.get("sweep"):
        points = tuple(SweepPoint.from_dict(p) for p in payload["sweep"])
        assert definition.sweep is not None
        fit, labels = sweep_metrics(points, definition.sweep.fit_on)
        metrics += fit
    if payload.get("baseline"):
        baseline = Measurement.from_dict(payload["baseline"])
        metrics += baseline_metrics(measurement, baseline)
    return BenchmarkResult(lane=definition.lane, benchmark=definition.name, kind=definition.kind,
                           measurement=measurement, params=_params_of(definition), metrics=tuple(metrics),
                           sweep=points, baseline=baseline, labels=labels)


def _params_of(definition: BenchmarkDefinition) -> dict:
    return dict(getattr(definition.target, "params", {}) or {})


def run_benchmarks(definitions: Sequence[BenchmarkDefinition],
                   observer: RunObserver | None = None) -> Iterator[BenchmarkResult]:
    """Yields one result per definition, in order, each as soon as its worker is done."""
    total = len(definitions)
    with tempfile.TemporaryDirectory(prefix="perfbench-run-") as scratch:
        for index, definition in enumerate(definitions):
            if observer:
                observer.benchmark_started(definition, index, total)
            workdir = Path(scratch) / f"{index:04d}"
            workdir.mkdir()
            outcome = run_worker(definition.job(), definition.timeout_seconds, workdir)
            result = interpret(definition, outcome)
            if observer:
                observer.benchmark_finished(result, index, total)
            yield result

