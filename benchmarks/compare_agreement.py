"""Agreement panel: does perfbench report the same time as an established peer timing the
same code? C++ workloads vs Google Benchmark, Python workloads vs pyperf.

    python benchmarks/compare_agreement.py [--quick] [--only NAME,...] [--json PATH] [--markdown PATH]

C++ (6 workloads, ~2 ns to ~5 ms, plus `empty`): gbench_workloads.cpp registers one Google
Benchmark per built-in workload on the very body struct perfbench times
(cpp/src/workloads/basic/bodies.hpp); it is compiled here with perfbench's Release
flags. Each tool runs in its own fresh process, taking turns, several times per workload;
the table gives the median over those processes of:
  * perfbench: measure_workload(name) median (default budget 0.5 s, samples >= 100 µs,
    loop overhead measured on an empty body and subtracted);
  * GB default: one run of >= 0.5 s, real time / iterations (a mean; loop not subtracted);
  * GB repetitions: --benchmark_repetitions=10 --benchmark_min_time=0.05, the median of the
    10 per-repetition means (closest to perfbench's median-of-samples with a similar budget).

Python (4 workloads, ~15 ns to ~10 ms; benchmarks/_pyworkloads.py): perfbench.measure(fn,
*args) median (fresh processes as above) vs one real pyperf run per workload
(Runner.bench_func, 20 worker processes x 3 values by default), pyperf's median.
pyperf times a Python for-loop around the call and binds arguments with functools.partial;
neither is subtracted, perfbench's C++ loop is. For the ~15 ns no-op that alone is a large
share, so the table also gives the cost of an empty Python loop iteration measured here.

"within +-3 %" is |perfbench / peer - 1| <= 3 %. Nothing is dropped or re-run on
disagreement.
"""

from __future__ import annotations

import statistics
import tempfile
from pathlib import Path

import _peers as P
import _pyworkloads

import perfbench

TOLERANCE = 0.03


def agree(ratio: float) -> bool:
    return abs(ratio - 1.0) <= TOLERANCE


def main() -> None:
    args = P.panel_parser(__doc__.split("\n\n")[0]).parse_args()
    report = P.Report("compare_agreement", args)
    processes = 1 if args.quick else 5
    pyperf_extra = ["--fast"] if args.quick else []
    cpp = P.chosen(["empty", *P.CPP_WORKLOADS], args.only)
    python = P.chosen(_pyworkloads.WORKLOADS, args.only)
    descriptions = {w["name"]: w["description"] for w in perfbench.workload_catalog()}
    descriptions |= {name: spec[0] for name, spec in _pyworkloads.WORKLOADS.items()}

    table = P.Table(
        f"agreement: perfbench median vs peer, per iteration (median over {processes} fresh process(es) per "
        f"tool; pyperf: one run of its own worker processes{', --fast' if args.quick else ''})",
        ["workload", "what", "perfbench", "overhead subtracted", "peer figure", "peer", "ratio", "within +-3 %",
         "GB CPU time", "ratio to CPU time"])
    results = []
    binary = P.build_gbench() if cpp else None

    for name in cpp:
        pb, gb, gb_reps = [], [], []
        for i in range(processes):
            P.progress(f"{name}: process {i + 1}/{processes}")
            pb.append(P.run_worker("perfbench-workload", name, "--budget", "0.5")[0])
            gb.append(P.run_gbench(binary, name))
            gb_reps.append(P.run_gbench(binary, name, repetitions=10, min_time=0.05))
        pb_ns = statistics.median(r["median_ns"] for r in pb)
        overhead = statistics.median(r["overhead_ns"] for r in pb)
        # GB's CPU time is shown beside its (headline) real time: the two are equal when the
        # process had a CPU throughout; on a loaded machine only the real time grows.
        peers = (("GB default (mean of one 0.5 s run)", "GB", statistics.median(r["mean_ns"] for r in gb),
                  statistics.median(r["mean_cpu_ns"] for r in gb)),
                 ("GB median of 10 repetitions", "GB reps", statistics.median(r["median_ns"] for r in gb_reps),
                  statistics.median(r["median_cpu_ns"] for r in gb_reps)))
        for j, (figure, short, peer_ns, peer_cpu_ns) in enumerate(peers):
            if name == "empty":
                # ~0 by construction after perfbench's correction: compare absolute values only.
                ratio, within, cpu_ratio = None, None, None
            else:
                ratio = pb_ns / peer_ns
                within = agree(ratio)
                cpu_ratio = pb_ns / peer_cpu_ns
            table.add(name if j == 0 else "", descriptions[name] if j == 0 else "",
                      P.fmt_ns(pb_ns) if j == 0 else "", f"{overhead:.3f} ns" if j == 0 else "",
                      figure, P.fmt_ns(peer_ns), P.fmt_ratio(ratio), P.yes_no(within),
                      P.fmt_ns(peer_cpu_ns), P.fmt_ratio(cpu_ratio))
            results.append({"workload": name, "kind": "cpp", "peer": figure, "peer_short": short,
                            "perfbench_ns": pb_ns, "peer_ns": peer_ns, "ratio": ratio, "within_3pct": within,
                            "peer_cpu_ns": peer_cpu_ns, "ratio_to_cpu_time": cpu_ratio,
                            "perfbench_per_process": [r["median_ns"] for r in pb],
                            "perfbench_overhead_ns": [r["overhead_ns"] for r in pb],
                            "perfbench_iterations_per_sample": [r["iterations_per_sample"] for r in pb],
                            "peer_per_process": [r.get("mean_ns", r.get("median_ns")) for r in (gb if j == 0 else gb_reps)],
                            "peer_real_over_cpu": [r["real_over_cpu"] for r in (gb if j == 0 else gb_reps)],
                            "peer_command": (gb if j == 0 else gb_reps)[0]["command"]})

    loop_cost = None
    with tempfile.TemporaryDirectory(prefix="perfbench-agreement-") as tmp:
        for name in python:
            pb = []
            for i in range(processes):
                P.progress(f"{name}: perfbench process {i + 1}/{processes}")
                pb.append(P.run_worker("perfbench-python", name, "--budget", "0.5")[0])
            P.progress(f"{name}: pyperf")
            pyperf_run = P.run_pyperf(name, Path(tmp), pyperf_extra)
            pb_ns = statistics.median(r["median_ns"] for r in pb)
            ratio = pb_ns / pyperf_run["median_ns"]
            table.add(name, descriptions[name], P.fmt_ns(pb_ns),
                      f"{statistics.median(r['overhead_ns'] for r in pb):.3f} ns",
                      f"pyperf median ({pyperf_run['values']} values, {pyperf_run['loops']:.0f} loops)",
                      P.fmt_ns(pyperf_run["median_ns"]), P.fmt_ratio(ratio), P.yes_no(agree(ratio)), "", "")
            results.append({"workload": name, "kind": "python", "peer": "pyperf median", "peer_short": "pyperf",
                            "perfbench_ns": pb_ns,
                            "peer_ns": pyperf_run["median_ns"], "ratio": ratio, "within_3pct": agree(ratio),
                            "perfbench_per_process": [r["median_ns"] for r in pb], "pyperf": pyperf_run})
        if python:
            loop_cost = statistics.median(P.run_worker("python-loop-cost")[0]["range_ns"] for _ in range(3))

    compared = [r for r in results if r["within_3pct"] is not None]
    table.notes.append(
        f"{sum(r['within_3pct'] for r in compared)} of {len(compared)} comparisons within +-3 %. "
        "'overhead subtracted' is perfbench's measured empty-loop cost per iteration, already taken out "
        "of its figure; Google Benchmark and pyperf subtract nothing.")
    if binary is not None:
        build = P.run_gbench(binary, "empty", min_time=0.01)["library_build_type"]
        if build == "debug":
            table.notes.append(
                "This libbenchmark reports library_build_type=debug (Debian's package does). The timed loop "
                "(`for (auto _ : state)`, State::StateIterator) is inline in benchmark.h and compiled here at "
                "-O3; only the timer start/stop and bookkeeping around each run live in the library.")
    real_over_cpu = [x for r in results if r["kind"] == "cpp" for x in r["peer_real_over_cpu"]]
    if real_over_cpu:
        table.notes.append(
            f"Google Benchmark's real time / CPU time per process: {min(real_over_cpu):.3f} .. "
            f"{max(real_over_cpu):.3f} (1.00 = never descheduled; above that, its real-time figure includes "
            "time spent waiting for a CPU).")
    # A figure that moves by more than the tolerance between fresh processes of the same tool
    # cannot agree to within it with anything; name those so a disagreement is read rightly.
    unsteady = []
    for r in results:
        for tool, values in (("perfbench", r["perfbench_per_process"]),
                             (r["peer_short"], r.get("peer_per_process", []))):
            if r["workload"] != "empty" and len(values) > 1 and max(values) / min(values) - 1 > TOLERANCE:
                unsteady.append(f"{r['workload']} {tool} {(max(values) / min(values) - 1) * 100:.0f} %")
    if unsteady:
        table.notes.append("(max - min) / min over fresh processes above 3 %: "
                           + ", ".join(dict.fromkeys(unsteady)) + ".")
    empty = [r for r in results if r["workload"] == "empty"]
    if empty:
        table.notes.append(
            f"empty: Google Benchmark's figure ({P.fmt_ns(empty[0]['peer_ns'])}) is the cost of its own "
            f"`for (auto _ : state)` loop; perfbench reads {P.fmt_ns(empty[0]['perfbench_ns'])} after "
            "subtracting its loop. No ratio is formed.")
    if loop_cost is not None:
        noop = [r for r in results if r["workload"] == "py_noop"]
        extra = f" pyperf - perfbench for py_noop: {noop[0]['peer_ns'] - noop[0]['perfbench_ns']:.2f} ns." if noop else ""
        table.notes.append(
            f"An empty Python `for _ in range(n): pass` iteration (pyperf's loop) costs {loop_cost:.2f} ns here "
            f"(median of 3 processes); pyperf's per-call figure contains one per call.{extra}")
    report.tables.append(table)
    report.results = {"rows": results, "python_loop_iteration_ns": loop_cost}
    report.finish()


if __name__ == "__main__":
    main()
