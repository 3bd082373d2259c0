"""Hardware counts per call reach the result as metrics where the machine has them; where
it has none, a rule on them reads NOT MEASURABLE with the reason, and a run says why once."""

from __future__ import annotations

from pathlib import Path

import pytest

from perfbench import _core
from perfbench.analysis.aggregate import assemble_result
from perfbench.definition.suite import BenchmarkDefinition, PythonTarget
from perfbench.model import IterationRecord, Measurement
from perfbench.sla import rule, worst_severity

NO_PMU = {"available": False, "reason": "no hardware counter for cycles: no PMU"}


def _counted(instructions: float, cycles: float, misses: float) -> dict[str, object]:
    return {"available": True, "reason": "", "instructions": instructions, "cycles": cycles,
            "branch_misses": misses, "running_fraction": 1.0}


def _record(index: int, process: int, counters: dict[str, object]) -> IterationRecord:
    measurement = Measurement(samples_ns=[10.0, 11.0], iterations_per_sample=100, overhead_ns=0.0,
                              overhead_subtracted=True, clock="steady_clock", ticks_per_ns=1.0, counters=counters)
    return IterationRecord(index=index, warmup=False, wall_ns=1.0, measurement=measurement, process=process)


DEFINITION = BenchmarkDefinition(name="f", lane="t", target=PythonTarget("bench_x.py", "f"), iterations=4,
                                 processes=2)


def test_counts_per_call_are_averaged_over_every_counted_iteration() -> None:
    records = [_record(0, 0, _counted(100, 50, 1)), _record(1, 0, _counted(100, 50, 1)),
               _record(2, 1, _counted(140, 50, 3)), _record(3, 1, _counted(140, 50, 3))]
    result = assemble_result(DEFINITION, records)
    assert result.metric("instructions_per_op").value == pytest.approx(120.0)
    assert result.metric("cycles_per_op").value == pytest.approx(50.0)
    assert result.metric("branch_misses_per_op").value == pytest.approx(2.0)
    assert result.metric("instructions_per_cycle").value == pytest.approx(2.4)
    # process means 100 and 140: s = 28.28, t(0.975, 1) = 12.706, half-width 12.706 * 28.28 / sqrt 2
    instructions = result.metric("instructions_per_op")
    assert instructions.ci_high - instructions.value == pytest.approx(12.706 * 20.0, rel=1e-3)
    assert instructions.ci_low == 0.0  # a count is never negative
    assert rule("instructions_per_op < 1000").evaluate(result).status == "pass"


def test_without_counters_a_rule_is_not_measurable_and_does_not_fail_the_run() -> None:
    result = assemble_result(DEFINITION, [_record(i, i // 2, NO_PMU) for i in range(4)])
    assert result.metric("instructions_per_op") is None
    verdicts = [rule(text).evaluate(result) for text in ("instructions_per_op < 1000", "instructions_per_cycle > 1")]
    assert {v.status for v in verdicts} == {"not-measurable"}
    assert {v.label for v in verdicts} == {"NOT MEASURABLE"}
    assert all("no PMU" in v.message for v in verdicts)
    assert worst_severity(verdicts) is None
    # other unknown names stay invalid rules, as before
    assert rule("instructionz_per_op < 1").evaluate(result).status == "invalid"


PROJECT = """
import perfbench

@perfbench.benchmark(budget="20ms", sla=["instructions_per_op < 10000"])
def first():
    return 1

@perfbench.benchmark(budget="20ms", sla=["cycles_per_op < 10000"])
def second():
    return 2
"""


@pytest.mark.skipif(_core.hardware_counter_support()["available"],
                    reason="this machine has hardware counters; the constructed-data test covers them")
def test_a_run_without_counters_says_why_once(write_module, run_cli, tmp_path: Path) -> None:
    write_module("benchmarks/bench_counted.py", PROJECT)
    completed = run_cli("run", "--quick")
    assert completed.returncode == 0, completed.stderr
    reason = _core.hardware_counter_support()["reason"]
    assert completed.stderr.count("hardware counters are unavailable") == 1
    assert reason.split(":")[0] in completed.stderr
    assert completed.stdout.count("NOT MEASURABLE") == 2  # one per rule
