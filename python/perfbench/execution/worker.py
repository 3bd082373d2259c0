"""The worker process: runs exactly one micro-benchmark, iteration by iteration.

Started by the runner as ``python -m perfbench.execution.worker JOB EVENTS_FD`` in a session of its
own, so that a crash, an abort or a hang takes down only this process. Progress travels as
one JSON object per line on the inherited pipe EVENTS_FD (never stdout, which belongs to
the benchmark):

    {"event": "setup"}                                     imports done, the benchmark's setup begins (if any)
    {"event": "ready", "setup_ns": ...}                    after imports and setup
    {"event": "start", "index": i, "warmup": bool}         an iteration begins
    {"event": "end", "index": i, "outcome": {...}}          it finished: measurement (+ baseline), or sweep
    {"event": "error", "type": ..., "message": ..., "traceback": ...}   it raised; the worker exits 1

The runner times each iteration out on its own and watches the process tree's resources
between "start" and "end".

The worker deals only in the plain-dict wire format (raw_measurement) and never imports
numpy, and it takes the runner's clock calibration from PERFBENCH_CLOCK_CALIBRATION: it
is ready ~50 ms after exec instead of ~160 ms, so the runner can afford several fresh
workers per benchmark.

A job is one target, optionally swept over a parameter's values, or measured alternately
with a baseline (rounds of target, baseline, baseline, target, ... so that drift on a noisy
machine affects both sides alike), or, for ``perfbench ab`` (``"paired"``), alternately
with the same benchmark of the other checkout: each side imported on its own
(side_imports.py), the side the drawn order puts first (``partner_first``) imported and
timed first, and many short rounds, so that what the machine does in a process's lifetime
falls on both versions.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

from perfbench.definition.user_modules import load_user_object
from perfbench.execution.side_imports import in_directory, side_imports
from perfbench.measuring.call_binding import bind_parameters
from perfbench.measuring.raw_measurement import allocations_per_call, time_callable, time_workload, to_wire
from perfbench.measuring.wire_pooling import pool_wire
from perfbench.measuring.sampling import SamplingOptions, pins_iterations_per_sample

# Rounds of target, baseline, target, ...: each round pairs the two sides under the same
# machine conditions, and the spread of the per-round ratios is the interval of the ratio
# (Student-t over 8 rounds: t = 2.36, where 4 rounds gave 3.18).
BASELINE_ROUNDS = 8
# ab pairs in one process: shorter rounds follow the machine more closely. Two versions of a
# 36 us callable alternated in rounds of ~1 ms: their ratio varied by 0.15 % from one process
# to the next, where one version's median varies by 2-4 % and the ratio of two processes, A
# then B, by 6-9 % (benchmarks/pairing_noise.py, README "Check a change before merging").
PAIRED_ROUNDS = 32


Measurer = Callable[[dict[str, Any], SamplingOptions], dict[str, Any]]  # -> a wire-format measurement


def _measurer(target: dict[str, Any], process: int,
              before_setup: Callable[[], None] = lambda: None) -> tuple[Measurer, float | None]:
    """A function (params, options) -> wire-format measurement for the target, and how long
    its setup took in ns (setup runs once per worker, here, timed apart from the measurement;
    ``before_setup`` is called just before it, once the target is imported).
    ``process`` is this worker's number among its benchmark's processes, stamped on every
    measurement so that the runner's statistics can tell processes apart."""
    if target["kind"] == "workload":
        return (lambda params, options: to_wire(time_workload(target["workload"], params, options), process)), None
    if target["kind"] == "python":
        fn = load_user_object(target["path"], target["function"])
        setup_ns = None
        if target.get("setup"):
            setup = load_user_object(target["path"], target["setup"])
            before_setup()
            began = time.perf_counter_ns()
            setup()
            setup_ns = float(time.perf_counter_ns() - began)

        def measure(params: dict[str, Any], options: SamplingOptions) -> dict[str, Any]:
            call, args = bind_parameters(fn, params)
            measured = to_wire(time_callable(call, args, options), process)
            # after the timed samples, in a pass of its own: the counting hook never runs while timing
            measured["metrics"] = [*measured.get("metrics", ()),
                                   *allocations_per_call(call, args, measured["iterations_per_sample"])]
            return measured

        return measure, setup_ns
    raise ValueError(f"unknown target kind {target['kind']!r}")


def _alternate(target_measure: Measurer, target_params: dict[str, Any],
               baseline_measure: Measurer, baseline_params: dict[str, Any],
               options: SamplingOptions, rounds: int = BASELINE_ROUNDS,
               baseline_first: bool = False, within_budget: bool = False) -> tuple[dict[str, Any], dict[str, Any]]:
    """Both sides over ``rounds`` rounds, each side's share of the budget split among them,
    in mirrored order (target baseline, baseline target, ...): a drift within a round pair
    falls on both alike, and neither always runs first after the other warmed the caches.
    ``within_budget``: stop once both sides' budgets are spent, after two rounds at least
    (a slow callable's minimum samples per round would otherwise take many budgets: ab's
    5 ms callable took 2 s per iteration in 32 rounds of a 0.05 s budget)."""
    per_round = dataclasses.replace(
        options, budget_seconds=options.budget_seconds / rounds,
        max_samples=None if options.max_samples is None else max(
            options.min_samples, math.ceil(options.max_samples / rounds)))
    sides: list[list[dict[str, Any]]] = [[], []]
    both = ((0, target_measure, target_params), (1, baseline_measure, baseline_params))
    began = time.perf_counter()
    for round_index in range(rounds):
        if within_budget and round_index >= 2 and time.perf_counter() - began >= 2 * options.budget_seconds:
            break
        for side, measure, params in (both if (round_index % 2 == 1) == baseline_first else both[::-1]):
            round_options = per_round
            if round_index > 0:  # calibrated in round one; later rounds reuse its iterations
                round_options = dataclasses.replace(per_round, iterations=sides[side][0]["iterations_per_sample"])
            sides[side].append(measure(params, round_options))
    return pool_wire(sides[0]), pool_wire(sides[1])


def _paired_measurers(job: dict[str, Any], process: int,
                      before_setup: Callable[[], None]) -> tuple[Measurer, float | None, Measurer]:
    """This side's measurer (the job's target, its setup time) and the partner's, each
    imported inside its own checkout (side_imports), the one named first imported first,
    and each run in its own checkout's directory."""
    paired = job["paired"]
    sides = {"own": (job["target"], paired["own_directory"]), "partner": (paired["target"], paired["directory"])}
    measurers: dict[str, tuple[Measurer, float | None]] = {}
    announced = []

    def setup_begins() -> None:  # the runner expects one "setup" event, before the first setup
        if not announced:
            announced.append(True)
            before_setup()

    for side in (("partner", "own") if paired["partner_first"] else ("own", "partner")):
        target, directory = sides[side]
        with side_imports(directory, str(Path(target["path"]).parent)):
            measurers[side] = _measurer(target, process, setup_begins)
    (own, setup_ns), (partner, _) = measurers["own"], measurers["partner"]
    return (in_directory(paired["own_directory"], own), setup_ns,
            in_directory(paired["directory"], partner))


def run_iteration(job: dict[str, Any], measure: Measurer, baseline: Measurer | None,
                  options: SamplingOptions) -> dict[str, Any]:
    params = dict(job["target"]["params"])
    if job.get("sweep"):
        sweep = job["sweep"]
        points = [{"value": value, "measurement": measure({**params, sweep["param"]: value}, options)}
                  for value in sweep["values"]]
        return {"sweep": points}  # the largest size's point is the iteration's measurement
    if baseline is not None:
        paired = job.get("paired")
        if paired is not None:
            measured, base = _alternate(measure, params, baseline, dict(paired["target"]["params"]), options,
                                        rounds=PAIRED_ROUNDS, baseline_first=paired["partner_first"],
                                        within_budget=True)
        else:
            measured, base = _alternate(measure, params, baseline, dict(job["baseline"]["params"]), options)
        return {"measurement": measured, "baseline": base}
    return {"measurement": measure(params, options)}


def _emit(events: Any, payload: dict[str, Any]) -> None:
    events.write(json.dumps(payload) + "\n")
    events.flush()


def main(argv: list[str]) -> int:
    job = json.loads(Path(argv[0]).read_text())
    events_fd = int(argv[1])
    # Nothing the benchmark starts may inherit the event pipe: a process that outlived this
    # worker would hold it open (the runner reads with deadlines, but should not need them).
    os.set_inheritable(events_fd, False)
    with os.fdopen(events_fd, "w", encoding="utf-8") as events:
        try:
            process = job.get("process", 0)
            if job["target"]["kind"] == "load":  # a load generator, not a timing loop
                from perfbench.execution.load_job import run_load_job

                run_load_job(job, lambda payload: _emit(events, payload))
                return 0
            # The runner gives starting up the start-up timeout, and the user's setup the
            # iteration timeout, from this event on.
            if job.get("paired"):
                measure, setup_ns, baseline = _paired_measurers(job, process, lambda: _emit(events, {"event": "setup"}))
            else:
                measure, setup_ns = _measurer(job["target"], process, lambda: _emit(events, {"event": "setup"}))
                baseline = _measurer(job["baseline"], process)[0] if job.get("baseline") else None
            _emit(events, {"event": "ready", "setup_ns": setup_ns})
            options = SamplingOptions.from_dict(job["sampling"])
            total = job["warmup_iterations"] + job["iterations"]
            for index in range(total):
                _emit(events, {"event": "start", "index": index, "warmup": index < job["warmup_iterations"]})
                outcome = run_iteration(job, measure, baseline, options)
                if index == 0 and pins_iterations_per_sample(options, sweep=bool(job.get("sweep")),
                                                             baseline=baseline is not None):
                    n = outcome["measurement"]["iterations_per_sample"]
                    options = dataclasses.replace(options, iterations=n)
                _emit(events, {"event": "end", "index": index, "outcome": outcome})
        except BaseException as error:  # noqa: BLE001 - the worker reports every failure, then exits
            _emit(events, {"event": "error", "type": type(error).__name__, "message": str(error),
                           "traceback": traceback.format_exc()})
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
