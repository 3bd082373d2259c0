"""The nodes family: node processing and workflow execution of an AI-workflow engine.

Correctness only: every workload's self-check, the properties the issue names (every
route taken, failures handled and counted, recovery after an injected failure, 1,000
concurrent executions all completed, memory growth measured), and the quick definitions'
budget. No assertion on absolute timings.
"""

from __future__ import annotations

import json
import re
import tempfile
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path
from typing import Any

import pytest

from perfbench.builtin.nodes import benchmarks
from perfbench.errors import DefinitionError
from perfbench.measuring.timing import check_workload, measure_workload, workload_catalog
from perfbench.execution.runner import results_of, run_benchmarks
from perfbench.measuring.sampling import SamplingOptions

ORDER_SOURCE = Path(__file__).resolve().parents[1] / "cpp" / "src" / "workloads" / "nodes" / "order.cpp"
WORKER_START_SECONDS = 0.12
QUICK_FAMILY_BUDGET_SECONDS = 7.0

PER_EXECUTION = SamplingOptions(iterations=1, budget_seconds=0.1, max_samples=500, warmup_seconds=0.01)

CHECKS = [
    ("nodes.compute", {}),
    ("nodes.compute", {"bytes": 1}),
    ("nodes.io", {}),
    ("nodes.io", {"fsync": 1}),
    ("nodes.json_transform", {}),
    ("nodes.router", {}),
    ("nodes.parallel", {}),
    ("nodes.parallel", {"parallel": 0}),
    ("nodes.parallel", {"workers": 3, "bytes": 1000}),
    ("nodes.async", {}),
    ("nodes.error_handling", {"fail": 0}),
    ("nodes.error_handling", {"fail": 1}),
    ("nodes.error_handling", {"fail": 2}),
    ("nodes.workflow_linear", {}),
    ("nodes.workflow_complex", {}),
    ("nodes.workflow_complex", {"parallel": 0}),
    ("nodes.workflow_concurrent", {"workflows": 100}),
    ("nodes.workflow_concurrent", {"workflows": 1000, "workers": 3}),
    ("nodes.workflow_recovery", {}),
    ("nodes.workflow_recovery", {"failures": 2, "max_attempts": 3, "backoff_us": 10}),
    ("nodes.workflow_recovery", {"failures": 0}),
    ("nodes.memory_growth", {}),
]


def _metrics(measurement: Any) -> dict[str, float]:
    return {m["name"]: m["value"] for m in measurement.metrics}


def test_every_nodes_workload_is_checked() -> None:
    names = {spec["name"] for spec in workload_catalog() if spec["family"] == "nodes"}
    assert names == {name for name, _ in CHECKS}


@pytest.mark.parametrize(("name", "params"), CHECKS, ids=[f"{n}-{p}" for n, p in CHECKS])
def test_self_check_passes(name: str, params: dict[str, float]) -> None:
    assert check_workload(name, params) == ""


# ---- JSON transform: the expected document is confirmed by an independent transform

def _raw_literal(source: str, constant: str) -> str:
    match = re.search(constant + r'\s*=\s*R"json\((.*?)\)json"', source, re.DOTALL)
    assert match, f"{constant} not found in {ORDER_SOURCE.name}"
    return match.group(1)


def _cents(amount: float) -> int:
    return int(Decimal(repr(amount)).scaleb(2).to_integral_value(rounding=ROUND_HALF_EVEN))


def _amount(cents: int) -> float | int:
    value = cents / 100
    return int(value) if value.is_integer() else value


def _plain_numbers(value: Any) -> Any:
    """JSON numbers as the C++ serialiser prints them: whole doubles without '.0'."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: _plain_numbers(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain_numbers(v) for v in value]
    return value


def test_expected_priced_order_equals_an_independent_python_transform() -> None:
    source = ORDER_SOURCE.read_text(encoding="utf-8")
    order = json.loads(_raw_literal(source, "kOrder"))
    expected = _raw_literal(source, "kPricedOrder")
    percent = order["discount"]["percent"]
    count = subtotal = discounted_total = 0
    for item in order["items"]:
        price, quantity = _cents(item["unit_price"]), item["quantity"]
        discounted = (price * (100 - percent) + 50) // 100  # half-up to the cent
        count, subtotal, discounted_total = count + quantity, subtotal + price * quantity, \
            discounted_total + discounted * quantity
        item["discounted_price"], item["line_total"] = _amount(discounted), _amount(discounted * quantity)
    shipping = _cents(order["shipping"]["cost"])
    order["totals"] = {"item_count": count, "subtotal": _amount(subtotal),
                       "discount": _amount(subtotal - discounted_total), "shipping": _amount(shipping),
                       "total": _amount(discounted_total + shipping)}
    order["status"] = "priced"
    assert json.dumps(_plain_numbers(order), separators=(",", ":"), ensure_ascii=False) == expected
    assert 2000 <= len(_raw_literal(source, "kOrder").encode()) <= 4096  # the issue's ~2-4 KB document


# ---- properties observable from the metrics

def test_router_takes_every_branch_in_the_inputs_proportions() -> None:
    m = _metrics(measure_workload("nodes.router", {}, PER_EXECUTION))
    review, express, standard = m["route_review"], m["route_express"], m["route_standard"]
    assert express > 0 and standard > 0
    # the four inputs cycle: express, standard, review (risk), review (total)
    assert abs(review - 2 * express) <= 2 and abs(express - standard) <= 1
    assert m["allocations_per_op"] < 0.01


@pytest.mark.parametrize("fail", [1, 2])
def test_every_failure_is_recorded_and_handled(fail: int) -> None:
    m = _metrics(measure_workload("nodes.error_handling", {"fail": fail}, PER_EXECUTION))
    assert m["executions"] > 0
    assert m["errors_recorded"] == m["handled_failures"] == m["executions"]


def test_a_succeeding_node_records_no_error_and_allocates_less_than_a_handled_failure() -> None:
    ok = _metrics(measure_workload("nodes.error_handling", {"fail": 0}, PER_EXECUTION))
    failed = _metrics(measure_workload("nodes.error_handling", {"fail": 1}, PER_EXECUTION))
    assert ok["errors_recorded"] == ok["handled_failures"] == 0
    assert ok["allocations_per_op"] < failed["allocations_per_op"]


def test_recovery_retries_once_per_injected_failure_and_waits_the_backoff() -> None:
    m = _metrics(measure_workload("nodes.workflow_recovery", {"failures": 1, "backoff_us": 200}, PER_EXECUTION))
    assert m["retries"] == m["executions"] == m["recovery_count"]
    assert m["backoff"] == 200_000
    assert m["recovery_p50"] >= 200_000  # sleep_for never wakes early


def test_complex_workflow_counts_the_invalid_quarter_as_handled_failures() -> None:
    m = _metrics(measure_workload("nodes.workflow_complex", {}, PER_EXECUTION))
    assert abs(m["handled_failures"] - m["executions"] / 4) <= 1


def test_1000_concurrent_executions_all_complete() -> None:
    options = SamplingOptions(iterations=1, min_samples=1, max_samples=1, warmup_seconds=0, budget_seconds=5)
    m = _metrics(measure_workload("nodes.workflow_concurrent", {"workflows": 1000}, options))
    rounds = 2  # the warm-up round and the sample
    assert m["failed"] == 0
    assert m["completed"] == m["latency_count"] == m["service_count"] == 1000 * rounds
    assert m["workflows_per_s"] > 0
    # latency = queueing + service, so it is never below the service time
    assert m["latency_p50"] >= m["service_p50"] and m["latency_max"] >= m["service_max"]


def test_parallel_step_reports_the_threads_it_used() -> None:
    parallel = _metrics(measure_workload("nodes.parallel", {"workers": 2}, PER_EXECUTION))
    sequential = _metrics(measure_workload("nodes.parallel", {"parallel": 0}, PER_EXECUTION))
    assert parallel["threads"] == 3 and sequential["threads"] == 1
    # the caller keeps branch 0, so at most 3 of 4 branches go to the pool; none without one
    assert 0 <= parallel["offloaded_fraction"] <= 0.75
    assert sequential["offloaded_fraction"] == 0
    assert parallel["allocations_per_op"] == pytest.approx(sequential["allocations_per_op"], abs=0.1)


def test_async_node_times_every_completion() -> None:
    measured = measure_workload("nodes.async", {}, PER_EXECUTION)
    m = _metrics(measured)
    assert m["handoff_count"] == m["wakeup_count"] >= measured.stats.n


# ---- memory

GROWTH = SamplingOptions(budget_seconds=0.3)


def test_a_bounded_engine_shows_no_live_memory_growth() -> None:
    m = _metrics(measure_workload("nodes.memory_growth", {"history": 200, "checkpoint_every": 16}, GROWTH))
    assert m["checkpoints"] >= 3
    assert abs(m["growth_bytes_per_op"]) < 1
    assert abs(m["growth_bytes_per_hour"]) < 1e6


def test_an_injected_leak_is_measured_and_extrapolated() -> None:
    m = _metrics(measure_workload("nodes.memory_growth",
                                  {"leak_bytes": 2000, "history": 200, "checkpoint_every": 16}, GROWTH))
    # 2,001 bytes of string + the never-trimmed log's share of 32-byte headers (amortised doubling)
    assert 2001 <= m["growth_bytes_per_op"] <= 2100
    assert m["growth_bytes_per_hour"] == pytest.approx(m["growth_bytes_per_s"] * 3600)
    assert m["growth_mb_per_hour"] == pytest.approx(m["growth_bytes_per_hour"] / 1e6)
    # the slope over time is the slope per execution times the execution rate
    rate = m["observed_operations"] / (m["observed_span"] / 1e9)
    assert m["growth_bytes_per_s"] == pytest.approx(m["growth_bytes_per_op"] * rate, rel=0.25)


def test_the_memory_run_allocates_what_the_linear_workflow_allocates() -> None:
    """Both run the same workflow; the bounded history reuses its strings' capacity."""
    linear = _metrics(measure_workload("nodes.workflow_linear", {}, PER_EXECUTION))
    sustained = _metrics(measure_workload("nodes.memory_growth", {"history": 200}, GROWTH))
    assert linear["allocations_per_op"] > 0
    assert sustained["allocations_per_op"] == pytest.approx(linear["allocations_per_op"], abs=1)


def test_the_io_node_writes_in_ram_where_the_machine_has_it(tmp_path: Path) -> None:
    # a file left by a crashed run would be found here: the node's scratch directory prefix
    import os
    if not os.access("/dev/shm", os.W_OK):
        pytest.skip("no writable /dev/shm on this machine")
    seen: set[Path] = set()
    import threading
    stop = threading.Event()

    def watch() -> None:
        while not stop.is_set():
            seen.update(Path("/dev/shm").glob("perfbench-nodes-io-*"))

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        measure_workload("nodes.io", {}, PER_EXECUTION)
    finally:
        stop.set()
        watcher.join()
    assert seen, "nodes.io did not put its scratch directory in /dev/shm"


def test_the_io_node_removes_its_temp_dir() -> None:
    def ours() -> set[Path]:  # scratch goes to /dev/shm (tmpfs) where the machine has it
        return {path for root in (Path("/dev/shm"), Path(tempfile.gettempdir()))
                for path in root.glob("perfbench-nodes-io-*")}

    before = ours()
    measure_workload("nodes.io", {}, PER_EXECUTION)
    assert ours() <= before


@pytest.mark.parametrize(("name", "params"), [
    ("nodes.parallel", {"workers": -1}),
    ("nodes.compute", {"bytes": 0}),
    ("nodes.error_handling", {"fail": 3}),
    ("nodes.workflow_recovery", {"failures": 3, "max_attempts": 3}),
    ("nodes.workflow_concurrent", {"workflows": 1.5}),
])
def test_unusable_parameters_are_refused(name: str, params: dict[str, float]) -> None:
    with pytest.raises(DefinitionError):
        measure_workload(name, params, PER_EXECUTION)


# ---- definitions

def test_definitions_are_unique_and_name_existing_workloads() -> None:
    workloads = {spec["name"] for spec in workload_catalog()}
    for quick in (True, False):
        definitions = benchmarks(quick)
        assert len({d.key for d in definitions}) == len(definitions)
        for d in definitions:
            assert d.lane in ("standard", "heavy")
            assert d.target.workload in workloads
            assert d.baseline is None or d.baseline.workload in workloads


def test_quick_definitions_fit_the_family_budget() -> None:
    """Budgets bound each worker's sampling; a baseline splits its budget between the sides."""
    definitions = benchmarks(True)
    planned = sum(d.sampling.budget_seconds + (d.sampling.warmup_seconds or 0) + WORKER_START_SECONDS
                  for d in definitions)
    assert planned <= QUICK_FAMILY_BUDGET_SECONDS - 1.5  # leaves room for set-up and the last sample


def test_node_definitions_sample_single_executions() -> None:
    for d in benchmarks(False):
        if d.lane == "standard" and d.name != "nodes.memory_growth":
            assert d.sampling.iterations == 1 and d.sampling.max_samples >= 10_000, d.name


@pytest.mark.slow
def test_quick_definitions_run_and_every_rule_can_be_evaluated() -> None:
    definitions = {d.key: d for d in benchmarks(True)}
    for result in results_of(run_benchmarks(list(definitions.values()))):
        assert result.ok, (result.key, result.failure)
        for rule in definitions[result.key].sla:
            verdict = rule.evaluate(result)
            assert verdict.status not in ("invalid", "insufficient"), (result.key, verdict.message)
