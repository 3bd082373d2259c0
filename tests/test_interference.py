"""What disturbed a measurement is said next to its verdicts (analysis/interference.py)."""

from __future__ import annotations

import numpy as np

from perfbench.analysis.interference import environment_note
from perfbench.model import BenchmarkResult, Measurement, Metric
from perfbench.sla import rule


def result(samples: np.ndarray, *metrics: Metric) -> BenchmarkResult:
    m = Measurement(samples_ns=samples, iterations_per_sample=100, overhead_ns=0.0, overhead_subtracted=True,
                    clock="tsc", ticks_per_ns=2.5)
    return BenchmarkResult(lane="l", benchmark="b", kind="workload", measurement=m, metrics=metrics)


CALM = np.random.default_rng(1).normal(100.0, 0.5, 1000)


def test_a_calm_measurement_gets_no_note() -> None:
    calm = result(CALM, Metric("cpu_avg", 0.5, "fraction"), Metric("system_cpu_avg", 0.55, "fraction"),
                  Metric("machine_steal_avg", 0.001, "fraction"))
    assert environment_note(calm) == ""
    assert rule("median < 1ms").evaluate(calm).environment == ""


def test_interrupted_samples_other_processes_and_steal_are_each_said() -> None:
    hit = CALM.copy()
    hit[::40] *= 30  # 2.5 % of samples an interrupt or preemption landed in
    noisy = result(hit, Metric("cpu_avg", 0.5, "fraction"), Metric("system_cpu_avg", 0.9, "fraction"),
                   Metric("machine_steal_avg", 0.05, "fraction"))
    note = environment_note(noisy)
    assert "2.5 % of samples hit by interrupts or preemption" in note
    assert "other processes used 40 % of the machine" in note
    assert "the hypervisor took 5.0 % of the CPU time (steal)" in note
    verdict = rule("median < 1ms").evaluate(noisy)
    assert verdict.status == "pass" and verdict.environment == note  # the median is robust; the note stays
