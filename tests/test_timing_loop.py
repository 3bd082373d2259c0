"""The C++ timing loop: iteration calibration, budgets, overhead correction, immutability."""

from __future__ import annotations

import numpy as np
import pytest

import perfbench
from perfbench.measuring.timing import measure_workload
from perfbench.measuring.sampling import SamplingOptions


def test_iterations_grow_until_a_sample_lasts_the_minimum_sample_time() -> None:
    m = measure_workload("add_chain_8", options=SamplingOptions(budget_seconds=0.2, min_sample_seconds=2e-4))
    sample_duration_ns = m.median * m.iterations_per_sample
    assert m.target_sample_ns >= 2e5
    # calibration aims 10-20 % above the target; the median sample must reach most of it
    assert sample_duration_ns >= 0.8 * m.target_sample_ns
    assert sample_duration_ns <= 30 * m.target_sample_ns
    assert m.calibration_rounds >= 2


def test_the_minimum_sample_time_is_never_below_1000_clock_resolutions() -> None:
    resolution = perfbench.clock_info()["resolution_ns"]
    m = measure_workload("empty", options=SamplingOptions(budget_seconds=0.05, min_sample_seconds=1e-9))
    assert m.target_sample_ns == pytest.approx(1000 * resolution)


def test_fixed_iterations_and_sample_count_are_honoured() -> None:
    m = measure_workload("memcpy_4KiB", options=SamplingOptions(iterations=64, max_samples=25, budget_seconds=5))
    assert m.iterations_per_sample == 64
    assert m.stats.n == 25
    assert not m.stopped_by_budget


def test_the_budget_bounds_the_wall_time() -> None:
    m = measure_workload("hash_lookup_1k", options=SamplingOptions(budget_seconds=0.15))
    assert m.stopped_by_budget
    assert 0.15 <= m.wall_seconds < 0.15 + 0.05


def test_empty_body_reads_zero_after_overhead_correction() -> None:
    m = measure_workload("empty", options=SamplingOptions(budget_seconds=0.2))
    assert m.overhead_subtracted
    assert abs(m.median) <= 0.5
    # what remains is the unrolled loop's own cost, reported and left in (~1/8 cycle)
    assert 0 <= m.loop_overhead_ns < 0.2
    assert abs(m.median - m.loop_overhead_ns) < 0.1


def test_uncorrected_empty_body_reads_the_overhead() -> None:
    m = measure_workload("empty", options=SamplingOptions(budget_seconds=0.2, subtract_overhead=False))
    assert not m.overhead_subtracted
    assert 0 < m.median < 0.5
    # Both read the same loop; at ~0.05 ns per iteration a relative bound is noise, so the
    # check is absolute: a mis-scaled overhead (per sample instead of per iteration, or
    # missing the clock reads) would be off by orders of magnitude.
    assert abs(m.median - (m.overhead_ns + m.loop_overhead_ns)) < 0.1


def test_the_fixed_sample_cost_is_subtracted_and_the_loop_cost_left_in() -> None:
    """A latency-bound body hides the loop's counter: subtracting it would under-read."""
    corrected = measure_workload("memcpy_4KiB", options=SamplingOptions(budget_seconds=0.1, iterations=4))
    # with 4 iterations per sample the fixed cost (two clock reads, ~40 ns) dominates the overhead
    assert corrected.overhead_ns * 4 > 10
    assert corrected.loop_overhead_ns < corrected.overhead_ns


def test_dependent_add_chain_is_slower_than_an_independent_lookup_is_fast() -> None:
    """Known shape: 8 dependent adds cost 8 core cycles, i.e. 1-4 ns on any 2-8 GHz core."""
    m = measure_workload("add_chain_8", options=SamplingOptions(budget_seconds=0.2))
    assert 8 / 8.0 <= m.median <= 8 / 2.0


def test_samples_are_a_read_only_view_and_the_measurement_is_immutable() -> None:
    m = measure_workload("sort_1k", options=SamplingOptions(budget_seconds=0.05))
    assert isinstance(m.samples_ns, np.ndarray)
    assert not m.samples_ns.flags.writeable
    assert not m.samples_ns.flags.owndata  # numpy views the C++ buffer: no copy was made
    with pytest.raises(ValueError):
        m.samples_ns[0] = 1.0
    with pytest.raises(AttributeError):
        m.median = 0  # type: ignore[misc]


def test_ticks_are_reported_when_a_cycle_counter_is_used() -> None:
    m = measure_workload("hash_lookup_1k", options=SamplingOptions(budget_seconds=0.05))
    if m.clock in ("tsc", "cntvct_el0"):
        assert m.ticks is not None
        assert m.ticks.median == pytest.approx(m.median * m.ticks_per_ns)
    else:
        assert m.ticks is None


def test_hardware_counters_say_why_they_are_missing() -> None:
    m = measure_workload("add_chain_8", options=SamplingOptions(budget_seconds=0.05))
    if m.counters["available"]:
        assert m.counters["instructions"] >= 8  # at least the eight adds per iteration
    else:
        assert m.counters["reason"]
        assert "instructions" not in m.counters


@pytest.mark.parametrize("name", [w["name"] for w in perfbench.workload_catalog()])
def test_every_builtin_workload_passes_its_self_check(name: str) -> None:
    assert perfbench.check_workload(name) == ""


def test_an_unknown_workload_is_a_definition_error() -> None:
    with pytest.raises(perfbench.DefinitionError, match="no_such_thing"):
        measure_workload("no_such_thing")


def test_bad_sampling_options_are_refused() -> None:
    with pytest.raises(perfbench.UsageError, match="budget"):
        SamplingOptions(budget_seconds=0)
    with pytest.raises(perfbench.UsageError, match="max_samples"):
        SamplingOptions(max_samples=1, min_samples=3)
