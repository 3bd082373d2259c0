"""What the resource sampler itself costs: perfbench's ResourceSampler vs a plain psutil loop.

    python benchmarks/compare_sampler_overhead.py [--quick] [--json PATH] [--markdown PATH]

Goal (issue 4): the sampler stays at or below 1 % of one core at 10 Hz.

Each row is a fresh process (benchmarks/_sampler_worker.py) that starts a target tree,
then over one window (10 s; --quick: 2 s) samples it at 1, 10 or 50 Hz with

* perfbench: `perfbench.resources.resource_sampler.ResourceSampler` (reads /proc directly, keeps
  the files open, see perfbench.resources.process_tree), or
* psutil loop: the straightforward psutil sampler (``children(recursive=True)``, each
  process under ``oneshot()``, ``cpu_percent``, ``net_io_counters``), as the peer, or
* none: no sampler, the process only sleeps: the floor of the second measure below.

Targets: ``idle`` is one ``sleep`` process; ``busy`` is a shell with three CPU-bound
children (4 processes, 3 runnable on 2 cores, so the sampler always competes for a core
and finds its caches cold).

Two independent measures of the cost, both as % of one core over the window:

* thread: CPU time of the sampling thread, ``time.thread_time()`` inside it (what
  ``ResourceSummary.sampler_cpu_fraction`` reports);
* process - floor: the worker process's CPU time (``getrusage(RUSAGE_SELF)``) over the
  window minus that of the "none" run on the same target: thread start-up, the summary,
  and waking the main thread included.
"""

from __future__ import annotations

import json

import _peers as P

RATES_HZ = (1.0, 10.0, 50.0)
TARGETS = ("idle", "busy")
GOAL_PERCENT_AT_10HZ = 1.0
WORKER = P.BENCH_DIR / "_sampler_worker.py"


def run(mode: str, target: str, hz: float, seconds: float) -> dict:
    P.progress(f"{target} tree, {mode}, {hz:g} Hz, {seconds:g} s")
    result = P.run_process([P.PYTHON, WORKER, mode, "--target", target, "--hz", str(hz),
                            "--seconds", str(seconds)])
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    args = P.common_parser(__doc__.split("\n\n")[0]).parse_args()
    # the busy-tree rows load the machine on purpose: a load warning here would be noise
    report = P.Report("compare_sampler_overhead", args, warn_on_load=False)
    seconds = 2.0 if args.quick else 10.0

    runs: list[dict] = []
    floors: dict[str, dict] = {}
    for target in TARGETS:
        floors[target] = run("none", target, 0, seconds)
        for hz in RATES_HZ:
            for mode in ("perfbench", "psutil"):  # taking turns, so load drifts hit both
                runs.append(run(mode, target, hz, seconds))

    table = P.Table(
        f"sampler CPU cost, % of one core over a {seconds:g} s window per row "
        f"(goal: perfbench <= {GOAL_PERCENT_AT_10HZ:g} % at 10 Hz, by both measures)",
        ["target", "rate", "sampler", "ticks", "thread CPU %", "process CPU %", "process - floor %",
         "per tick µs", "goal met"])
    rows = []
    for r in runs:
        window = r["window_seconds"]
        thread_pct = 100 * r["thread_cpu_seconds"] / window
        floor = floors[r["target"]]
        floor_pct = 100 * floor["process_cpu_seconds"] / floor["wall_seconds"]
        process_pct = 100 * r["process_cpu_seconds"] / r["wall_seconds"]
        independent_pct = process_pct - floor_pct
        per_tick_us = 1e6 * r["thread_cpu_seconds"] / r["ticks"]
        goal = None
        if r["mode"] == "perfbench" and r["hz"] == 10.0:
            goal = thread_pct <= GOAL_PERCENT_AT_10HZ and independent_pct <= GOAL_PERCENT_AT_10HZ
        table.add(r["target"] + (f" ({r['target_processes']} proc)" if "target_processes" in r else ""),
                  f"{r['hz']:g} Hz", "perfbench" if r["mode"] == "perfbench" else "psutil loop", r["ticks"],
                  f"{thread_pct:.3f}", f"{process_pct:.3f}", f"{independent_pct:.3f}", f"{per_tick_us:.0f}",
                  P.yes_no(goal) if goal is not None else "")
        rows.append({**r, "thread_percent": thread_pct, "process_percent": process_pct,
                     "floor_percent": floor_pct, "process_minus_floor_percent": independent_pct,
                     "per_tick_us": per_tick_us, "goal_met": goal})
    busy = next((r for r in runs if r["target"] == "busy" and r["mode"] == "perfbench"), None)
    table.notes += [
        "floor = the worker process's CPU % over the same window with no sampler (it only sleeps): "
        + ", ".join(f"{t} {100 * f['process_cpu_seconds'] / f['wall_seconds']:.3f} %" for t, f in floors.items())
        + ".",
        "process - floor also holds one-time costs of a fresh process, chiefly numpy's first "
        "percentile() call in the summary (~10 ms here, 0.1 % of a 10 s window), which a runner pays once.",
        "per tick = thread CPU / ticks. On this shared machine every tick finds the sampler's code and the "
        "kernel's /proc paths out of cache: the same reads back to back cost ~50 µs per process.",
        "The psutil loop reads the same per-process figures but builds the tree from every process on the "
        "machine (children(recursive=True) reads /proc/*/stat) and opens each file at every tick; it has "
        "no VmHWM, no per-thread context switches and no reaped-children accounting.",
    ]
    if busy is not None:
        table.notes.append(f"The busy tree's CPU as the sampler saw it: {busy['target_cpu_core_avg']:.2f} cores "
                           f"(3 spinning processes on 2 logical CPUs shared with whatever else runs).")
    report.tables.append(table)
    report.results = {"rows": rows, "floors": floors, "window_seconds": seconds}
    report.finish()


if __name__ == "__main__":
    main()
