"""What keeps a worker's start-up short: no numpy import, and the runner's clock
calibration handed down instead of measured again."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from perfbench import clock_info
from perfbench.measuring.raw_measurement import time_callable, time_workload, to_wire
from perfbench.measuring.wire_pooling import pool_wire
from perfbench.execution.runner import results_of, run_benchmarks
from perfbench.measuring.sampling import SamplingOptions
from perfbench.definition.suite import BenchmarkDefinition, PythonTarget, WorkloadTarget

FAST = SamplingOptions(budget_seconds=0.05)
TICK_CLOCK = clock_info()["source"] != "steady_clock"

# The benchmark leaves behind what its worker process had loaded and which rate its clock
# used, for the test to read.
PROBE = """
import json, sys
from pathlib import Path
from perfbench import _core

def probe():
    info = _core.clock_info()
    Path(__file__).with_name("probe.json").write_text(json.dumps({
        "numpy_loaded": "numpy" in sys.modules,
        "ticks_per_ns": info["ticks_per_ns"],
        "calibration_inherited": info["calibration_inherited"],
    }))
"""


def clock_info_in_subprocess(**env: str) -> dict:
    code = "import json; from perfbench import _core; print(json.dumps(_core.clock_info()))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={**os.environ, **env})
    return json.loads(out.stdout)


def test_a_worker_never_imports_numpy_and_inherits_the_runners_calibration(write_module) -> None:
    bench_file: Path = write_module("bench_probe.py", PROBE)
    definition = BenchmarkDefinition(name="probe", lane="w", target=PythonTarget(str(bench_file), "probe"),
                                     sampling=FAST, iterations=1, warmup_iterations=0)
    (result,) = results_of(run_benchmarks([definition]))
    assert result.failure is None
    seen = json.loads(bench_file.with_name("probe.json").read_text())
    assert seen["numpy_loaded"] is False
    if TICK_CLOCK:
        assert seen["calibration_inherited"] is True
        assert seen["ticks_per_ns"] == clock_info()["ticks_per_ns"]  # the very same float
        assert result.measurement.ticks_per_ns == clock_info()["ticks_per_ns"]


def test_importing_the_worker_module_loads_no_numpy() -> None:
    code = "import sys, perfbench.execution.worker; print('numpy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.skipif(not TICK_CLOCK, reason="the steady_clock fallback needs no calibration")
def test_an_inherited_calibration_replaces_the_measured_one() -> None:
    source = clock_info()["source"]
    info = clock_info_in_subprocess(PERFBENCH_CLOCK_CALIBRATION=f"{source}:2.5")
    assert info["ticks_per_ns"] == 2.5
    assert info["calibration_inherited"] is True and info["calibration_seconds"] == 0


@pytest.mark.skipif(not TICK_CLOCK, reason="the steady_clock fallback needs no calibration")
@pytest.mark.parametrize("template", ["steady_clock:2.5", "{other}:2.5", "{source}:", "{source}:abc", "{source}:-1",
                                      "{source}:nan", "{source}:inf", "{source}:2.5x", "2.5"])
def test_an_inherited_calibration_for_another_clock_or_malformed_is_ignored(template: str) -> None:
    source = clock_info()["source"]
    other = "cntvct_el0" if source == "tsc" else "tsc"
    info = clock_info_in_subprocess(PERFBENCH_CLOCK_CALIBRATION=template.format(source=source, other=other))
    assert info["calibration_inherited"] is False
    assert info["calibration_seconds"] > 0
    assert abs(info["ticks_per_ns"] / clock_info()["ticks_per_ns"] - 1) < 1e-3


def test_samples_come_as_a_read_only_buffer_that_numpy_views_without_copying() -> None:
    raw = time_workload("add_chain_8", None, FAST)
    samples = raw["samples_ns"]
    view = memoryview(samples)
    assert view.readonly and view.format == "d" and len(view) == len(samples) > 0
    array = np.asarray(samples)
    assert not array.flags.writeable and not array.flags.owndata
    assert to_wire(raw)["samples_ns"] == array.tolist()


def test_pooled_wire_measurements_keep_every_sample_and_sum_wall_and_warmup() -> None:
    options = SamplingOptions(budget_seconds=0.02, iterations=50)
    rounds = [to_wire(time_callable(len, ("abc",), options)) for _ in range(3)]
    pooled = pool_wire(rounds)
    assert pooled["samples_ns"] == [x for r in rounds for x in r["samples_ns"]]
    assert pooled["wall_seconds"] == pytest.approx(sum(r["wall_seconds"] for r in rounds))
    assert pooled["warmup_samples"] == sum(r["warmup_samples"] for r in rounds)
    assert pooled["iterations_per_sample"] == 50


def test_a_workload_benchmark_runs_in_a_worker_with_the_inherited_rate() -> None:
    definition = BenchmarkDefinition(name="w", lane="w", target=WorkloadTarget("add_chain_8"),
                                     sampling=FAST, iterations=2, warmup_iterations=0)
    (result,) = results_of(run_benchmarks([definition]))
    assert result.failure is None and result.measurement.samples_ns.size > 0
    assert result.measurement.ticks_per_ns == clock_info()["ticks_per_ns"]
