"""Runtime strategy: an executor (thread pool) per command against one shared, lazily
created executor, as a CLI built on an async runtime must choose — and how the pool scales.

Lane ``standard``: creation overhead of single- and multi-thread executors, cold vs warm
start-up, a simulated CLI command under each strategy side by side, memory for 1, 10 and
100 commands in flight, and the validation table (generation < 1 s, runtime overhead
< 10 ms, memory per command < 10 MB, throughput > 10/s).

Lane ``heavy``: thread-pool efficiency at 1, 2, 4 and 8 workers — throughput, CPU use
(cores busy), speedup over the job set's CPU time on a 1-worker pool measured in the same
rounds (its cost on a core of its own: a wall-time reference gets a smaller share of a busy
machine than an N-thread pool, and read speed-ups above the CPU count), and efficiency
(speedup / workers). No rule is put on their shape: on a 2-core machine 4 and 8 workers
cannot scale, and on a shared one even 2 may not; the figures say what happened.
"""

from __future__ import annotations

from perfbench.measuring.sampling import SamplingOptions
from perfbench.sla import rule
from perfbench.definition.suite import BenchmarkDefinition, Sweep, WorkloadTarget

SHARED, PER_COMMAND = 0, 1
MULTI_THREAD = 0  # workers=0: as many as the hardware has threads
POOL_WORKERS = (1, 2, 4, 8)
COMMAND_COUNTS = (1, 10, 100)


def _scenario(samples: int) -> SamplingOptions:
    """Each iteration is a whole scenario (a batch, a round) timed on its own."""
    return SamplingOptions(iterations=1, max_samples=samples, min_samples=1, warmup_seconds=0,
                           budget_seconds=60.0)


def _standard(quick: bool) -> list[BenchmarkDefinition]:
    micro = SamplingOptions(budget_seconds=0.1 if quick else 1.0)
    memory_sweep = _scenario(3 if quick else 20)
    definitions = [
        BenchmarkDefinition(
            name="runtime.executor_create.single_thread", lane="standard",
            target=WorkloadTarget("runtime.executor_create", params={"workers": 1}), sampling=micro,
            description="create a 1-thread executor and join it (construct_mean / teardown_mean split it)"),
        BenchmarkDefinition(
            name="runtime.executor_create.multi_thread", lane="standard",
            target=WorkloadTarget("runtime.executor_create", params={"workers": MULTI_THREAD}), sampling=micro,
            description="create an executor of hardware-concurrency threads and join it"),
        BenchmarkDefinition(
            name="runtime.startup", lane="standard",
            target=WorkloadTarget("runtime.startup", params={"workers": MULTI_THREAD}), sampling=micro,
            description="cold start (lazy executor creation + first task) vs warm start (task on an idle "
                        "existing executor): cold_start_* and warm_start_* in ns"),
        BenchmarkDefinition(
            name="runtime.cli_command", lane="standard",
            target=WorkloadTarget("runtime.cli_command", params={"strategy": PER_COMMAND}),
            baseline=WorkloadTarget("runtime.cli_command", params={"strategy": SHARED}),
            # The budget is per side: target and baseline each get it, in four alternating rounds.
            sampling=SamplingOptions(budget_seconds=0.2 if quick else 1.0),
            description="a simulated CLI command (argv, config file, 4 hash tasks, report) with an executor "
                        "per command, against the shared lazy executor (ratio, overhead)"),
    ]
    for strategy, label in ((PER_COMMAND, "per_command"), (SHARED, "shared")):
        definitions.append(BenchmarkDefinition(
            name=f"runtime.command_memory.{label}", lane="standard",
            target=WorkloadTarget("runtime.command_memory", params={"strategy": strategy}),
            sweep=Sweep(param="commands", values=COMMAND_COUNTS, fit_on="memory_held"),
            sampling=memory_sweep,
            description=f"memory held by 1, 10 and 100 commands in flight, {label.replace('_', '-')} "
                        "executors: heap growth + resident executor stacks (stack reservation and RSS "
                        "growth beside it)",
            sla=(rule("exponent <= 1.15", severity="warning", name="memory grows linearly or better"),)))
    definitions.append(BenchmarkDefinition(
        name="runtime.validation", lane="standard",
        target=WorkloadTarget("runtime.validation"),
        sampling=_scenario(8 if quick else 100),
        description="the validation table, per-command strategy (the costlier): project generation, "
                    "runtime overhead over the shared executor, memory per command, commands per second",
        sla=(
            rule("generation_time < 1s", severity="error", name="generation < 1 s"),
            rule("runtime_overhead < 10ms", severity="error", name="runtime overhead < 10 ms"),
            rule("memory_per_command < 10MB", severity="error", name="memory per command < 10 MB"),
            rule("commands_per_s > 10/s", severity="error", name="throughput > 10/s"),
        )))
    return definitions


def _heavy(quick: bool) -> list[BenchmarkDefinition]:
    # Full: 64 jobs of ~0.3 ms each per job set, 40 rounds (one set on 1 worker, one on N).
    params = {"jobs": 16, "steps": 20_000} if quick else {"jobs": 64, "steps": 100_000}
    return [
        BenchmarkDefinition(
            name=f"runtime.pool_efficiency.workers_{workers}", lane="heavy",
            target=WorkloadTarget("runtime.pool_efficiency", params={"workers": workers, **params}),
            sampling=_scenario(5 if quick else 40),
            description=f"{params['jobs']} CPU-bound hash chains on {workers} worker(s) and on 1: jobs_per_s, "
                        "cpu_use (cores busy), pool_speedup (1-worker CPU time / this wall time), efficiency "
                        "(speedup / workers)")
        for workers in POOL_WORKERS
    ]


def benchmarks(quick: bool) -> list[BenchmarkDefinition]:
    return _standard(quick) + _heavy(quick)
