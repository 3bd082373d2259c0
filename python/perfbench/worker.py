"""The worker process: runs exactly one benchmark and writes its result as JSON.

Started by the runner as ``python -m perfbench.worker JOB RESULT`` in a session of its own,
so that a crash, an abort or a hang takes down only this process. Whatever the benchmark
prints goes to files the runner keeps for diagnosis; the result travels in RESULT, which
is written atomically (temp file + rename) so a half-written file never reads as a result.
"""

from __future__ import annotations

import functools
import importlib.util
import json
import os
import sys
import traceback
from pathlib import Path
from typing import Any

from perfbench.measure import measure_callable, measure_workload
from perfbench.model import Measurement
from perfbench.sampling import SamplingOptions


def _load_python_function(target: dict[str, Any], name: str) -> Any:
    path = Path(target["path"])
    module_name = f"perfbench_user_{path.stem}"
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


def execute(job: dict[str, Any]) -> Measurement:
    target = job["target"]
    options = SamplingOptions.from_dict(job["sampling"])
    if target["kind"] == "workload":
        return measure_workload(target["workload"], target["params"], options)
    if target["kind"] == "python":
        fn = _load_python_function(target, target["function"])
        if target.get("setup"):
            _load_python_function(target, target["setup"])()
        params = target["params"]
        # functools.partial calls through C, so parameters add no Python frame per call.
        return measure_callable(functools.partial(fn, **params) if params else fn, (), options)
    raise ValueError(f"unknown target kind {target['kind']!r}")


def _write_atomically(path: Path, payload: dict[str, Any]) -> None:
    temporary = path.with_suffix(".partial")
    temporary.write_text(json.dumps(payload))
    os.replace(temporary, path)


def main(argv: list[str]) -> int:
    job_path, result_path = Path(argv[0]), Path(argv[1])
    job = json.loads(job_path.read_text())
    try:
        measurement = execute(job)
    except BaseException as error:  # noqa: BLE001 - the worker reports every failure, then exits
        _write_atomically(result_path, {
            "status": "error",
            "type": type(error).__name__,
            "message": str(error),
            "traceback": traceback.format_exc(),
        })
        return 1
    _write_atomically(result_path, {"status": "ok", "measurement": measurement.to_dict()})
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
