"""The worker process: runs exactly one benchmark and writes its result as JSON.

Started by the runner as ``python -m perfbench.worker JOB RESULT`` in a session of its own,
so that a crash, an abort or a hang takes down only this process. Whatever the benchmark
prints goes to files the runner keeps for diagnosis; the result travels in RESULT, which
is written atomically (temp file + rename) so a half-written file never reads as a result.

A job is one target, optionally swept over a parameter's values, or measured alternately
with a baseline (rounds of target, baseline, target, ... so that drift on a noisy machine
affects both sides alike).
"""

from __future__ import annotations

import dataclasses
import functools
import importlib.util
import json
import math
import os
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from perfbench.measure import measure_callable, measure_workload
from perfbench.model import Measurement
from perfbench.sampling import SamplingOptions

BASELINE_ROUNDS = 4


def _load_python_function(target: dict[str, Any], name: str) -> Any:
    path = Path(target["path"])
    module_name = f"perfbench_user_{path.stem}"
    module = sys.modules.get(module_name)
    if module is None:
        spec = importlib.util.spec_from_file_location(module_name, path)
        if spec is None or spec.loader is None:
            raise ImportError(f"cannot import {path}")
        module = importlib.util.module_from_spec(spec)
        sys.modules[module_name] = module
        sys.path.insert(0, str(path.parent))
        spec.loader.exec_module(module)
    obj: Any = module
    for part in name.split("."):
        obj = getattr(obj, part)
    return obj


def _measurer(target: dict[str, Any]) -> Callable[[dict[str, Any], SamplingOptions], Measurement]:
    """A function (params, options) -> Measurement for the target; setup runs once, here."""
    if target["kind"] == "workload":
        return lambda params, options: measure_workload(target["workload"], params, options)
    if target["kind"] == "python":
        fn = _load_python_function(target, target["function"])
        if target.get("setup"):
            _load_python_function(target, target["setup"])()
        # functools.partial calls through C, so parameters add no Python frame per call.
        return lambda params, options: measure_callable(
            functools.partial(fn, **params) if params else fn, (), options)
    raise ValueError(f"unknown target kind {target['kind']!r}")


def _merge_rounds(rounds: list[Measurement]) -> Measurement:
    """One measurement from rounds taken with the same iterations per sample."""
    first = rounds[0]
    data = first.to_dict()
    data["samples_ns"] = np.concatenate([r.samples_ns for r in rounds])
    data["wall_seconds"] = sum(r.wall_seconds for r in rounds)
    data["warmup_samples"] = sum(r.warmup_samples for r in rounds)
    data["metrics"] = [dict(m) for m in rounds[-1].metrics]
    return Measurement.from_dict(data)


def _alternate(target_measure: Callable[..., Measurement], target_params: dict[str, Any],
               baseline_measure: Callable[..., Measurement], baseline_params: dict[str, Any],
               options: SamplingOptions) -> tuple[Measurement, Measurement]:
    per_round = dataclasses.replace(
        options, budget_seconds=options.budget_seconds / BASELINE_ROUNDS,
        max_samples=None if options.max_samples is None else max(
            options.min_samples, math.ceil(options.max_samples / BASELINE_ROUNDS)))
    sides: list[list[Measurement]] = [[], []]
    for round_index in range(BASELINE_ROUNDS):
        for side, (measure, params) in enumerate(((target_measure, target_params),
                                                  (baseline_measure, baseline_params))):
            round_options = per_round
            if round_index > 0:  # calibrated in round one; later rounds reuse its iterations
                round_options = dataclasses.replace(per_round, iterations=sides[side][0].iterations_per_sample)
            sides[side].append(measure(params, round_options))
    return _merge_rounds(sides[0]), _merge_rounds(sides[1])


def execute(job: dict[str, Any]) -> dict[str, Any]:
    target = job["target"]
    options = SamplingOptions.from_dict(job["sampling"])
    measure = _measurer(target)
    params = dict(target["params"])
    if job.get("sweep"):
        sweep = job["sweep"]
        points = [{"value": value, "measurement": measure({**params, sweep["param"]: value}, options).to_dict()}
                  for value in sweep["values"]]
        return {"measurement": points[-1]["measurement"], "sweep": points}
    if job.get("baseline"):
        baseline = job["baseline"]
        measured, base = _alternate(measure, params, _measurer(baseline), dict(baseline["params"]), options)
        return {"measurement": measured.to_dict(), "baseline": base.to_dict()}
    return {"measurement": measure(params, options).to_dict()}


def _write_atomically(path: Path, payload: dict[str, Any]) -> None:
    temporary = path.with_suffix(".partial")
    temporary.write_text(json.dumps(payload))
    os.replace(temporary, path)


def main(argv: list[str]) -> int:
    job_path, result_path = Path(argv[0]), Path(argv[1])
    job = json.loads(job_path.read_text())
    try:
        outcome = execute(job)
    except BaseException as error:  # noqa: BLE001 - the worker reports every failure, then exits
        _write_atomically(result_path, {
            "status": "error",
            "type": type(error).__name__,
            "message": str(error),
            "traceback": traceback.format_exc(),
        })
        return 1
    _write_atomically(result_path, {"status": "ok", **outcome})
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
