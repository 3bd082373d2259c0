"""Whether two measurements of a benchmark, taken at different times, saw the same machine.

A saved baseline and a later run each drew the machine as it was then. On these 2-core VMs
the state that matters most is whether other processes kept the cores busy, and it does
not only add noise, it moves some figures wholesale: a benchmark that hands work between
threads waits for an idle vCPU to wake (the hypervisor halts it), so it runs several times
faster on a busy machine than on an idle one. Measured in one regression-evidence series
(benchmarks/regression_evidence.py, default suite, 5 processes per run): ``nodes.async``
read 45.4 us with other processes using 0 % of the machine, and 6.1 us in every later run,
with them using 50 %; ``messages.latency`` 1.06 ms and 0.66 ms. No spread between runs
taken in one state predicts that, so a change between two such runs says nothing about the
code: ``state_difference`` names it, and the comparison reads unsure (analysis/comparison.py).

The state is the resource sampler's: the machine's busy share minus the benchmark's own
process tree's (``interference.other_processes_share``), the figure that notes a busy
machine beside a result. It is read only where each side was sampled for at least
``MIN_STATE_SECONDS``: the kernel counts CPU time in 10 ms ticks per CPU, so over a window of
a few tens of ms (a quick benchmark's) the share reads anywhere from 0 to 100 % by
quantisation and by a neighbour's single burst, and two unchanged runs "differ" by half a
core at random (seen in the test suite under load 4-5: a tenfold slowdown read unsure). Over
a second the tick error is about 2 % of the machine, and a burst of a neighbour no longer
stands for the state it ran in.
"""

from __future__ import annotations

from perfbench.analysis.interference import OTHER_CPU_NOTE_FROM, other_processes_share
from perfbench.model import BenchmarkResult

# The same figure that notes a busy machine beside a result: half a core of two.
STATE_DIFFERENCE_FROM = OTHER_CPU_NOTE_FROM
# Sampled time each side needs before its state is read (see the module's docstring).
MIN_STATE_SECONDS = 1.0
# The most a change of state has been measured to move a figure: nodes.async's 45.4 us idle
# against 6.1 us busy, 7.4x (the docstring). A change whose whole interval lies beyond this
# factor is not the machine's doing, whatever its state: a 200 ms delay injected into a server
# answering in 1 ms read unsure after the neighbours' share moved from 25 % to 77 % between the
# two runs (tests/test_load_benchmarks.py).
LARGEST_STATE_FACTOR = 7.5


def sampled_seconds(result: BenchmarkResult) -> float:
    """How long the resource sampler watched the benchmark's counted iterations, in seconds."""
    return sum(float((record.resources or {}).get("duration_seconds") or 0.0) for record in result.counted_iterations)


def state_difference(base: BenchmarkResult, current: BenchmarkResult) -> str | None:
    """What differed in the machine between the two measurements, or None if nothing that
    matters (or either was not sampled long enough to say)."""
    if min(sampled_seconds(base), sampled_seconds(current)) < MIN_STATE_SECONDS:
        return None
    before, now = other_processes_share(base), other_processes_share(current)
    if before is None or now is None or abs(now - before) < STATE_DIFFERENCE_FROM:
        return None
    return (f"other processes used {100 * before:.0f} % of the machine in the base run and {100 * now:.0f} % "
            "in the current one")
