"""Stability: how much does each tool's reported figure move between fresh processes, when
perfbench gets no more wall time than the peer?

    python benchmarks/compare_stability.py [--quick] [--only NAME,...] [--json PATH] [--markdown PATH]

For every workload of the agreement panel and every peer that times it (Google Benchmark
for the C++ workloads; pytest-benchmark and pyperf for the Python ones), each tool is run
in N fresh processes (10; 3 with --quick), the two tools taking turns so that machine
noise falls on both alike. The statistic is the CV (sample stdev / mean) of the N figures:

  * Google Benchmark: its default report, real time / iterations of one >= 0.5 s run;
  * pytest-benchmark: the median of its rounds (a pytest session per process, defaults);
  * pyperf: its median over all worker values (one pyperf run, i.e. 20 workers, per
    "process"; --fast in --quick runs);
  * perfbench: the median of its samples (measure_workload / measure in a fresh process).

Equal time: before each perfbench process its budget is set to 0.9 x the median process
wall of the peer so far minus perfbench's own fixed cost per process (interpreter, imports,
clock calibration, set-up: process wall minus budget, median of three pilots and every run
so far). Whole processes are timed, start-up included, and the table shows the median
process wall of both, so the reader can check that perfbench's was not larger.
Goal: perfbench's CV no worse than each peer's.
"""

from __future__ import annotations

import statistics
import tempfile
from collections.abc import Callable
from pathlib import Path

import _peers as P
import _pyworkloads

PILOT_BUDGET = 0.1
WALL_SHARE = 0.9
MIN_BUDGET = 0.02


def perfbench_process(kind: str, name: str, budget: float) -> dict:
    data, wall = P.run_worker(kind, name, "--budget", f"{budget:.4f}")
    return {"ns": data["median_ns"], "wall": wall, "measurement_wall": data["measurement_wall_seconds"]}


def compare(name: str, peer: str, run_peer: Callable[[], dict], kind: str, processes: int) -> dict:
    """N processes of the peer and of perfbench at the peer's wall time, taking turns."""
    P.progress(f"{name} / {peer}: pilots")
    # perfbench's fixed cost per process (everything but the budget), from pilots and then
    # from every run; the peer's wall from all its processes so far. Both follow the load
    # of the machine, so the budget does too: it only changes how many samples perfbench
    # takes, not what each sample measures.
    fixed_costs = [perfbench_process(kind, name, PILOT_BUDGET)["wall"] - PILOT_BUDGET for _ in range(3)]
    peer_runs, pb_runs, budgets = [], [], []
    for i in range(processes):
        peer_runs.append(run_peer())
        budget = max(MIN_BUDGET, WALL_SHARE * statistics.median(r["wall"] for r in peer_runs)
                     - statistics.median(fixed_costs))
        P.progress(f"{name} / {peer}: process {i + 1}/{processes} (perfbench budget {budget:.3f} s)")
        run = perfbench_process(kind, name, budget)
        fixed_costs.append(run["wall"] - budget)
        pb_runs.append(run)
        budgets.append(budget)
    peer_ns = [r["ns"] for r in peer_runs]
    pb_ns = [r["ns"] for r in pb_runs]
    return {
        "workload": name, "peer": peer, "processes": processes,
        "peer_ns": peer_ns, "perfbench_ns": pb_ns,
        "peer_cv": P.cv(peer_ns), "perfbench_cv": P.cv(pb_ns),
        "peer_wall": [r["wall"] for r in peer_runs], "perfbench_wall": [r["wall"] for r in pb_runs],
        "perfbench_budget": budgets, "perfbench_fixed_cost": fixed_costs,
        "peer_command": peer_runs[0].get("command"),
        "peer_real_over_cpu": [r["real_over_cpu"] for r in peer_runs if "real_over_cpu" in r],
    }


def main() -> None:
    args = P.panel_parser(__doc__.split("\n\n")[0]).parse_args()
    report = P.Report("compare_stability", args)
    processes = 3 if args.quick else 10
    pyperf_extra = ["--fast"] if args.quick else []
    cpp = P.chosen(P.CPP_WORKLOADS, args.only)
    python = P.chosen(_pyworkloads.WORKLOADS, args.only)

    rows = []
    binary = P.build_gbench() if cpp else None
    for name in cpp:
        def run_gb(name: str = name) -> dict:
            r = P.run_gbench(binary, name)
            return {"ns": r["mean_ns"], "wall": r["wall_seconds"], "command": r["command"],
                    "real_over_cpu": r["real_over_cpu"]}
        rows.append(compare(name, "Google Benchmark", run_gb, "perfbench-workload", processes))

    with tempfile.TemporaryDirectory(prefix="perfbench-stability-") as tmp:
        for name in python:
            def run_pytest(name: str = name) -> dict:
                r = P.run_pytest_benchmark(name, Path(tmp))
                return {"ns": r["median_ns"], "wall": r["wall_seconds"], "command": r["command"]}

            def run_pyperf(name: str = name) -> dict:
                r = P.run_pyperf(name, Path(tmp), pyperf_extra)
                return {"ns": r["median_ns"], "wall": r["wall_seconds"], "command": r["command"]}

            rows.append(compare(name, "pytest-benchmark", run_pytest, "perfbench-python", processes))
            rows.append(compare(name, "pyperf" + (" --fast" if args.quick else ""), run_pyperf,
                                "perfbench-python", processes))

    table = P.Table(
        f"stability: CV of the reported figure across {processes} fresh processes, perfbench at <= the "
        f"peer's wall time per process (goal: perfbench CV <= peer CV)",
        ["workload", "peer", "peer median", "perfbench median", "peer CV", "perfbench CV", "goal met",
         "peer wall s", "perfbench wall s", "perfbench budget s", "wall <= peer"])
    for r in rows:
        peer_wall = statistics.median(r["peer_wall"])
        pb_wall = statistics.median(r["perfbench_wall"])
        r["goal_met"] = r["perfbench_cv"] <= r["peer_cv"]
        r["wall_not_larger"] = pb_wall <= peer_wall
        table.add(r["workload"], r["peer"], P.fmt_ns(statistics.median(r["peer_ns"])),
                  P.fmt_ns(statistics.median(r["perfbench_ns"])), f"{r['peer_cv'] * 100:.2f} %",
                  f"{r['perfbench_cv'] * 100:.2f} %", P.yes_no(r["goal_met"]), f"{peer_wall:.2f}",
                  f"{pb_wall:.2f}", f"{statistics.median(r['perfbench_budget']):.3f}",
                  P.yes_no(r["wall_not_larger"]))
    met = sum(r["goal_met"] for r in rows)
    fair = sum(r["wall_not_larger"] for r in rows)
    fixed = statistics.median(x for r in rows for x in r["perfbench_fixed_cost"]) if rows else 0.0
    table.notes += [
        f"perfbench's CV no worse than the peer's in {met} of {len(rows)} comparisons; perfbench's median "
        f"process wall not above the peer's in {fair} of {len(rows)}.",
        f"Wall = whole process, start-up included (pyperf: the master and all its workers). perfbench's fixed "
        f"cost per process (interpreter, numpy and perfbench import, clock calibration) was {fixed:.2f} s "
        "(median), taken out of its budget. 'perfbench budget' is the median over its processes (it follows "
        "the peer's median wall so far, see the JSON for each).",
    ]
    real_over_cpu = [x for r in rows for x in r["peer_real_over_cpu"]]
    if real_over_cpu:
        table.notes.append(
            f"Google Benchmark's real time / CPU time per process: {min(real_over_cpu):.3f} .. "
            f"{max(real_over_cpu):.3f} (1.00 = never descheduled).")
    report.tables.append(table)
    report.results = {"rows": rows}
    report.finish()


if __name__ == "__main__":
    main()
