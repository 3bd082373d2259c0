"""Agreement panel: does perfbench report the same time as an established peer timing the
same code? C++ workloads vs Google Benchmark, Python workloads vs pyperf.

    python benchmarks/compare_agreement.py [--quick] [--only NAME,...] [--json PATH] [--markdown PATH]

C++ (6 workloads, ~2 ns to ~5 ms, plus `empty`): gbench_workloads.cpp links perfbench_core,
the very static library the imported perfbench._core was linked from (_peers.core_library()),
and gives each Google Benchmark run's iterations to one call of the workload's compiled
run(n), the function perfbench's sampler calls. Neither tool compiles a workload of its own,
so both execute the same machine code: the "timed machine code" table disassembles run() in
both binaries and compares the instructions. Each tool runs in its own fresh process, taking
turns, several times per workload; the table gives the median over those processes of:
  * perfbench: measure_workload(name) median (default budget 0.5 s, samples >= 100 µs,
    fixed per-sample overhead measured on an empty body and subtracted);
  * GB default: one run of >= 0.5 s, real time / iterations (a mean; nothing subtracted);
  * GB repetitions: --benchmark_repetitions=10 --benchmark_min_time=0.05, the median of the
    10 per-repetition means (closest to perfbench's median-of-samples with a similar budget).

Python (4 workloads, ~15 ns to ~10 ms; benchmarks/_pyworkloads.py): perfbench.measure(fn,
*args) median (fresh processes as above) vs one real pyperf run per workload
(Runner.bench_func, 20 worker processes x 3 values by default), pyperf's median.
pyperf times a Python for-loop around the call and binds arguments with functools.partial;
neither is subtracted, perfbench's C++ loop is. For the ~15 ns no-op that alone is a large
share, so the table also gives the cost of an empty Python loop iteration measured here.

Verdict of each comparison, from the ratio perfbench / peer and from each tool's spread
between its fresh processes, (max - min) / min of its per-process figures:
  * "too noisy to judge" when either tool's spread exceeds 6 %, twice the tolerance: the
    width of the whole ±3 % band. A fresh process of that tool can then land anywhere across
    the band, so whether the median of a handful of processes falls inside it is decided by
    which processes were drawn, and a yes or a no would not hold on a re-run. (On an Intel
    Xeon host of this machine kind spreads of 11-171 % were seen for both tools; on a quiet
    AMD EPYC one, 0-7 %.) pyperf's spread is over its own 20 worker processes; more
    processes widen a range, so the rule is the stricter for pyperf rows.
  * "too noisy to judge" also when Google Benchmark's processes waited for a CPU for more
    than 3 % of their runs (real time / CPU time above 1.03, median over its processes): its
    headline figure is real time, so the wait alone can carry it across the band, however
    steady it is. (Seen on an AMD EPYC host with a load average of 7-17 on its 2 CPUs: GB
    processes read 1.4-3.5x their CPU time, and add_chain_8 read 0.33x GB's figure with
    spreads of 2 % and 3 %, nothing to show it.)
  * otherwise "yes" when |perfbench / peer - 1| <= 3 %, else "NO".
With --quick (one process per tool) no spread is known and the ratio alone decides.
Nothing is dropped or re-run on disagreement.
"""

from __future__ import annotations

import statistics
import tempfile
from pathlib import Path

import _machine_code
import _peers as P
import _pyworkloads

import perfbench
from perfbench import _core

TOLERANCE = 0.03
NOISE_LIMIT = 2 * TOLERANCE  # a tool's between-process spread beyond which no verdict is given
TOO_NOISY = "too noisy to judge"


def spread(values: list[float]) -> float | None:
    """(max - min) / min over one tool's fresh processes; None with fewer than two."""
    return max(values) / min(values) - 1 if len(values) > 1 else None


def judge(ratio: float, spreads: list[float | None], peer_real_over_cpu: float = 1.0) -> str:
    if any(s is not None and s > NOISE_LIMIT for s in spreads) or peer_real_over_cpu > 1 + TOLERANCE:
        return TOO_NOISY
    return "yes" if abs(ratio - 1.0) <= TOLERANCE else "NO"


def fmt_spread(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.0f} %"


def timed_code_row(name: str, label: str | None, peer_binary: Path) -> list[str]:
    """The machine code both tools timed for one workload: run() of the type GB's label names."""
    if not label:
        return [name, "(Google Benchmark gave no label)", "-", "-", "-", "NO"]
    function = f"{label}::run(unsigned long)"
    try:
        ours = _machine_code.find(Path(_core.__file__), function)
        theirs = _machine_code.find(peer_binary, function)
    except _machine_code.MachineCodeError as error:
        return [name, function, "-", "-", str(error), "NO"]
    return [name, function, f"{ours.size} / {theirs.size}", f"{len(ours.instructions)}",
            f"{ours.address % 64} / {theirs.address % 64}", P.yes_no(ours.same_code_as(theirs))]


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
        ["workload", "what", "perfbench", "overhead subtracted", "peer figure", "peer", "ratio",
         "spread between processes (perfbench / peer)", "GB real / CPU time", "within +-3 %", "GB CPU time",
         "ratio to CPU time"])
    code_table = P.Table(
        "timed machine code: the function each tool called, disassembled in perfbench._core and in the "
        "Google Benchmark peer binary",
        ["workload", "function", "bytes (perfbench / GB)", "instructions", "start mod 64 (perfbench / GB)",
         "same instructions"])
    results = []
    binary = P.build_gbench() if cpp else None

    for name in cpp:
        pb, gb, gb_reps = [], [], []
        for i in range(processes):
            P.progress(f"{name}: process {i + 1}/{processes}")
            pb.append(P.run_worker("perfbench-workload", name, "--budget", "0.5")[0])
            gb.append(P.run_gbench(binary, name))
            gb_reps.append(P.run_gbench(binary, name, repetitions=10, min_time=0.05))
        code_table.add(*timed_code_row(name, gb[0].get("label"), binary))
        pb_ns = statistics.median(r["median_ns"] for r in pb)
        pb_per_process = [r["median_ns"] for r in pb]
        overhead = statistics.median(r["overhead_ns"] for r in pb)
        # GB's CPU time is shown beside its (headline) real time: the two are equal when the
        # process had a CPU throughout; on a loaded machine only the real time grows.
        peers = (("GB default (mean of one 0.5 s run)", "GB", gb, "mean_ns", "mean_cpu_ns"),
                 ("GB median of 10 repetitions", "GB reps", gb_reps, "median_ns", "median_cpu_ns"))
        for j, (figure, short, runs, key, cpu_key) in enumerate(peers):
            peer_ns = statistics.median(r[key] for r in runs)
            peer_cpu_ns = statistics.median(r[cpu_key] for r in runs)
            peer_per_process = [r[key] for r in runs]
            spreads = [spread(pb_per_process), spread(peer_per_process)]
            waited = statistics.median(r["real_over_cpu"] for r in runs)
            if name == "empty":
                # ~0 by construction after perfbench's correction: compare absolute values only.
                ratio, verdict, cpu_ratio = None, None, None
            else:
                ratio = pb_ns / peer_ns
                verdict = judge(ratio, spreads, waited)
                cpu_ratio = pb_ns / peer_cpu_ns
            table.add(name if j == 0 else "", descriptions[name] if j == 0 else "",
                      P.fmt_ns(pb_ns) if j == 0 else "", f"{overhead:.3f} ns" if j == 0 else "",
                      figure, P.fmt_ns(peer_ns), P.fmt_ratio(ratio),
                      f"{fmt_spread(spreads[0])} / {fmt_spread(spreads[1])}", f"{waited:.3f}", verdict or "n/a",
                      P.fmt_ns(peer_cpu_ns), P.fmt_ratio(cpu_ratio))
            results.append({"workload": name, "kind": "cpp", "peer": figure, "peer_short": short,
                            "perfbench_ns": pb_ns, "peer_ns": peer_ns, "ratio": ratio, "verdict": verdict,
                            "within_3pct": None if verdict in (None, TOO_NOISY) else verdict == "yes",
                            "spread_perfbench": spreads[0], "spread_peer": spreads[1],
                            "peer_real_over_cpu_median": waited,
                            "peer_cpu_ns": peer_cpu_ns, "ratio_to_cpu_time": cpu_ratio,
                            "perfbench_per_process": pb_per_process,
                            "perfbench_overhead_ns": [r["overhead_ns"] for r in pb],
                            "perfbench_iterations_per_sample": [r["iterations_per_sample"] for r in pb],
                            "peer_per_process": peer_per_process,
                            "peer_real_over_cpu": [r["real_over_cpu"] for r in runs],
                            "peer_timed_type": runs[0].get("label"), "peer_command": runs[0]["command"]})

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
            pb_per_process = [r["median_ns"] for r in pb]
            ratio = pb_ns / pyperf_run["median_ns"]
            spreads = [spread(pb_per_process), spread(pyperf_run["per_process_ns"]) if processes > 1 else None]
            verdict = judge(ratio, spreads)
            table.add(name, descriptions[name], P.fmt_ns(pb_ns),
                      f"{statistics.median(r['overhead_ns'] for r in pb):.3f} ns",
                      f"pyperf median ({pyperf_run['values']} values, {pyperf_run['loops']:.0f} loops)",
                      P.fmt_ns(pyperf_run["median_ns"]), P.fmt_ratio(ratio),
                      f"{fmt_spread(spreads[0])} / {fmt_spread(spreads[1])}", "", verdict, "", "")
            results.append({"workload": name, "kind": "python", "peer": "pyperf median", "peer_short": "pyperf",
                            "perfbench_ns": pb_ns, "peer_ns": pyperf_run["median_ns"], "ratio": ratio,
                            "verdict": verdict, "within_3pct": None if verdict == TOO_NOISY else verdict == "yes",
                            "spread_perfbench": spreads[0], "spread_peer": spreads[1],
                            "perfbench_per_process": pb_per_process,
                            "peer_per_process": pyperf_run["per_process_ns"], "pyperf": pyperf_run})
        if python:
            loop_cost = statistics.median(P.run_worker("python-loop-cost")[0]["range_ns"] for _ in range(3))

    compared = [r for r in results if r["verdict"] is not None]
    counts = {v: sum(r["verdict"] == v for r in compared) for v in ("yes", "NO", TOO_NOISY)}
    table.notes.append(
        f"{counts['yes']} of {len(compared)} comparisons within +-3 %, {counts['NO']} not, {counts[TOO_NOISY]} "
        f"too noisy to judge (a tool's spread between its fresh processes above {NOISE_LIMIT * 100:.0f} %, the "
        f"width of the +-3 % band, or Google Benchmark's real time above {1 + TOLERANCE:.2f}x its CPU time). "
        "'overhead subtracted' is perfbench's measured fixed cost per sample, per iteration, already taken "
        "out of its figure; Google Benchmark and pyperf subtract nothing.")
    if processes == 1:
        table.notes.append("One process per tool (--quick): no spread is known, so the ratio alone decides.")
    if binary is not None:
        build = P.run_gbench(binary, "empty", min_time=0.01)["library_build_type"]
        if build == "debug":
            table.notes.append(
                "This libbenchmark reports library_build_type=debug (Debian's package does). Its loop here is "
                "`while (state.KeepRunningBatch(n))` around one run(n) call of the core's compiled workload, so "
                "only the timer start/stop and bookkeeping around each run of n iterations live in the library.")
    real_over_cpu = [x for r in results if r["kind"] == "cpp" for x in r["peer_real_over_cpu"]]
    if real_over_cpu:
        table.notes.append(
            f"Google Benchmark's real time / CPU time per process: {min(real_over_cpu):.3f} .. "
            f"{max(real_over_cpu):.3f} (1.00 = never descheduled; above that, its real-time figure includes "
            "time spent waiting for a CPU).")
    empty = [r for r in results if r["workload"] == "empty"]
    if empty:
        table.notes.append(
            f"empty: both tools run the core's empty loop (eight-fold unrolled, as perfbench's overhead "
            f"reference). Google Benchmark's figure ({P.fmt_ns(empty[0]['peer_ns'])}) is that loop's own cost "
            f"per iteration plus its fixed cost per run; perfbench reads {P.fmt_ns(empty[0]['perfbench_ns'])} "
            "after subtracting its fixed cost per sample. No ratio is formed.")
    if loop_cost is not None:
        noop = [r for r in results if r["workload"] == "py_noop"]
        extra = f" pyperf - perfbench for py_noop: {noop[0]['peer_ns'] - noop[0]['perfbench_ns']:.2f} ns." if noop else ""
        table.notes.append(
            f"An empty Python `for _ in range(n): pass` iteration (pyperf's loop) costs {loop_cost:.2f} ns here "
            f"(median of 3 processes); pyperf's per-call figure contains one per call.{extra}")
    report.tables.append(table)
    if code_table.rows:
        code_table.notes.append(
            "Both binaries link the same object code (perfbench_core, compiled once by CMake with "
            "-falign-functions=64). 'same instructions' compares every instruction's length, mnemonic and "
            "operands, with jump targets inside the function as offsets from its start; only the displacements "
            "of calls and data references that leave the function differ, as the two links place them apart.")
        report.tables.append(code_table)
    report.results = {"rows": results, "python_loop_iteration_ns": loop_cost,
                      "timed_code": [dict(zip(code_table.columns, row)) for row in code_table.rows]}
    report.finish()


if __name__ == "__main__":
    main()
