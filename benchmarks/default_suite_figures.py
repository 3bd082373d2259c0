"""Print the README's table of the default suite's figures from a stored run.

    python -m perfbench run                      # the full default suite (~1.5 min here)
    python benchmarks/default_suite_figures.py   # reads .perfbench/results.db, latest run

Each row picks the figure the original system judged that benchmark by (a tick budget, a
throughput, a latency percentile, a growth exponent, ...), its 95 % interval where it has
one, and the verdict perfbench gave.
"""

from __future__ import annotations

import argparse

from perfbench.sla import format_interval, format_value
from perfbench.store import open_store

# (lane/benchmark, figure, label): figure is a statistic of the time per iteration, "ticks_p99",
# or a metric name.
ROWS = (
    ("core/add_chain_8", "median", "8 dependent adds"),
    ("core/hash_lookup_1k", "median", "hash lookup, 1,024 entries"),
    ("docs/workflow.task_lookup", "ticks_median", "workflow task lookup (TSC ticks per operation)"),
    ("docs/workflow.task_lookup", "median", "workflow task lookup (per operation)"),
    ("docs/workflow.task_lookup", "interference", "workflow task lookup: samples hit by interference"),
    ("docs/workflow.split_type_compare", "ticks_median", "split-type comparison (ticks per operation)"),
    ("docs/workflow.create_atm", "median", "create the 4-task ATM workflow"),
    ("standard/workflow.engine_init", "median", "engine initialisation with state store"),
    ("standard/workflow.state_store_write", "median", "state-store write (per operation)"),
    ("standard/workflow.execute_atm", "median", "ATM withdrawal end to end"),
    ("standard/workflow.execute_swift", "median", "SWIFT payment end to end"),
    ("standard/workflow.telemetry_overhead", "overhead", "telemetry (span ring buffer) overhead"),
    ("heavy/workflow.payroll_1000", "median", "payroll, 1,000 employees"),
    ("heavy/workflow.specs_in_memory", "exponent", "10 → 200 specs in memory: growth exponent"),
    ("heavy/workflow.task_lookup_scaling", "exponent", "lookup in 10 → 500-task workflows: exponent"),
    ("standard/nodes.compute", "p99", "compute node (p99 per execution)"),
    ("standard/nodes.io", "p99", "I/O node, real file I/O in /dev/shm (p99)"),
    ("standard/nodes.json_transform", "p99", "JSON transform node (p99)"),
    ("standard/nodes.router", "p99", "router node (p99)"),
    ("standard/nodes.parallel", "speedup", "parallel node, 4 branches: speedup vs sequential"),
    ("standard/nodes.async", "p99", "async node (p99)"),
    ("standard/nodes.error_overhead", "overhead", "error handled vs success: overhead"),
    ("standard/nodes.workflow_linear", "p99", "linear 3-node workflow (p99)"),
    ("standard/nodes.workflow_complex", "p99", "complex workflow, routing + parallel (p99)"),
    ("standard/nodes.workflow_recovery", "recovery_p99", "retry after injected failure: recovery p99"),
    ("standard/nodes.memory_growth", "growth_mb_per_hour", "sustained run: growth, MB per hour"),
    ("heavy/nodes.workflow_concurrent", "workflows_per_s", "1,000 concurrent workflows: throughput"),
    ("heavy/nodes.workflow_concurrent", "latency_p99", "1,000 concurrent workflows: latency p99"),
    ("standard/messages.throughput", "throughput_msgs_per_s", "message throughput"),
    ("standard/messages.latency", "latency_p50", "end-to-end message latency p50"),
    ("standard/messages.latency", "latency_p99", "end-to-end message latency p99"),
    ("standard/messages.latency", "latency_p999", "end-to-end message latency p99.9"),
    ("standard/messages.spawn", "spawn_p99", "agent spawn (p99)"),
    ("standard/messages.memory_per_agent", "memory_per_agent", "memory per agent"),
    ("standard/messages.task_pool", "tasks_per_s", "10-agent task pool throughput"),
    ("heavy/messages.scaling.spawn", "exponent", "1 → 10,000 agents: spawn growth exponent"),
    ("heavy/messages.scaling.memory", "exponent", "1 → 10,000 agents: memory growth exponent"),
    ("heavy/messages.scaling.throughput", "throughput_msgs_per_s", "throughput at 10,000 agents"),
    ("standard/runtime.executor_create.single_thread", "median", "create + join a 1-thread executor"),
    ("standard/runtime.executor_create.multi_thread", "median", "create + join a 2-thread executor"),
    ("standard/runtime.startup", "cold_start_p50", "cold start (lazy executor + first task) p50"),
    ("standard/runtime.startup", "warm_start_p50", "warm start (task on existing executor) p50"),
    ("standard/runtime.cli_command", "ratio", "CLI command, executor per command vs shared"),
    ("standard/runtime.validation", "generation_time", "validation: generation"),
    ("standard/runtime.validation", "runtime_overhead", "validation: runtime overhead"),
    ("standard/runtime.validation", "memory_per_command", "validation: memory per command"),
    ("standard/runtime.validation", "commands_per_s", "validation: throughput"),
    ("heavy/runtime.pool_efficiency.workers_2", "efficiency", "thread pool, 2 workers: efficiency"),
    ("heavy/runtime.pool_efficiency.workers_4", "efficiency", "thread pool, 4 workers: efficiency"),
    ("heavy/runtime.pool_efficiency.workers_8", "efficiency", "thread pool, 8 workers: efficiency"),
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("store", nargs="?", default=".perfbench/results.db")
    parser.add_argument("--run", type=int, help="run id (default: the latest)")
    args = parser.parse_args()
    with open_store(args.store, create=False) as store:
        run_id = args.run or store.latest_run_id()
        results = {stored.result.key: stored.result for stored in store.results(run_id)}
        verdicts: dict[str, list] = {}
        for verdict in store.verdicts(run_id):
            verdicts.setdefault(verdict.benchmark, []).append(verdict)
    from perfbench.analysis.metrics_lookup import lookup_metric

    print("| benchmark | what | figure | value | 95 % interval | SLO verdicts |")
    print("|---|---|---|---:|---|---|")
    for key, figure, label in ROWS:
        result = results.get(key)
        if result is None:
            print(f"| {key} | {label} | {figure} | not in run {run_id} | | |")
            continue
        value = lookup_metric(result, figure)
        shown = format_value(value.value, value.unit) if value else "-"
        interval = (format_interval(value.value, value.low, value.high, value.unit) if value and value.has_interval
                    else "-")
        judged = [v for v in verdicts.get(key, []) if v.metric == figure] or verdicts.get(key, [])
        summary = ", ".join(sorted({v.label.lower() for v in judged})) or "-"
        print(f"| `{key}` | {label} | {figure} | {shown} | {interval} | {summary} |")


if __name__ == "__main__":
    main()
