"""Family ``nodes``: node processing and workflow execution of an AI-workflow engine.

Lane ``standard`` (~25 s in full, ~4 s quick):
  * one definition per node type (compute, file I/O, JSON transform, router, parallel,
    async), each sampled per execution (``iterations=1``) so that mean / p95 / p99 are
    per node execution, with the "sub-millisecond" verdict ``p99 < 1ms``;
  * the error-handling overhead: a failing-and-handled execution against a succeeding
    one of the same node (returned errors, and thrown exceptions);
  * workflow execution: linear (3 nodes), complex (routing, parallel branches, file I/O,
    error edge), recovery after an injected failure;
  * memory: allocations and bytes per operation (every workload reports them) and the
    live-memory growth of a sustained run, extrapolated to MB per hour.
Lane ``heavy`` (<= 60 s): 1,000 concurrent workflow executions, throughput and latency.

Thresholds are chosen from what the issue asks ("sub-millisecond") and from what the
workloads are: comments say why each one sits where it does. Timing figures on a busy
2-core machine wobble; tiers turn the wobble into warnings and keep errors for what would
be a broken or badly regressed engine.
"""

from __future__ import annotations

from perfbench.measuring.sampling import SamplingOptions
from perfbench.sla import Rule, rule, tiers
from perfbench.definition.suite import BenchmarkDefinition, WorkloadTarget

STANDARD = "standard"
HEAVY = "heavy"

# The "sub-millisecond" verdict for every node type, in two rules:
# * p99 < 1ms per execution (per-iteration sampling makes p99 the 99th percentile of single
#   node executions, not of batch means). On a shared machine the tail holds preemptions:
#   a descheduled execution lasts one scheduler time slice (4 ms at HZ=250), so with 1-5 %
#   of executions preempted p99 reads 4-8 ms whatever the node does. Missing 1 ms is
#   therefore a warning; beyond 10 ms (more than two slices) it is an error.
# * median < 1ms as an error: a node whose typical execution is not sub-millisecond is slow
#   by itself, which no amount of machine noise explains.
SUB_MILLISECOND = (
    tiers(target="p99 < 1ms", acceptable="p99 < 10ms", critical="p99 < 100ms",
          name="sub-millisecond node (p99 per execution)"),
    rule("median < 1ms", severity="error", name="sub-millisecond node (median execution)"),
)
# Compute and router nodes reuse their output record and write short keys and numbers:
# in steady state they allocate nothing. Any allocation there is a regression.
ALLOCATION_FREE = rule("allocations_per_op < 0.01", severity="warning", name="allocation-free in steady state")


# A p99 is judged with its interval, which needs at least three batches (or processes) of
# 100 executions; 1,000 give ten (Student-t over 10: t = 2.26, over 3 it would be 4.30).
# Slow nodes (a few hundred µs) reach it past the quick budget, at ~0.2 s.
_EXECUTIONS_FOR_A_P99 = 1_000


def _per_execution(quick: bool, seconds: float) -> SamplingOptions:
    """One node / workflow execution per sample; capped so fast nodes do not store millions."""
    return SamplingOptions(iterations=1, budget_seconds=0.1 if quick else seconds, min_samples=_EXECUTIONS_FOR_A_P99,
                           max_samples=3_000 if quick else 20_000, warmup_seconds=0.01 if quick else 0.1)


def _per_execution_definition(name: str, description: str, *, quick: bool, seconds: float, rules: tuple[Rule, ...],
                              params: dict[str, float] | None = None, baseline: WorkloadTarget | None = None,
                              workload: str | None = None, repeats: int = 1) -> BenchmarkDefinition:
    """A standard-lane definition sampled per execution; ``seconds`` is its full-run budget.
    ``repeats`` counted iterations, each in a worker process of its own, for a definition
    whose rules judge a figure the workload reports once per iteration (a histogram's p99):
    three processes give that figure an interval that holds on a rerun (between iterations
    of one process it read PASS in 17 of 20 quick runs and UNSURE in 3)."""
    return BenchmarkDefinition(
        name=name, lane=STANDARD, description=description,
        target=WorkloadTarget(workload or name, params=params or {}), iterations=repeats, processes=repeats,
        sampling=_per_execution(quick, seconds / repeats), sla=rules, baseline=baseline, timeout_seconds=60.0)


def _node_processing(quick: bool) -> list[BenchmarkDefinition]:
    return [
        _per_execution_definition(
            "nodes.compute", "compute node: CRC-32 of a 16 KiB text field",
            quick=quick, seconds=1.5, rules=(*SUB_MILLISECOND, ALLOCATION_FREE)),
        _per_execution_definition(
            "nodes.io", "I/O node: write the ~2.8 KB priced order to a new temp file, read back, verify, unlink "
                        "(no fsync: page cache, in /dev/shm where the machine has it, as workflow scratch files are)",
            quick=quick, seconds=1.5, rules=SUB_MILLISECOND),
        _per_execution_definition(
            "nodes.json_transform", "JSON transform node: parse a 2.5 KB order, discount every item, add totals, "
                                    "serialise",
            quick=quick, seconds=1.5, rules=SUB_MILLISECOND),
        _per_execution_definition(
            "nodes.router", "router node: review / express / standard from payload fields, every branch taken in turn",
            quick=quick, seconds=1.0, rules=(*SUB_MILLISECOND, ALLOCATION_FREE)),
        _per_execution_definition(
            "nodes.parallel", "4 compute nodes (CRC-32 of 16 KiB each, as nodes.compute) as one parallel step on "
                              "the thread pool; baseline: the same step with its branches in turn",
            quick=quick, seconds=2.0, params={"parallel": 1},
            baseline=WorkloadTarget("nodes.parallel", params={"parallel": 0}),
            rules=(
                *SUB_MILLISECOND,
                # This machine has 2 cores: the ideal speedup of 4 equal branches is 2, less the
                # pool's hand-off. >= 1.3 is what 2 free cores give. With no free core (a loaded
                # machine) the caller ends up running most branches itself and the hand-offs make
                # the step ~10 % slower (speedup ~0.9, see offloaded_fraction): a warning. Below
                # 0.7 the pool costs far more than it could save, which a broken pool does.
                tiers(target="speedup > 1.3", acceptable="speedup > 0.7", critical="speedup > 0.4",
                      name="parallel speedup over sequential (2 cores)"),
            )),
        _per_execution_definition(
            "nodes.async", "async node: CRC-32 of 1 KiB completed on the node's completion thread; "
                           "submit -> caller resumed",
            quick=quick, seconds=1.5, repeats=3,
            rules=(
                *SUB_MILLISECOND,
                # The hand-off is a futex wake of a parked thread: a few µs when a core is free.
                tiers(target="handoff_p99 < 50us", acceptable="handoff_p99 < 250us", critical="handoff_p99 < 1ms",
                      name="completion hand-off p99"),
            )),
    ]


def _error_handling(quick: bool) -> list[BenchmarkDefinition]:
    success = WorkloadTarget("nodes.error_handling", params={"fail": 0})
    return [
        _per_execution_definition(
            "nodes.error_overhead", "validate fails on an invalid order (returned error), the executor records it "
                                    "and takes the error edge to reject; baseline: a valid order, validate -> accept",
            quick=quick, seconds=1.5, workload="nodes.error_handling", params={"fail": 1}, baseline=success,
            rules=(
                *SUB_MILLISECOND,
                # Same node, same validation work on both sides; the failing side also records the
                # error, hands it to the handler and stores the reason (~200 ns of allocation and
                # copying against a ~300 ns success). Handling a failure should cost less than
                # doing the work twice.
                tiers(target="overhead < 100%", acceptable="overhead < 200%", critical="overhead < 500%",
                      name="handled failure vs success"),
            )),
        _per_execution_definition(
            "nodes.error_overhead_exception", "as nodes.error_overhead, but validate throws the error and the "
                                              "executor catches it",
            quick=quick, seconds=1.0, workload="nodes.error_handling", params={"fail": 2}, baseline=success,
            rules=(
                *SUB_MILLISECOND,
                # A C++ throw/catch costs 1-2 µs of unwinding, several times a 300 ns success:
                # reported so the price of exceptions is visible; only an order of magnitude more warns.
                rule("overhead < 2000%", severity="warning", name="thrown failure within 20x of a success"),
            )),
    ]


def _workflows(quick: bool) -> list[BenchmarkDefinition]:
    return [
        _per_execution_definition(
            "nodes.workflow_linear", "linear workflow: validate -> price -> summarise",
            quick=quick, seconds=1.5,
            # Three sub-ms nodes of a few µs each: the target is well below 1 ms.
            rules=(tiers(target="p99 < 100us", acceptable="p99 < 1ms", critical="p99 < 10ms",
                         name="linear workflow p99"),)),
        _per_execution_definition(
            "nodes.workflow_complex", "complex workflow: validate, price, route to review / express / 3 parallel "
                                      "checks, summarise, persist to a file; invalid orders take the error edge; "
                                      "four orders cycled so every path runs",
            quick=quick, seconds=1.5,
            # Nine steps, a file write and thread hand-offs: sub-ms is the target, a few ms of
            # preemption on a shared machine is tolerated, tens of ms is not.
            rules=(tiers(target="p99 < 1ms", acceptable="p99 < 5ms", critical="p99 < 50ms",
                         name="complex workflow p99"),)),
        _per_execution_definition(
            "nodes.workflow_recovery", "price fails its first attempt (injected), the executor retries after a "
                                       "100 µs backoff; recovery time = failure caught -> execution completed",
            quick=quick, seconds=1.5, params={"failures": 1, "max_attempts": 3, "backoff_us": 100}, repeats=3,
            # Recovery = the 100 µs backoff (sleep_for: + ~50-100 µs of timer slack and wake-up)
            # + the rest of the workflow (~5 µs).
            rules=(tiers(target="recovery_p99 < 1ms", acceptable="recovery_p99 < 5ms",
                         critical="recovery_p99 < 50ms", name="recovery time p99"),)),
    ]


def _memory(quick: bool) -> list[BenchmarkDefinition]:
    return [BenchmarkDefinition(
        name="nodes.memory_growth", lane=STANDARD,
        description="sustained run of the linear workflow with a bounded history of 1,000 executions: "
                    "allocations and bytes per execution, live-memory slope extrapolated to MB per hour",
        target=WorkloadTarget("nodes.memory_growth", params={"leak_bytes": 0, "history": 1000}),
        # Calibrated batches (not per-iteration samples): the figures here are the workload's
        # own, from live-byte checkpoints every 64 executions across the whole run.
        sampling=SamplingOptions(budget_seconds=0.3 if quick else 4.0),
        timeout_seconds=60.0,
        sla=(
            # A bounded engine returns to the same live bytes after each execution. One byte
            # per execution would already be ~700 MB/hour at this rate, so the budget is small.
            tiers(target="growth_bytes_per_hour < 1MB", acceptable="growth_bytes_per_hour < 10MB",
                  critical="growth_bytes_per_hour < 100MB", name="leak budget (extrapolated per hour)"),
            rule("growth_bytes_per_op < 1B", severity="error", name="no live growth per execution"),
            # 60 allocations / ~12 KB per execution measured when written; room for ~30 %.
            rule("allocations_per_op <= 80", severity="warning", name="allocations per execution"),
            rule("bytes_per_op <= 16KB", severity="warning", name="bytes allocated per execution"),
        ))]


def _concurrent(quick: bool) -> list[BenchmarkDefinition]:
    return [BenchmarkDefinition(
        name="nodes.workflow_concurrent", lane=HEAVY,
        description="1,000 concurrent executions of the complex workflow on a pool of one worker per core; "
                    "throughput and per-workflow latency (submit -> done, queueing included)",
        target=WorkloadTarget("nodes.workflow_concurrent", params={"workflows": 1000, "workers": 0}),
        # One sample is one round of 1,000 executions; the warm-up round counts in the metrics too.
        # Three iterations in three processes: throughput and latency are the workload's own
        # figures, one per iteration, and three processes give them an interval that holds on a
        # rerun (three iterations of one process gave PASS 10, WARNING 7, UNSURE 3 in 20 quick
        # runs: the throughput sits near its 10k/s target, and a process moves it more than an
        # iteration does).
        # A warm-up round in each process first: a fresh process's first round also starts the
        # pool's threads and warms the engine (it read ~4k/s against ~12k/s warm).
        iterations=3, processes=3, warmup_iterations=1,
        sampling=SamplingOptions(iterations=1, min_samples=1, max_samples=1 if quick else 13,
                                 warmup_seconds=0, budget_seconds=1.0 if quick else 15.0),
        timeout_seconds=120.0,
        sla=(
            rule("failed == 0", severity="critical", name="every concurrent execution completes"),
            # A single complex execution takes ~50 µs; on 2 cores ~20k/s is the ceiling. 10k/s
            # is the target, below 2k/s the pool or the engine serialises work it should not.
            tiers(target="workflows_per_s > 10k/s", acceptable="workflows_per_s > 2k/s",
                  critical="workflows_per_s > 500/s", name="concurrent throughput"),
            # All 1,000 are submitted at once, so the last waits for nearly the whole round:
            # latency p99 ~ round time = 1,000 / throughput (100 ms at 10k/s).
            tiers(target="latency_p99 < 250ms", acceptable="latency_p99 < 1s", critical="latency_p99 < 5s",
                  name="per-workflow latency p99"),
        ))]


def benchmarks(quick: bool) -> list[BenchmarkDefinition]:
    return [*_node_processing(quick), *_error_handling(quick), *_workflows(quick), *_memory(quick),
            *_concurrent(quick)]
