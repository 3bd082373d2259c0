"""The workflow family: a small workflow engine's workloads and their benchmark definitions.

The engine's correctness is asserted by each workload's self-check (C++, on fresh data,
against an independent computation: ATM balances, SWIFT settlement and money conservation,
payroll ledger totals, final task states, AND/XOR/OR routing); these tests run every
self-check with parameters that exercise it, check from Python what the measured metrics
must satisfy, and check the definitions of the docs/standard/heavy lanes.
"""

from __future__ import annotations

import math

import pytest

from perfbench import check_workload, workload_catalog
from perfbench.builtin.workflow import benchmarks
from perfbench.errors import DefinitionError
from perfbench.measuring.timing import measure_workload
from perfbench.execution.runner import results_of, run_benchmarks
from perfbench.measuring.sampling import SamplingOptions
from perfbench.sla import SlaRule, evaluate_all

WORKLOADS = {
    "workflow.split_type_compare", "workflow.join_type_compare", "workflow.task_lookup",
    "workflow.max_ticks_validation", "workflow.state_store_write", "workflow.create_minimal",
    "workflow.create_atm", "workflow.engine_init", "workflow.specs_in_memory", "workflow.execute_atm",
    "workflow.execute_swift", "workflow.payroll",
}
SHORT = SamplingOptions(budget_seconds=0.05)
WORKER_START_SECONDS = 0.12
QUICK_FAMILY_BUDGET_SECONDS = 7.0


def _metrics(name: str, params: dict[str, float] | None = None) -> dict[str, float]:
    measurement = measure_workload(name, params or {}, SHORT)
    return {m["name"]: m["value"] for m in measurement.metrics}


def test_the_catalogue_lists_every_workflow_workload() -> None:
    listed = {w["name"]: w for w in workload_catalog() if w["family"] == "workflow"}
    assert set(listed) == WORKLOADS
    assert listed["workflow.task_lookup"]["defaults"] == {"tasks": 4}
    assert listed["workflow.payroll"]["defaults"] == {"employees": 1000, "telemetry": 0}


CHECKS = [
    *[(name, {}) for name in sorted(WORKLOADS)],
    ("workflow.task_lookup", {"tasks": 1}),
    ("workflow.task_lookup", {"tasks": 3}),
    ("workflow.task_lookup", {"tasks": 500}),
    ("workflow.state_store_write", {"cases": 1}),
    ("workflow.engine_init", {"case_capacity": 1}),
    ("workflow.specs_in_memory", {"specs": 1}),
    ("workflow.specs_in_memory", {"specs": 200}),
    ("workflow.execute_atm", {"telemetry": 1}),
    ("workflow.execute_swift", {"telemetry": 1}),
    ("workflow.payroll", {"employees": 7}),
    ("workflow.payroll", {"employees": 1000, "telemetry": 1}),
]


@pytest.mark.parametrize(("name", "params"), CHECKS, ids=[f"{n}-{p}" if p else n for n, p in CHECKS])
def test_self_check_passes(name: str, params: dict[str, float]) -> None:
    assert check_workload(name, params) == ""


@pytest.mark.parametrize(("name", "params"), [
    ("workflow.task_lookup", {"tasks": 0}),
    ("workflow.task_lookup", {"tasks": 2.5}),
    ("workflow.execute_swift", {"telemetry": 2}),
    ("workflow.payroll", {"employees": 0}),
])
def test_unusable_parameters_are_refused(name: str, params: dict[str, float]) -> None:
    with pytest.raises(DefinitionError, match="must be"):
        measure_workload(name, params, SHORT)


def test_atm_executions_account_for_every_case() -> None:
    m = _metrics("workflow.execute_atm")
    assert m["cases"] > 0 and m["failed_cases"] == 0
    assert m["withdrawals"] + m["declines"] == m["cases"]
    assert m["withdrawals"] > 0 and m["declines"] > 0
    # 4 tasks: verify always runs, then either 2 more (check, dispense/reject) or 1 (reject)
    assert m["tasks_per_case"] + m["skipped_per_case"] == pytest.approx(4.0)
    assert 2.0 < m["tasks_per_case"] < 3.0


def test_swift_with_telemetry_records_one_span_per_executed_task() -> None:
    m = _metrics("workflow.execute_swift", {"telemetry": 1})
    assert m["failed_cases"] == 0
    assert m["confirmations"] + m["rejections"] == m["cases"]
    assert m["spans_recorded"] == pytest.approx(m["cases"] * m["tasks_per_case"], rel=1e-9)
    assert m["task_span_ticks_count"] == 4096  # the ring is full and keeps its newest spans
    assert 0 < m["task_span_ticks_median"] <= m["task_span_ticks_p99"]
    assert m["tasks_per_case"] + m["skipped_per_case"] == pytest.approx(10.0)


def test_swift_without_telemetry_records_no_spans() -> None:
    assert "spans_recorded" not in _metrics("workflow.execute_swift", {"telemetry": 0})


def test_payroll_periods_post_every_payslip_to_a_balanced_ledger() -> None:
    m = _metrics("workflow.payroll", {"employees": 1000})
    assert m["ledger_balanced"] == 1
    assert m["payslips_last_period"] == 1000
    assert m["cases"] == m["periods"] * 1000
    assert m["failed_cases"] == 0
    assert m["tasks_per_case"] + m["skipped_per_case"] == pytest.approx(7.0)


def test_task_table_is_sixteen_bytes_per_task() -> None:
    for tasks in (4, 500):
        m = _metrics("workflow.task_lookup", {"tasks": tasks})
        assert m["table_bytes"] == 16 * tasks


def test_spec_memory_grows_linearly_with_the_catalogue() -> None:
    small = _metrics("workflow.specs_in_memory", {"specs": 30})
    large = _metrics("workflow.specs_in_memory", {"specs": 300})
    assert small["bytes_per_spec"] > 0
    # per-spec memory is the same whatever the catalogue's size (registry slack aside)
    assert large["bytes_per_spec"] / small["bytes_per_spec"] == pytest.approx(1.0, rel=0.25)


def test_creation_allocates_what_the_spec_holds() -> None:
    minimal = _metrics("workflow.create_minimal")
    atm = _metrics("workflow.create_atm")
    assert 0 < minimal["allocations_per_spec"] < atm["allocations_per_spec"]
    assert 0 < minimal["bytes_per_spec"] < atm["bytes_per_spec"]


def test_engine_initialisation_memory_grows_with_case_capacity() -> None:
    small = _metrics("workflow.engine_init", {"case_capacity": 10})
    large = _metrics("workflow.engine_init", {"case_capacity": 10_000})
    # three arrays per state-store row: 1,000x the rows is ~1,000x the row allocations
    assert large["allocations_per_init"] - small["allocations_per_init"] == pytest.approx(3 * (10_000 - 10), rel=0.01)


def test_state_store_write_counts_its_writes() -> None:
    m = _metrics("workflow.state_store_write", {"cases": 16})
    assert m["open_cases"] == 16 and m["writes"] > 0


# -- definitions

def _estimated_seconds(definition) -> float:
    """What the definition may spend measuring, from its sampling options (not a timing)."""
    sampling = definition.sampling
    points = len(definition.sweep.values) if definition.sweep else 1
    sides = 2 if definition.baseline else 1
    return WORKER_START_SECONDS + points * sides * sampling.budget_seconds


@pytest.mark.parametrize("quick", [True, False], ids=["quick", "full"])
def test_definitions_are_well_formed(quick: bool) -> None:
    definitions = benchmarks(quick)
    names = [d.name for d in definitions]
    assert len(names) == len(set(names))
    assert {d.lane for d in definitions} == {"docs", "standard", "heavy"}
    catalogue = {w["name"]: w["defaults"] for w in workload_catalog()}
    for d in definitions:
        assert d.name.startswith("workflow.")
        for target in (d.target, d.baseline):
            if target is not None:
                assert set(target.params) <= set(catalogue[target.workload]), d.name
        if d.sweep:
            assert d.sweep.param in catalogue[d.target.workload]
        assert d.sla, f"{d.name} has no SLA"


def test_every_hot_path_carries_the_tick_budget() -> None:
    by_name = {d.name: d for d in benchmarks(False)}
    for name in ("workflow.split_type_compare", "workflow.join_type_compare", "workflow.task_lookup",
                 "workflow.max_ticks_validation", "workflow.task_lookup_scaling"):
        rules = by_name[name].sla
        assert any(isinstance(r, SlaRule) and r.expression == "ticks_median <= 8" and r.severity == "error"
                   for r in rules), name


def test_telemetry_is_compared_with_the_same_execution_without_it() -> None:
    (telemetry,) = [d for d in benchmarks(True) if d.baseline is not None]
    assert telemetry.target.workload == telemetry.baseline.workload
    assert telemetry.target.params == {"telemetry": 1} and telemetry.baseline.params == {"telemetry": 0}
    assert any(r.expression == "overhead < 5%" for r in telemetry.sla)


def test_quick_definitions_fit_the_family_budget() -> None:
    definitions = benchmarks(True)
    estimate = sum(_estimated_seconds(d) for d in definitions)
    assert estimate <= QUICK_FAMILY_BUDGET_SECONDS, f"quick workflow family may take {estimate:.1f} s"
    full = sum(_estimated_seconds(d) for d in benchmarks(False) if d.lane == "standard")
    assert full <= 12.0, f"the standard lane share may take {full:.1f} s"


@pytest.mark.slow
def test_quick_definitions_run_and_every_rule_can_be_judged() -> None:
    definitions = benchmarks(True)
    results = results_of(run_benchmarks(definitions))
    for definition, result in zip(definitions, results, strict=True):
        assert result.ok, (definition.name, result.failure)
        for verdict in evaluate_all([(result, definition.sla)]):
            assert verdict.status not in ("invalid", "not-evaluated"), verdict
            assert verdict.measured is None or math.isfinite(verdict.measured)
    by_name = {r.benchmark: r for r in results}
    lookup = by_name["workflow.task_lookup_scaling"]
    swept = next(d for d in definitions if d.name == "workflow.task_lookup_scaling").sweep
    assert [p.value for p in lookup.sweep] == list(swept.values)
    # a table indexed by id: 50x the tasks costs the same per lookup (wide bound: noise)
    assert lookup.metric("exponent").value < 0.5
    specs = by_name["workflow.specs_in_memory"]
    assert 0.5 < specs.metric("exponent").value < 1.5
    assert by_name["workflow.telemetry_overhead"].metric("overhead") is not None
