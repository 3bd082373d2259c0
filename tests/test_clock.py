"""The clock: source selection, calibration against CLOCK_MONOTONIC_RAW, read costs."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

import pytest

from perfbench import _core, clock_info


def test_clock_info_describes_the_source_in_use() -> None:
    info = clock_info()
    assert info["source"] in ("tsc", "cntvct_el0", "steady_clock")
    assert info["ticks_per_ns"] > 0
    assert 0 < info["resolution_ns"] < 10_000
    assert info["selection_reason"]
    names = [cost["clock"] for cost in info["read_costs"]]
    assert "std::chrono::steady_clock::now" in names
    assert all(cost["ns_per_read"] > 0 for cost in info["read_costs"])


@pytest.mark.skipif(platform.machine() != "x86_64", reason="TSC checks are x86-64 only")
def test_invariant_tsc_is_chosen_when_the_cpu_reports_it() -> None:
    info = clock_info()
    assert info["tsc_present"]
    cpuinfo = Path("/proc/cpuinfo").read_text()
    if info["tsc_invariant"]:
        assert info["source"] == "tsc"
        assert info["tsc_invariant_evidence"]
    else:
        assert info["source"] == "steady_clock"
        assert not ("constant_tsc" in cpuinfo and "nonstop_tsc" in cpuinfo)


def test_calibrated_rate_agrees_with_monotonic_clock_over_a_longer_interval() -> None:
    """The 20 ms start-up calibration must predict a 300 ms interval to within 0.1 %."""
    info = clock_info()
    m0, t0 = _core.monotonic_raw_ns(), _core.read_ticks()
    time.sleep(0.3)
    m1, t1 = _core.monotonic_raw_ns(), _core.read_ticks()
    elapsed_by_ticks = (t1 - t0) / info["ticks_per_ns"]
    elapsed_by_monotonic = m1 - m0
    assert abs(elapsed_by_ticks / elapsed_by_monotonic - 1) < 1e-3


def test_recalibration_reproduces_the_rate() -> None:
    again = _core.calibrate_ticks_per_ns(0.05)
    assert abs(again / clock_info()["ticks_per_ns"] - 1) < 1e-3


def test_steady_clock_fallback_can_be_forced() -> None:
    code = "import json; from perfbench import clock_info; print(json.dumps(clock_info()))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={**os.environ, "PERFBENCH_CLOCK": "steady"})
    info = json.loads(out.stdout)
    assert info["source"] == "steady_clock"
    assert info["ticks_per_ns"] == 1.0
    assert "PERFBENCH_CLOCK" in info["selection_reason"]


def test_calibrate_command_prints_json(run_cli) -> None:
    completed = run_cli("calibrate", "--json")
    assert completed.returncode == 0, completed.stderr
    info = json.loads(completed.stdout)
    assert {"source", "ticks_per_ns", "resolution_ns", "tsc_invariant", "read_costs"} <= info.keys()


def test_calibrate_command_prints_a_table(run_cli) -> None:
    completed = run_cli("calibrate")
    assert completed.returncode == 0, completed.stderr
    assert "ticks per ns" in completed.stdout
    assert "steady_clock::now" in completed.stdout
