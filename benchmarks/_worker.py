"""One measurement in a fresh process; prints one JSON object on stdout.

The comparison scripts start this file once per measurement so that perfbench, like the
peers it is compared with, starts from a cold process every time (new hash seed, new
address-space layout, new clock calibration). Not meant to be run by hand, but it can be:

    python benchmarks/_worker.py perfbench-workload add_chain_8 --budget 0.5
    python benchmarks/_worker.py perfbench-python py_noop --budget 0.5
    python benchmarks/_worker.py perfbench-runner workload memcpy_1MiB --budget 0.2 --processes 3
    python benchmarks/_worker.py timeit py_noop --repeat 5
    python benchmarks/_worker.py clock-costs
    python benchmarks/_worker.py tsc-vs-monotonic --seconds 1
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
import timeit
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np  # noqa: E402

import perfbench  # noqa: E402
from perfbench import _core  # noqa: E402
from _pyworkloads import make  # noqa: E402


def _measurement_fields(m: perfbench.Measurement, measure_seconds: float) -> dict:
    samples = np.asarray(m.samples_ns)
    # np.median is what Measurement.median reports (numpy's default interpolation); taking
    # it directly skips the bootstrap CI, which nothing here needs.
    return {
        "median_ns": float(np.median(samples)),
        "mean_ns": float(samples.mean()),
        "n_samples": int(samples.size),
        "iterations_per_sample": m.iterations_per_sample,
        "overhead_ns": m.overhead_ns,
        "overhead_subtracted": m.overhead_subtracted,
        "measurement_wall_seconds": m.wall_seconds,  # what perfbench says it spent
        "call_seconds": measure_seconds,  # the measure call as seen from Python
    }


def perfbench_workload(args: argparse.Namespace) -> dict:
    options = perfbench.SamplingOptions(budget_seconds=args.budget)
    _core.clock_info()  # select and calibrate the clock (per-process set-up) before timing the call
    began = time.perf_counter()
    m = perfbench.measure_workload(args.name, options=options)
    return _measurement_fields(m, time.perf_counter() - began)


def perfbench_python(args: argparse.Namespace) -> dict:
    fn, fn_args = make(args.name)
    _core.clock_info()
    began = time.perf_counter()
    m = perfbench.measure(fn, *fn_args, budget=args.budget, subtract_overhead=not args.no_subtract)
    return _measurement_fields(m, time.perf_counter() - began)


def perfbench_runner(args: argparse.Namespace) -> dict:
    """What ``python -m perfbench run --processes K --iterations K --budget B`` does for one
    benchmark, through the runner API (no store, no reports): K fresh worker processes, one
    counted iteration each, samples pooled. The median of the pooled samples is the figure."""
    from perfbench.execution.runner import results_of, run_benchmarks
    from perfbench.definition.suite import BenchmarkDefinition, PythonTarget, WorkloadTarget

    if args.kind == "workload":
        target = WorkloadTarget(args.name)
    else:
        target = PythonTarget(str(Path(__file__).resolve().with_name("_pyworkload_targets.py")), args.name)
    definition = BenchmarkDefinition(name=args.name, lane="compare", target=target, iterations=args.processes,
                                     processes=args.processes,
                                     sampling=perfbench.SamplingOptions(budget_seconds=args.budget))
    began = time.perf_counter()
    (result,) = results_of(run_benchmarks([definition]))
    spent = time.perf_counter() - began
    if result.failure is not None:
        raise SystemExit(f"{args.name}: {result.failure.message}\n{result.failure.detail}")
    out = _measurement_fields(result.measurement, spent)
    out["process_medians_ns"] = [float(np.median(r.measurement.samples_ns)) for r in result.counted_iterations]
    out["processes"] = args.processes
    return out


def timeit_python(args: argparse.Namespace) -> dict:
    # timeit's own protocol: autorange() picks `number` so one repeat lasts >= 0.2 s, then
    # repeat() times `number` calls `repeat` times. `python -m timeit` reports the best
    # (minimum) repeat; the median is reported too so it can be set against medians.
    fn, fn_args = make(args.name)
    timer = timeit.Timer(fn) if not fn_args else timeit.Timer(lambda: fn(*fn_args))
    began = time.perf_counter()
    number, _ = timer.autorange()
    totals = timer.repeat(repeat=args.repeat, number=number)
    spent = time.perf_counter() - began
    per_loop = [t / number * 1e9 for t in totals]
    return {
        "median_ns": statistics.median(per_loop),
        "best_ns": min(per_loop),
        "per_loop_ns": per_loop,
        "number": number,
        "repeat": args.repeat,
        "call_seconds": spent,
    }


def clock_costs(args: argparse.Namespace) -> dict:
    # perfbench.clock_info() measures every clock's read cost in this process, on demand.
    info = perfbench.clock_info()
    return {"source": info["source"], "ticks_per_ns": info["ticks_per_ns"],
            "resolution_ns": info["resolution_ns"], "read_costs": info["read_costs"]}


def _bracketed_tick_read(reference, tries: int) -> dict:
    """A tick read between two reference-clock reads; the tightest bracket of `tries`.

    Its midpoint is the reference time of the tick read, uncertain by half the width.
    """
    best = None
    for _ in range(tries):
        r0 = reference()
        ticks = _core.read_ticks()
        r1 = reference()
        if best is None or r1 - r0 < best["width_ns"]:
            best = {"width_ns": r1 - r0, "ticks": ticks, "mid_ns": (r0 + r1) / 2}
    return best


def tsc_vs_monotonic(args: argparse.Namespace) -> dict:
    info = _core.clock_info()  # the calibration only; perfbench.clock_info() adds read costs
    ticks_per_ns = info["ticks_per_ns"]  # the calibration every measurement uses
    references = {"monotonic": _core.monotonic_ns, "monotonic_raw": _core.monotonic_raw_ns}
    before = {name: _bracketed_tick_read(read, args.tries) for name, read in references.items()}
    time.sleep(args.seconds)
    after = {name: _bracketed_tick_read(read, args.tries) for name, read in references.items()}
    out = {"source": info["source"], "ticks_per_ns": ticks_per_ns, "seconds": args.seconds}
    for name in references:
        a, b = before[name], after[name]
        reference_ns = b["mid_ns"] - a["mid_ns"]
        clock_ns = (b["ticks"] - a["ticks"]) / ticks_per_ns
        out[name] = {
            "reference_ns": reference_ns,
            "ticks_as_ns": clock_ns,
            "disagreement_pct": (clock_ns - reference_ns) / reference_ns * 100.0,
            # the error the brackets alone could explain
            "bracket_uncertainty_pct": (a["width_ns"] + b["width_ns"]) / 2 / reference_ns * 100.0,
            "bracket_widths_ns": [a["width_ns"], b["width_ns"]],
        }
    return out


def python_loop_cost(args: argparse.Namespace) -> dict:
    # What a Python-level timing loop costs per iteration with an empty body; perfbench's
    # loop is C++ and subtracted, the peers' are Python and not. Two shapes: pyperf and
    # pytest-benchmark iterate a range (a new int object per iteration past 256), timeit
    # iterates itertools.repeat(None, n) (no object created).
    out = {}
    for key, setup in (("range_ns", f"it = range({args.loops})"),
                       ("repeat_ns", f"import itertools; it = itertools.repeat(None, {args.loops})")):
        totals = timeit.Timer("for _ in it: pass", setup=setup).repeat(repeat=7, number=1)
        out[key] = statistics.median(totals) / args.loops * 1e9
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("perfbench-workload")
    p.add_argument("name")
    p.add_argument("--budget", type=float, default=0.5)
    p.set_defaults(run=perfbench_workload)
    p = sub.add_parser("perfbench-python")
    p.add_argument("name")
    p.add_argument("--budget", type=float, default=0.5)
    p.add_argument("--no-subtract", action="store_true")
    p.set_defaults(run=perfbench_python)
    p = sub.add_parser("perfbench-runner")
    p.add_argument("kind", choices=("workload", "python"))
    p.add_argument("name")
    p.add_argument("--budget", type=float, default=0.5, help="per process")
    p.add_argument("--processes", type=int, default=1)
    p.set_defaults(run=perfbench_runner)
    p = sub.add_parser("timeit")
    p.add_argument("name")
    p.add_argument("--repeat", type=int, default=5)
    p.set_defaults(run=timeit_python)
    p = sub.add_parser("clock-costs")
    p.set_defaults(run=clock_costs)
    p = sub.add_parser("tsc-vs-monotonic")
    p.add_argument("--seconds", type=float, default=1.0)
    p.add_argument("--tries", type=int, default=25)
    p.set_defaults(run=tsc_vs_monotonic)
    p = sub.add_parser("python-loop-cost")
    p.add_argument("--loops", type=int, default=1_000_000)
    p.set_defaults(run=python_loop_cost)
    args = parser.parse_args()
    result = args.run(args)
    result["perfbench_version"] = perfbench.__version__
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
