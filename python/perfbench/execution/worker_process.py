"""Driving one worker process (see worker.py) through its iterations.

The worker reports iteration starts and ends as JSON lines on a pipe; this side enforces
the per-iteration timeout, watches the worker's process tree with the resource sampler
between start and end, and turns a crash, an exception, a timeout or a memory blow-up into
a failed IterationRecord. On KeyboardInterrupt the worker's tree is killed and the
interrupt propagates.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import Any

from perfbench import _core
from perfbench.model import Failure, IterationRecord, Measurement, SweepPoint
from perfbench.execution.line_pipe import LinePipe
from perfbench.execution.process_termination import kill_tree, signal_name
from perfbench.resources.resource_observation import IterationWatch
from perfbench.measuring.sampling import SamplingOptions
from perfbench.definition.suite import BenchmarkDefinition

STDERR_TAIL_LINES = 20
# A worker is ready ~50 ms after exec here; one that has not said "ready" within this (or
# the iteration timeout, if longer) is stuck.
STARTUP_TIMEOUT_SECONDS = 60.0
# A worker that stopped reporting has exited, or is about to: how long to wait for its status.
EXIT_GRACE_SECONDS = 10.0


def clock_calibration_for_workers() -> dict[str, str]:
    """The environment that hands this process's clock calibration to a worker, which then
    skips its own 20 ms calibration (cpp/src/clock.cpp, adopt_inherited_calibration)."""
    info = _core.clock_info()
    if info["source"] == "steady_clock":
        return {}
    return {"PERFBENCH_CLOCK_CALIBRATION": f"{info['source']}:{info['ticks_per_ns']!r}"}


def tail(path: Path, lines: int = STDERR_TAIL_LINES) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return ""
    return "\n".join(text.rstrip().splitlines()[-lines:])


class _EventPipe:
    """The worker's JSON events, each read with a deadline (see line_pipe)."""

    def __init__(self, fd: int, worker_pidfd: int) -> None:
        self.lines = LinePipe(fd, writer_pidfd=worker_pidfd)
        self.worker_pidfd = worker_pidfd

    def next(self, timeout_seconds: float) -> dict[str, Any] | None:
        """The next event; None once the worker is done. Raises TimeoutError past the deadline."""
        line = self.lines.next_line(timeout_seconds)
        return None if line is None else json.loads(line)

    def close(self) -> None:
        self.lines.close()
        os.close(self.worker_pidfd)


class WorkerRun:
    """One worker process for one micro-benchmark definition: its warm-ups, then ``counted``
    counted iterations (default: all of the definition's) with ``sampling`` (default: the
    definition's). Records are numbered from ``first_index`` and carry ``process``. ``python``
    is the interpreter the worker runs in (default: this one); another one (a venv with
    another perfbench and project installed, for ``perfbench ab``) must have perfbench.
    ``job_extra`` is added to the worker's job and ``cwd`` replaces the definition's working
    directory (``perfbench ab`` pairing two checkouts in one worker: execution/interleave.py)."""

    def __init__(self, definition: BenchmarkDefinition, workdir: Path, *, counted: int | None = None,
                 sampling: SamplingOptions | None = None, first_index: int = 0, process: int = 0,
                 python: str = sys.executable, job_extra: dict[str, Any] | None = None,
                 cwd: str | None = None) -> None:
        self.definition = definition
        self.python = python
        self.job_extra = job_extra or {}
        self.cwd = cwd if cwd is not None else definition.cwd
        self.workdir = workdir
        self.counted = definition.iterations if counted is None else counted
        self.sampling = sampling
        self.first_index = first_index
        self.process = process  # this worker's number among the benchmark's processes
        self.setup_ns: float | None = None

    def _spawn(self) -> tuple[subprocess.Popen[bytes], _EventPipe]:
        job_path = self.workdir / "job.json"
        job_path.write_text(json.dumps({**self.definition.job(self.counted, self.sampling), "process": self.process,
                                        **self.job_extra}))
        read_fd, write_fd = os.pipe()
        env = {**os.environ, **clock_calibration_for_workers(), **self.definition.env}
        with open(self.workdir / "stdout.txt", "wb") as stdout, open(self.workdir / "stderr.txt", "wb") as stderr:
            process = subprocess.Popen(
                [self.python, "-m", "perfbench.execution.worker", str(job_path), str(write_fd)],
                stdin=subprocess.DEVNULL, stdout=stdout, stderr=stderr, pass_fds=(write_fd,),
                start_new_session=True, env=env, cwd=self.cwd)
        os.close(write_fd)
        return process, _EventPipe(read_fd, os.pidfd_open(process.pid))

    def _died(self, process: subprocess.Popen[bytes], watch: IterationWatch | None) -> Failure:
        try:
            returncode = process.wait(timeout=EXIT_GRACE_SECONDS)
        except subprocess.TimeoutExpired:  # it closed its end of the event pipe but lives on
            kill_tree(process.pid)
            returncode = process.wait()
        stderr = tail(self.workdir / "stderr.txt")
        if watch is not None and watch.limit_exceeded is not None:
            return Failure("memory", f"killed beyond the memory limit ({watch.describe_limit()})", stderr)
        if returncode < 0:
            return Failure("crash", f"worker killed by {signal_name(returncode)}", stderr)
        return Failure("exit", f"worker exited with status {returncode} without a result", stderr)

    def _startup(self, process: subprocess.Popen[bytes],
                 events: _EventPipe) -> Generator[IterationRecord, None, dict[str, Any] | None]:
        """Waits for the worker's "ready" and returns it; or yields the failed first record
        and returns None. Starting (interpreter, imports) gets STARTUP_TIMEOUT_SECONDS or the
        iteration timeout if longer; the benchmark's own setup gets the iteration timeout."""
        definition = self.definition
        first = dict(index=self.first_index, process=self.process, warmup=definition.warmup_iterations > 0)
        startup_seconds = max(STARTUP_TIMEOUT_SECONDS, definition.timeout_seconds)
        try:
            event = events.next(startup_seconds)
        except TimeoutError:
            kill_tree(process.pid)
            yield IterationRecord(**first, wall_ns=None, failure=Failure(
                "timeout", f"the worker did not start within {startup_seconds:g} s", tail(self.workdir / "stderr.txt")))
            return None
        if event is not None and event["event"] == "setup":
            try:
                event = events.next(definition.timeout_seconds)
            except TimeoutError:
                kill_tree(process.pid)
                yield IterationRecord(**first, wall_ns=None, failure=Failure(
                    "timeout", f"setup timed out after {definition.timeout_seconds:g} s and was killed",
                    tail(self.workdir / "stderr.txt")))
                return None
        if event is None or event["event"] != "ready":
            yield self._failed_record(self.first_index, first["warmup"], process, event, None, None)
            return None
        return event

    def iterations(self) -> Iterator[IterationRecord]:
        definition = self.definition
        process, events = self._spawn()
        watch: IterationWatch | None = None
        try:
            ready = yield from self._startup(process, events)
            if ready is None:
                return
            self.setup_ns = ready.get("setup_ns")
            for local_index in range(definition.warmup_iterations + self.counted):
                warmup = local_index < definition.warmup_iterations
                index = self.first_index + local_index
                try:
                    started = events.next(STARTUP_TIMEOUT_SECONDS)
                except TimeoutError:  # between iterations only perfbench's own code runs: it is stuck
                    kill_tree(process.pid)
                    yield IterationRecord(index=index, process=self.process, warmup=warmup, wall_ns=None,
                                          failure=Failure("timeout", f"the worker did not start iteration {index + 1} "
                                                          f"within {STARTUP_TIMEOUT_SECONDS:g} s and was killed",
                                                          tail(self.workdir / "stderr.txt")))
                    return
                if started is None or started["event"] != "start":
                    yield self._failed_record(index, warmup, process, started, None, None)
                    return
                watch = IterationWatch.start(process.pid, definition)
                began = time.perf_counter_ns()
                try:
                    ended = events.next(definition.timeout_seconds)
                except TimeoutError:
                    kill_tree(process.pid)
                    resources, watch = watch.stop(), None
                    yield IterationRecord(index=index, process=self.process, warmup=warmup, wall_ns=None, resources=resources.summary,
                                          resource_metrics=resources.metrics,
                                          failure=Failure("timeout", f"timed out after {definition.timeout_seconds:g} s "
                                                          "and was killed", tail(self.workdir / "stderr.txt")))
                    return
                wall_ns = float(time.perf_counter_ns() - began)
                # Stopped here, once: the generator may be closed at any yield below (an interrupt).
                resources, stopped, watch = watch.stop(), watch, None
                if ended is None or ended["event"] != "end":
                    yield self._failed_record(index, warmup, process, ended, resources, stopped)
                    return
                yield self._measured_record(index, warmup, wall_ns, ended["outcome"], resources)
        except BaseException:
            kill_tree(process.pid)
            if watch is not None:
                watch.stop()
            raise
        finally:
            events.close()
            if process.poll() is None:
                try:
                    process.wait(timeout=EXIT_GRACE_SECONDS)
                except subprocess.TimeoutExpired:
                    kill_tree(process.pid)
                    process.wait()

    def _measured_record(self, index: int, warmup: bool, wall_ns: float, outcome: dict[str, Any],
                         resources: Any) -> IterationRecord:
        """Everything the iteration measured, in one record: its samples, or its sweep's
        points, and the baseline taken beside them."""
        sweep = tuple(SweepPoint.from_dict(point) for point in outcome.get("sweep", ()))
        measured = outcome.get("measurement")
        return IterationRecord(
            index=index, process=self.process, warmup=warmup, wall_ns=wall_ns,
            measurement=Measurement.from_dict(measured) if measured and not sweep else None, sweep=sweep,
            load=outcome.get("load"),
            # a load test that ran but got no successful response: its record says what happened
            failure=Failure("load", outcome["failure"]) if outcome.get("failure") else None,
            baseline=Measurement.from_dict(outcome["baseline"]) if outcome.get("baseline") else None,
            resources=resources.summary, resource_metrics=resources.metrics)

    def _failed_record(self, index: int, warmup: bool, process: subprocess.Popen[bytes],
                       event: dict[str, Any] | None, resources: Any, watch: IterationWatch | None) -> IterationRecord:
        if event is not None and event.get("event") == "error":
            first_line = (event["message"].splitlines() or [""])[0]
            failure = Failure("exception", f"raised {event['type']}: {first_line}".rstrip(": "),
                              event.get("traceback", ""))
        else:
            failure = self._died(process, watch)
        return IterationRecord(index=index, process=self.process, warmup=warmup, wall_ns=None, failure=failure,
                               resources=resources.summary if resources else None,
                               resource_metrics=resources.metrics if resources else ())
