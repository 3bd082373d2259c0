"""Family ``messages``: an in-process message server (agents with mailboxes, a router,
scheduler threads) measured for throughput, latency, spawn time, memory per agent, task
processing across a pool of 10 agents, topic fan-out and horizontal scaling.

Every workload here is a scenario: one iteration is a whole round (sent, delivered,
handled) that the C++ side verifies before the next, so a lost, duplicated or reordered
message fails the benchmark instead of reporting a fast number. The SLA tiers are the
ones the multi-agent server this family comes from defined for itself.
"""

from __future__ import annotations

from perfbench.measuring.sampling import SamplingOptions
from perfbench.sla import Rule, SlaRule, rule, tiers
from perfbench.definition.suite import BenchmarkDefinition, Sweep, WorkloadTarget

SCALING_AGENTS = (1, 10, 100, 1_000, 10_000)

# SLA tiers of the original server: target / acceptable / critical.
THROUGHPUT_TIERS = dict(target="throughput_msgs_per_s > 100k/s", acceptable="throughput_msgs_per_s > 50k/s",
                        critical="throughput_msgs_per_s > 10k/s", name="message throughput")
LATENCY_P50_TIERS = dict(target="latency_p50 < 1ms", acceptable="latency_p50 < 5ms",
                         critical="latency_p50 < 10ms", name="message latency p50")
LATENCY_P99_TIERS = dict(target="latency_p99 < 10ms", acceptable="latency_p99 < 50ms",
                         critical="latency_p99 < 100ms", name="message latency p99")
SPAWN_TIERS = dict(target="spawn_p99 < 100ms", acceptable="spawn_p99 < 500ms", critical="spawn_p99 < 1s",
                   name="agent spawn time (p99)")
MEMORY_TIERS = dict(target="memory_per_agent < 10MB", acceptable="memory_per_agent < 50MB",
                    critical="memory_per_agent < 100MB", name="memory per agent")


def _no_sequence_errors(what: str) -> SlaRule:
    # Redundant with the C++ round check (which raises), kept so the verdict is in the report.
    return rule("sequence_errors == 0", severity="critical", name=f"{what} arrive once and in order per sender")


def _scenario(quick: bool, *, budget: float, max_samples: int | None = None) -> SamplingOptions:
    """Fixed one-round iterations: each sample is one verified round."""
    return SamplingOptions(budget_seconds=budget, iterations=1, min_samples=1 if quick else 3,
                           max_samples=max_samples, warmup_seconds=0.0 if quick else min(0.2, budget / 10))


def _standard(quick: bool) -> list[BenchmarkDefinition]:
    rounds_budget = 0.15 if quick else 3.0  # throughput, latency, task pool
    return [
        BenchmarkDefinition(
            name="messages.throughput", lane="standard",
            target=WorkloadTarget("messages.throughput", params={"messages": 5_000 if quick else 20_000}),
            sampling=_scenario(quick, budget=rounds_budget),
            description="messages from 4 sender agents round-robin to 16 receivers through the router, "
                        "end to end (all handled); msgs/s",
            sla=(tiers(**THROUGHPUT_TIERS), _no_sequence_errors("messages"),
                 rule("payload_errors == 0", severity="critical", name="payloads arrive intact")),
            timeout_seconds=60.0,
        ),
        BenchmarkDefinition(
            name="messages.latency", lane="standard",
            target=WorkloadTarget("messages.latency", params={"hops": 5_000 if quick else 20_000}),
            sampling=_scenario(quick, budget=rounds_budget),
            description="send-to-handler latency of every hop of 4 messages circulating a ring of 64 agents",
            sla=(tiers(**LATENCY_P50_TIERS), tiers(**LATENCY_P99_TIERS), _no_sequence_errors("ring hops")),
            timeout_seconds=60.0,
        ),
        BenchmarkDefinition(
            name="messages.spawn", lane="standard",
            target=WorkloadTarget("messages.spawn", params={"agents": 1_000}),
            sampling=_scenario(quick, budget=0.1 if quick else 1.5),
            description="spawn 1,000 agents (allocated, mailbox reserved, routed) per round; time per agent",
            sla=(tiers(**SPAWN_TIERS),),
            timeout_seconds=60.0,
        ),
        BenchmarkDefinition(
            name="messages.memory_per_agent", lane="standard",
            target=WorkloadTarget("messages.spawn", params={"agents": 10_000}),
            sampling=_scenario(quick, budget=0.1 if quick else 1.0, max_samples=2 if quick else 10),
            description="live bytes held per agent after spawning 10,000 (tracking allocator)",
            sla=(tiers(**MEMORY_TIERS),),
            timeout_seconds=60.0,
        ),
        BenchmarkDefinition(
            name="messages.task_pool", lane="standard",
            target=WorkloadTarget("messages.task_pool",
                                  params={"workers": 10, "tasks": 500 if quick else 2_000}),
            sampling=_scenario(quick, budget=rounds_budget),
            description="prime-counting tasks pulled by a pool of 10 worker agents from a coordinator, "
                        "every result checked; tasks/s",
            sla=(rule("worker_balance >= 0.5", severity="warning",
                      name="tasks spread across the 10 agents (fewest/most >= 0.5)"),),
            timeout_seconds=60.0,
        ),
        BenchmarkDefinition(
            name="messages.topic_fanout", lane="standard",
            target=WorkloadTarget("messages.topic_fanout", params={"messages": 200 if quick else 1_000}),
            sampling=_scenario(quick, budget=0.1 if quick else 1.5),
            description="publications to a topic with 100 subscriber agents; copies delivered per second",
            sla=(_no_sequence_errors("publications"),),
            timeout_seconds=60.0,
        ),
    ]


def _heavy(quick: bool) -> list[BenchmarkDefinition]:
    """Horizontal scaling, 1 -> 10,000 agents. The sweep API fits one quantity per
    definition, so each scaling verdict (spawn, memory, throughput) is its own sweep over
    the same workload; each reports every figure of every step, only the fit differs."""
    target = WorkloadTarget("messages.scaling", params={"messages": 20_000 if quick else 100_000})
    # per size and process: five processes share about what one had (0.1 s quick)
    sampling = _scenario(quick, budget=0.025 if quick else 0.5, max_samples=5 if quick else 20)

    def sweep(name: str, fit_on: str, description: str, sla: tuple[Rule, ...]) -> BenchmarkDefinition:
        # Five processes: the exponent's interval is the spread of five independent fits. A
        # single fit's regression error read PASS in 12 of 20 quick runs and UNSURE in 8 (the
        # small sizes' few-µs timings move the fit from process to process more than the
        # residuals of one fit say); three fits still left the interval's own width too
        # uncertain (t = 4.30 on a spread of three): "throughput holds" read UNSURE in 2 of 20
        # runs beside a CPU-bound process, for an exponent of 0.00 +- 0.05 against <= 0.2.
        return BenchmarkDefinition(
            name=name, lane="heavy", target=target, sampling=sampling, description=description,
            iterations=5, processes=5,
            sweep=Sweep(param="agents", values=SCALING_AGENTS, fit_on=fit_on),
            sla=sla + (_no_sequence_errors("messages"),), timeout_seconds=120.0)

    return [
        sweep("messages.scaling.spawn", "spawn_total_ns",
              "time to spawn and route 1 ... 10,000 agents; growth of the total with the agent count",
              (rule("exponent <= 1.15", name="spawn time linear or better in agents"), tiers(
                  target="spawn_ns_per_agent < 100ms", acceptable="spawn_ns_per_agent < 500ms",
                  critical="spawn_ns_per_agent < 1s", name="agent spawn time at 10,000 agents"))),
        sweep("messages.scaling.memory", "memory_total",
              "live bytes held by 1 ... 10,000 agents; growth of the total with the agent count",
              (rule("exponent <= 1.15", name="memory linear or better in agents"),
               tiers(**{**MEMORY_TIERS, "name": "memory per agent at 10,000 agents"}))),
        # A fixed number of messages per step: ideally its delivery time does not grow with
        # the agents it is spread over. n^0.2 over four decades is a 6x loss of throughput.
        sweep("messages.scaling.throughput", "delivery_ns",
              "a fixed number of messages spread over 1 ... 10,000 agents; growth of the delivery time",
              (rule("exponent <= 0.2", severity="warning", name="throughput holds from 1 to 10,000 agents"),
               tiers(**{**THROUGHPUT_TIERS, "name": "message throughput at 10,000 agents"}))),
    ]


def benchmarks(quick: bool) -> list[BenchmarkDefinition]:
    return _standard(quick) + _heavy(quick)
