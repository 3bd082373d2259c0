"""Family ``workflow``: a small workflow engine's hot paths, creation, executions and scaling.

The engine (``cpp/src/workloads/workflow/``) holds workflow specs as
dense task tables, runs cases over an in-memory state store with AND/XOR/OR splits and
joins, and can record a telemetry span per task into a ring buffer.

Lanes:
* ``docs``: the hot paths (split/join-type comparison, task lookup, max-ticks validation)
  with their 8-tick budget, and spec creation.
* ``standard``: state-store writes, ATM and SWIFT executions end to end, telemetry
  overhead, engine initialisation.
* ``heavy``: growth with the number of specs in memory and with workflow size, and a
  payroll period for 1,000 employees.

What the figures are: a hot path costs under a nanosecond, so a sample is the mean of tens
of thousands of operations, and a percentile of such means is not a per-operation tail --
its p99 is the share of samples an interrupt or a preemption landed in, i.e. the host's
noise. The rules therefore judge the **per-operation cost**: the median of the per-sample
means, with its confidence interval; the samples hit by interference are counted and
reported beside it (``interference``), not mixed into the cost. The same holds for every
figure here whose samples are batch means (creation, executions, writes).

Severities, and why:
* The tick budget (``ticks_median <= 8``, the "Chatman constant": 8 ticks per operation)
  is an **error**: a hot path that needs more than 8 ticks is doing more work than it
  should (an allocation, a hash, a miss), which is a defect, not noise.
* Time targets that sit orders of magnitude above the measured cost (hot writes <= 1 ms,
  executions < 3 s / 5 s / 60 s) are **errors**: missing one means something broke (a lock,
  a leak, a quadratic path), and no amount of machine noise gets there.
* Targets within reach of a slower machine (task lookup <= 2 ns, creation < 1 ms, engine
  initialisation < 100 ms) are **tiers**: a near miss warns, a clear miss is an error, a
  miss by an order of magnitude is critical.
* Telemetry overhead < 5 % is a **warning**: it is a design goal whose margin is a few
  percent here (one unfenced counter read per task, ~9 ns, against SWIFT tasks of ~50 ns);
  its interval comes from the paired alternating rounds, and where it straddles 5 % the
  verdict is UNSURE rather than a coin toss.
* Growth: "linear or better" (``exponent <= 1.15``) is an **error**; the task lookup must
  also look constant-time (``exponent <= 0.25``, a warning).
"""

from __future__ import annotations

from perfbench.measuring.sampling import SamplingOptions
from perfbench.sla import rule, tiers
from perfbench.definition.suite import BenchmarkDefinition, Sweep, WorkloadTarget

# Hot paths cost < 1 ns, so a sample is a mean over tens of thousands of operations, and
# a sample that straddles a preemption (ms-long on a loaded 2-core machine) reads 30-100x
# slow. The share of samples an interrupt lands in grows with the sample's length: ~3 % at
# the default 100 us here, below 1 % at 20 us -- the timing loop's floor of 1,000 x the
# 20 ns clock resolution -- so short samples keep more of them clean.
_HOT_PATH_SAMPLE_SECONDS = 20e-6

_CHATMAN = rule("ticks_median <= 8", severity="error", name="Chatman constant: 8 ticks per operation")
_LINEAR = rule("exponent <= 1.15", severity="error", name="linear or better")


def _hot_path(quick: bool) -> SamplingOptions:
    return SamplingOptions(budget_seconds=0.1 if quick else 0.5, min_sample_seconds=_HOT_PATH_SAMPLE_SECONDS)


def _docs(quick: bool) -> list[BenchmarkDefinition]:
    hot = _hot_path(quick)
    creation = SamplingOptions(budget_seconds=0.1 if quick else 0.3)
    creation_tiers = tiers(target="median < 1ms", acceptable="median < 2ms", critical="median < 10ms",
                           name="creation < 1 ms")
    return [
        BenchmarkDefinition(
            name="workflow.split_type_compare", lane="docs", target=WorkloadTarget("workflow.split_type_compare"),
            sampling=hot, description="hot path: does a task's split take every branch (split-type comparison)",
            sla=(_CHATMAN,)),
        BenchmarkDefinition(
            name="workflow.join_type_compare", lane="docs", target=WorkloadTarget("workflow.join_type_compare"),
            sampling=hot, description="hot path: must a task's join hear from every incoming flow (join-type comparison)",
            sla=(_CHATMAN,)),
        BenchmarkDefinition(
            name="workflow.task_lookup", lane="docs", target=WorkloadTarget("workflow.task_lookup", {"tasks": 4}),
            sampling=hot, description="hot read: look a task up by id in a 4-task workflow's task table",
            sla=(_CHATMAN, tiers(target="median <= 2ns", acceptable="median <= 5ns", critical="median <= 20ns",
                                 name="task lookup <= 2 ns per operation"))),
        BenchmarkDefinition(
            name="workflow.max_ticks_validation", lane="docs", target=WorkloadTarget("workflow.max_ticks_validation"),
            sampling=hot, description="hot path: is a task's declared max_ticks within the 8-tick limit",
            sla=(_CHATMAN,)),
        BenchmarkDefinition(
            name="workflow.create_minimal", lane="docs", target=WorkloadTarget("workflow.create_minimal"),
            sampling=creation, description="build and validate a one-task workflow spec", sla=(creation_tiers,)),
        BenchmarkDefinition(
            name="workflow.create_atm", lane="docs", target=WorkloadTarget("workflow.create_atm"),
            sampling=creation, description="build and validate the 4-task ATM withdrawal spec", sla=(creation_tiers,)),
    ]


def _standard(quick: bool) -> list[BenchmarkDefinition]:
    execution = SamplingOptions(budget_seconds=0.1 if quick else 0.5)
    swift = WorkloadTarget("workflow.execute_swift", {"telemetry": 0})
    return [
        BenchmarkDefinition(
            name="workflow.state_store_write", lane="standard",
            target=WorkloadTarget("workflow.state_store_write", {"cases": 256}), sampling=_hot_path(quick),
            description="hot write: one variable of one of 256 open cases in the state store",
            sla=(rule("median <= 1ms", severity="error", name="hot write <= 1 ms"),)),
        # Executions are sampled in batches (an ATM case takes ~50 ns, about what the two
        # fenced clock reads around a sample cost): the figure is the cost of one case.
        BenchmarkDefinition(
            name="workflow.execute_atm", lane="standard", target=WorkloadTarget("workflow.execute_atm", {"telemetry": 0}),
            sampling=execution,
            description="ATM withdrawal end to end: verify card and PIN, check balance, dispense or reject",
            sla=(rule("median < 3s", severity="error", name="ATM withdrawal < 3 s"),)),
        BenchmarkDefinition(
            name="workflow.execute_swift", lane="standard", target=swift, sampling=execution,
            description="SWIFT MT103 payment end to end: validate, screen, AND-split compliance, settle, confirm",
            sla=(rule("median < 5s", severity="error", name="SWIFT payment < 5 s"),)),
        # The SWIFT payment carries the comparison: ten tasks of real work (BIC and
        # currency validation, name screening, map lookups, a formatted confirmation). On
        # the ATM's three ~15 ns tasks one counter read per task is ~30 % and on the
        # payroll's ~21 %, which says more about the tasks than about the tracer.
        BenchmarkDefinition(
            name="workflow.telemetry_overhead", lane="standard",
            target=WorkloadTarget("workflow.execute_swift", {"telemetry": 1}), baseline=swift,
            # three processes of alternating rounds: the overhead's interval is between processes
            iterations=3, processes=3, sampling=SamplingOptions(budget_seconds=0.07 if quick else 0.35),
            description="SWIFT payment with a span per task recorded into a ring buffer, against the same without",
            sla=(rule("overhead < 5%", severity="warning", name="telemetry overhead < 5%"),)),
        # One initialisation per sample (~1-2 ms): the figure is the typical initialisation
        # (the median, with its interval); the slowest one is the machine's as much as the
        # engine's -- a preemption on a loaded 2-core machine adds 4-20 ms to a sample.
        BenchmarkDefinition(
            name="workflow.engine_init", lane="standard",
            target=WorkloadTarget("workflow.engine_init", {"case_capacity": 10000}),
            sampling=SamplingOptions(iterations=1, budget_seconds=0.1 if quick else 0.5, min_samples=1,
                                     warmup_seconds=0.0),
            description="engine with a 10,000-case state store and telemetry ring; register ATM, SWIFT, payroll",
            sla=(tiers(target="median < 100ms", acceptable="median < 250ms", critical="median < 1s",
                       name="engine initialisation < 100 ms"),)),
    ]


def _heavy(quick: bool) -> list[BenchmarkDefinition]:
    return [
        BenchmarkDefinition(
            name="workflow.specs_in_memory", lane="heavy", target=WorkloadTarget("workflow.specs_in_memory"),
            # Five sizes in --quick too: a fit of three leaves one degree of freedom, and its
            # interval (t = 12.7) read UNSURE against <= 1.15 in 20 of 20 quick runs for an
            # exponent of ~1.03.
            sweep=Sweep(param="specs", values=(10, 25, 50, 100, 200)),
            sampling=SamplingOptions(budget_seconds=0.03 if quick else 0.5),
            description="build, register and find 10 -> 200 workflow specs (ATM, SWIFT, payroll in turn)",
            sla=(_LINEAR,)),
        BenchmarkDefinition(
            name="workflow.task_lookup_scaling", lane="heavy", target=WorkloadTarget("workflow.task_lookup"),
            sweep=Sweep(param="tasks", values=(10, 100, 500) if quick else (10, 50, 100, 200, 500)),
            sampling=SamplingOptions(budget_seconds=0.1 if quick else 0.3, min_sample_seconds=_HOT_PATH_SAMPLE_SECONDS),
            description="task lookup by id in 10 -> 500-task workflows (should be O(1))",
            sla=(_LINEAR, rule("exponent <= 0.25", severity="warning", name="constant-time lookup"),
                 _CHATMAN)),  # the tick budget is judged on the largest workflow, the sweep's last point
        # One period per sample (~0.1 ms for 1,000 payslips).
        BenchmarkDefinition(
            name="workflow.payroll_1000", lane="heavy",
            target=WorkloadTarget("workflow.payroll", {"employees": 1000, "telemetry": 0}),
            sampling=SamplingOptions(iterations=1, budget_seconds=0.1 if quick else 1.0, min_samples=1,
                                     max_samples=20 if quick else 2000),
            description="payroll for 1,000 employees: gross, tax, OR-split deductions, net, double-entry ledger",
            sla=(rule("median < 60s", severity="error", name="payroll (1,000 employees) < 60 s"),)),
    ]


def benchmarks(quick: bool) -> list[BenchmarkDefinition]:
    return [*_docs(quick), *_standard(quick), *_heavy(quick)]
