"""What in the environment may have moved a benchmark's figures, said next to its verdicts.

Two signs, both measured while the benchmark ran:

* **interference** -- the share of its samples that an interrupt or a preemption landed in
  (beyond the severe outlier fence, Q3 + 3 IQR: such a sample reads several times slower
  than its neighbours). From 1 % on, the host was busy enough to matter; percentiles and
  means read the host as much as the code.
* **other processes' CPU** -- the machine's busy share minus the benchmark's own tree's,
  from the resource sampler. From 25 % of the machine on (half a core of two), something
  else competed for the cores the benchmark ran on.
* **steal** -- CPU time the hypervisor gave to other guests while this VM wanted it
  (``/proc/stat``). From 2 % on, other tenants slowed the machine without showing as load
  inside it.

Frequency changes are not among them: this machine kind's VMs expose no cpufreq, and their
``/proc/cpuinfo`` shows the nominal clock, so a change cannot be seen from inside.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from perfbench.model import BenchmarkResult

INTERFERENCE_NOTE_FROM = 0.01  # share of samples
OTHER_CPU_NOTE_FROM = 0.25  # share of the machine
STEAL_NOTE_FROM = 0.02  # share of the machine's CPU time


def other_processes_share(result: BenchmarkResult) -> float | None:
    """The share of the machine other processes used while the benchmark ran (the machine's
    busy share minus its own process tree's), if the resource sampler measured both."""
    machine, own = result.metric("system_cpu_avg"), result.metric("cpu_avg")
    if machine is None or own is None:
        return None
    return max(machine.value - own.value, 0.0)


def environment_note(result: BenchmarkResult) -> str:
    """One line on what disturbed this benchmark's measurement, or "" if nothing did."""
    notes = []
    m = result.measurement
    if m is not None and m.stats.n >= 20:
        share = m.stats.interference / m.stats.n
        if share >= INTERFERENCE_NOTE_FROM:
            notes.append(f"{100 * share:.1f} % of samples hit by interrupts or preemption")
    others = other_processes_share(result)
    if others is not None and others >= OTHER_CPU_NOTE_FROM:
        notes.append(f"other processes used {100 * others:.0f} % of the machine")
    steal = result.metric("machine_steal_avg")
    if steal is not None and steal.value >= STEAL_NOTE_FROM:
        notes.append(f"the hypervisor took {100 * steal.value:.1f} % of the CPU time (steal)")
    return "; ".join(notes)


def run_noise(results: Sequence[BenchmarkResult], warnings: Sequence[str], load_start: Sequence[float] | None,
              load_end: Sequence[float] | None) -> dict[str, Any]:
    """What made a whole run's numbers noisy, stored with it so that a later comparison or
    history can discount a run measured on a busy machine: the load average when it started
    and ended, the hypervisor's steal (average over the benchmarks that sampled it, and the
    worst), the share of all samples hit by interference, the machine's noise warnings printed
    at the start and each benchmark's environment note."""
    steal = [m.value for m in (r.metric("machine_steal_avg") for r in results) if m is not None]
    measured = [r.measurement.stats for r in results if r.measurement is not None]
    samples = sum(s.n for s in measured)
    notes = {r.key: note for r in results if (note := environment_note(r))}
    return {
        "load_average": {"start": list(load_start) if load_start else None,
                         "end": list(load_end) if load_end else None},
        "steal": {"mean": sum(steal) / len(steal), "max": max(steal)} if steal else None,
        "interference_share": sum(s.interference for s in measured) / samples if samples else None,
        "warnings": list(warnings),
        "notes": notes,
    }
