"""The message-server family: every workload's self-check over parameters that exercise
it, the figures each reports checked for consistency with what was sent, and the quick
definitions run end to end through real worker processes."""

from __future__ import annotations

import math

import pytest

from perfbench import check_workload, measure_workload, workload_catalog
from perfbench.builtin.messages import SCALING_AGENTS, benchmarks
from perfbench.errors import DefinitionError
from perfbench.execution.runner import results_of, run_benchmarks
from perfbench.measuring.sampling import SamplingOptions
from perfbench.sla import evaluate_all

WORKLOADS = ("messages.throughput", "messages.latency", "messages.spawn", "messages.task_pool",
             "messages.scaling", "messages.topic_fanout")

# A few verified rounds each: enough to read the figures, too few to time anything.
ROUNDS = SamplingOptions(iterations=1, max_samples=3, min_samples=1, warmup_seconds=0, budget_seconds=0.05)

SELF_CHECKS = [
    ("messages.throughput", {}),
    ("messages.throughput", {"slice_budget": 1}),  # every message its own slice: re-queueing
    ("messages.throughput", {"schedulers": 1}),
    ("messages.throughput", {"schedulers": 4, "senders": 8, "receivers": 3}),
    ("messages.throughput", {"senders": 1, "receivers": 1, "messages": 999}),
    ("messages.throughput", {"receivers": 2_000, "messages": 10_000}),
    ("messages.throughput", {"payload_bytes": 200}),  # beyond the inline string: allocates
    ("messages.latency", {}),
    ("messages.latency", {"agents": 1, "tokens": 1}),  # a ring of one sends to itself
    ("messages.latency", {"agents": 8, "tokens": 32, "schedulers": 3}),
    ("messages.spawn", {}),
    ("messages.spawn", {"agents": 1}),
    ("messages.task_pool", {}),
    ("messages.task_pool", {"tasks": 7}),  # fewer tasks than the pool can take at once
    ("messages.task_pool", {"workers": 1, "prefetch": 1, "schedulers": 1}),
    ("messages.scaling", {"agents": 1}),
    ("messages.scaling", {"agents": 10_000, "messages": 20_000}),
    ("messages.topic_fanout", {}),
    ("messages.topic_fanout", {"subscribers": 1, "messages": 1}),
]


def _ids(case: tuple[str, dict[str, float]]) -> str:
    name, params = case
    return name.removeprefix("messages.") + "".join(f"-{k}={v:g}" for k, v in params.items())


@pytest.fixture(params=SELF_CHECKS, ids=[_ids(c) for c in SELF_CHECKS])
def self_check_case(request: pytest.FixtureRequest) -> tuple[str, dict[str, float]]:
    return request.param


def _figures(name: str, params: dict[str, float] | None = None) -> dict[str, float]:
    measurement = measure_workload(name, params or {}, ROUNDS)
    return {m["name"]: m["value"] for m in measurement.metrics}


def test_the_family_is_in_the_catalogue() -> None:
    names = {w["name"] for w in workload_catalog() if w["family"] == "messages"}
    assert names == set(WORKLOADS)


def test_self_check(self_check_case: tuple[str, dict[str, float]]) -> None:
    """Each self-check proves, among others: every message arrives exactly once and in
    order per sender; shutdown after draining loses nothing; the order check catches a
    lost, duplicated and reordered message; retiring agents frees what spawning took."""
    name, params = self_check_case
    assert check_workload(name, params) == ""


@pytest.mark.parametrize("params", [
    {"senders": 16, "receivers": 4, "schedulers": 3, "slice_budget": 1},  # many writers per mailbox
    {"senders": 2, "receivers": 1, "schedulers": 2, "slice_budget": 7},   # two writers, one mailbox
], ids=["16-senders-4-receivers", "2-senders-1-receiver"])
def test_messages_arrive_once_and_in_order_per_sender(params: dict[str, float]) -> None:
    """The issue's test: concurrent senders on several scheduler threads push into shared
    mailboxes; each receiver checks every sender's exact sequence numbers (nothing lost,
    duplicated or reordered), the totals match what was sent, and shutdown loses nothing."""
    assert check_workload("messages.throughput", {**params, "messages": 20_000}) == ""
    f = _figures("messages.throughput", {**params, "messages": 20_000})
    assert f["sequence_errors"] == 0 and f["payload_errors"] == 0
    assert f["messages_delivered"] == f["rounds"] * 20_000


def test_throughput_counts_every_message_once_in_order() -> None:
    f = _figures("messages.throughput", {"messages": 3_000})
    assert f["messages_delivered"] == f["rounds"] * f["messages_per_round"] == f["rounds"] * 3_000
    assert f["sequence_errors"] == 0 and f["payload_errors"] == 0
    assert f["throughput_msgs_per_s"] * f["ns_per_message"] == pytest.approx(1e9)
    assert f["messages_per_slice"] >= 1  # the scheduler never runs an agent with an empty mailbox


def test_latency_histogram_has_one_value_per_hop_and_ordered_percentiles() -> None:
    f = _figures("messages.latency", {"hops": 2_000})
    assert f["latency_count"] == f["messages_delivered"] == f["rounds"] * 2_000
    ordered = [f[f"latency_{p}"] for p in ("p50", "p90", "p95", "p99", "p999", "max")]
    assert ordered == sorted(ordered) and ordered[0] > 0
    assert f["sequence_errors"] == 0


def test_spawn_counts_each_agent_and_memory_per_agent_is_flat() -> None:
    small = _figures("messages.spawn", {"agents": 1_000})
    large = _figures("messages.spawn", {"agents": 10_000})
    for f, agents in ((small, 1_000), (large, 10_000)):
        assert f["agents_per_round"] == agents
        assert f["agents_spawned"] == f["spawn_count"] and f["agents_spawned"] % agents == 0
        # an agent object with a mailbox and a router slot: hundreds of bytes, not megabytes
        assert 100 <= f["memory_per_agent"] <= 64 * 1024
    # memory is counted by the allocator, not timed: ten times the agents, the same bytes each
    assert large["memory_per_agent"] == pytest.approx(small["memory_per_agent"], rel=0.1)


def test_task_pool_completes_every_task_of_every_batch() -> None:
    f = _figures("messages.task_pool", {"tasks": 200})
    assert f["tasks_completed"] == f["batches"] * f["tasks_per_batch"] == f["batches"] * 200
    assert f["workers"] == 10 and 0 < f["worker_balance"] <= 1


def test_scaling_step_accounts_for_its_agents_and_messages() -> None:
    f = _figures("messages.scaling", {"agents": 100, "messages": 5_000})
    assert f["agents"] == 100
    assert f["memory_total"] == pytest.approx(f["memory_per_agent"] * 100)
    assert f["spawn_total_ns"] == pytest.approx(f["spawn_ns_per_agent"] * 100)
    assert f["messages_delivered"] == f["rounds"] * 5_000 and f["sequence_errors"] == 0


def test_topic_fanout_delivers_each_publication_to_each_subscriber() -> None:
    f = _figures("messages.topic_fanout", {"subscribers": 30, "messages": 50})
    assert f["deliveries"] == f["rounds"] * 50 * 30 and f["sequence_errors"] == 0
    assert f["deliveries_per_s"] == pytest.approx(30 * f["publications_per_s"])


@pytest.mark.parametrize("name, params", [
    ("messages.throughput", {"senders": 0}),
    ("messages.throughput", {"payload_bytes": 4}),  # too small to carry the sequence number
    ("messages.latency", {"agents": 2.5}),
    ("messages.scaling", {"schedulers": 0}),
    ("messages.task_pool", {"no_such_parameter": 1}),
], ids=["no-senders", "payload-too-small", "fractional-agents", "no-schedulers", "unknown-parameter"])
def test_bad_parameters_are_refused(name: str, params: dict[str, float]) -> None:
    with pytest.raises(DefinitionError):
        measure_workload(name, params, ROUNDS)


def test_definitions_are_well_formed() -> None:
    for quick in (True, False):
        definitions = benchmarks(quick)
        assert len({d.name for d in definitions}) == len(definitions)
        assert {d.lane for d in definitions} == {"standard", "heavy"}
        assert all(d.name.startswith("messages.") and d.sla for d in definitions)
        sweeps = [d for d in definitions if d.sweep]
        assert {d.sweep.fit_on for d in sweeps} == {"spawn_total_ns", "memory_total", "delivery_ns"}
        assert all(d.sweep.values == SCALING_AGENTS and d.lane == "heavy" for d in sweeps)


def test_quick_definitions_are_budgeted_for_the_quick_suite() -> None:
    """The family's quick share is 7 s, ~0.12 s of it per worker start. What can be
    asserted without timing: the sampling budgets that bound each worker's work."""
    definitions = benchmarks(quick=True)
    sampling_seconds = sum(d.sampling.budget_seconds * (len(d.sweep.values) if d.sweep else 1) * d.iterations
                           for d in definitions)
    assert sampling_seconds + 0.12 * sum(d.processes for d in definitions) <= 7.0
    for d in definitions:
        if d.sweep:  # each point also pays setup and a warm-up round: few samples
            assert d.sampling.max_samples is not None and d.sampling.max_samples <= 5


@pytest.fixture(scope="module")
def quick_results():
    definitions = benchmarks(quick=True)
    return list(zip(definitions, results_of(run_benchmarks(definitions)), strict=True))


@pytest.mark.slow
def test_quick_definitions_run_and_every_rule_can_judge(quick_results) -> None:
    for definition, result in quick_results:
        assert result.ok, (definition.name, result.failure)
        for verdict in evaluate_all([(result, definition.sla)]):
            # thresholds are far from this machine's figures, but a busy machine is not a
            # test's business: only that each rule found its metric with enough samples
            # judged -- passed, broken, or UNSURE on an honest interval -- never refused or invalid
            assert verdict.status in ("pass", "violated", "unsure"), (definition.name, verdict.message)
            if "once and in order" in verdict.rule or "intact" in verdict.rule:
                assert verdict.status == "pass", (definition.name, verdict.message)


@pytest.mark.slow
def test_scaling_sweeps_report_every_step_and_memory_grows_linearly(quick_results) -> None:
    sweeps = {d.name: r for d, r in quick_results if d.sweep}
    for result in sweeps.values():
        assert [p.value for p in result.sweep] == list(SCALING_AGENTS)
    # Bytes are counted, not timed, so this fit is deterministic: 10x the agents, 10x the bytes.
    memory = sweeps["messages.scaling.memory"]
    assert memory.metric("exponent").value == pytest.approx(1.0, abs=0.05)
    assert memory.labels["big_o"] == "O(n)"
    per_agent = [next(m["value"] for m in p.measurement.metrics if m["name"] == "memory_per_agent")
                 for p in memory.sweep]
    assert max(per_agent) / min(per_agent) < 1.1
    assert all(math.isfinite(r.metric("exponent").value) for r in sweeps.values())
