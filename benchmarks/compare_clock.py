"""perfbench's clock against the system clocks: read cost, and TSC calibration accuracy.

    python benchmarks/compare_clock.py [--quick] [--json PATH] [--markdown PATH]

(a) Read cost. In each of several fresh processes perfbench.clock_info() times every
    clock read in that process (batches of 20,000 back-to-back reads timed against
    CLOCK_MONOTONIC_RAW, median batch of 15); each TSC flavour is divided by
    std::chrono::steady_clock::now's cost from the same process, and the median ratio over
    processes is reported. Goal (the issue's): <= 0.5x. The timing loop reads
    `lfence;rdtsc;lfence` at the start of a sample and `rdtscp;lfence` at the end; the bare
    `rdtsc` is listed because it is the instruction's own cost, but no measurement uses it.
    As an independent check, Google Benchmark times the same inline reads
    (gbench_workloads.cpp, clock/*), also in fresh processes.

(b) Calibration. In each fresh process a tick read is bracketed between two
    CLOCK_MONOTONIC reads (tightest bracket of 25), again after a 1 s sleep; the tick
    difference, converted with the ticks_per_ns perfbench calibrated at start-up (20 ms
    against CLOCK_MONOTONIC_RAW), is set against the CLOCK_MONOTONIC difference. Goal:
    disagreement <= 0.1 %. The same is done against CLOCK_MONOTONIC_RAW, the clock the
    calibration uses: CLOCK_MONOTONIC is slewed by NTP (up to 0.05 %), RAW is not, so the
    two columns separate calibration error from NTP slew.
"""

from __future__ import annotations

import statistics

import _peers as P

GOAL_READ_RATIO = 0.5
GOAL_DISAGREEMENT_PCT = 0.1

# What each read_costs entry of clock_info() is, matched on its label.
ROLES = (
    ("lfence;rdtsc;lfence", "tsc_start", "timing loop: start of every sample (also calibration, read_ticks)"),
    ("rdtscp", "tsc_stop", "timing loop: end of every sample"),
    ("unserialised", "tsc_raw", "nothing: the bare instruction, for reference"),
    ("isb;mrs;isb", "cntvct_start", "timing loop on aarch64"),
    ("steady_clock", "steady_clock", "reference (peers' clock in C++)"),
    ("MONOTONIC_RAW", "monotonic_raw", "calibration reference"),
)
GBENCH_NAMES = {"tsc_start": "clock/tsc_start", "tsc_stop": "clock/tsc_stop", "tsc_raw": "clock/tsc_raw",
                "steady_clock": "clock/steady_clock_now", "monotonic_raw": "clock/clock_gettime_monotonic_raw"}


def role_of(label: str) -> tuple[str, str]:
    for needle, key, role in ROLES:
        if needle in label:
            return key, role
    return label, "?"


def read_cost(report: P.Report, processes: int) -> None:
    per_process: list[dict[str, float]] = []
    labels: dict[str, str] = {}
    for i in range(processes):
        P.progress(f"clock read cost: perfbench process {i + 1}/{processes}")
        data, _ = P.run_worker("clock-costs")
        costs = {}
        for entry in data["read_costs"]:
            key, _ = role_of(entry["clock"])
            labels[key] = entry["clock"]
            costs[key] = entry["ns_per_read"]
        per_process.append(costs)

    # Google Benchmark on the same inline reads: one process per read per repetition, so
    # each figure is as fresh as perfbench's.
    binary = P.build_gbench()
    gbench: dict[str, list[float]] = {key: [] for key in GBENCH_NAMES}
    for i in range(processes):
        P.progress(f"clock read cost: Google Benchmark round {i + 1}/{processes}")
        for key, name in GBENCH_NAMES.items():
            try:
                gbench[key].append(P.run_gbench(binary, name, min_time=0.2)["mean_ns"])
            except P.PeerError:  # e.g. no TSC benchmarks compiled on aarch64
                pass

    table = P.Table(
        f"(a) clock read cost, ns per read and ratio to steady_clock::now in the same process "
        f"(median of {processes} fresh processes; goal <= {GOAL_READ_RATIO}x)",
        ["clock read", "used for", "perfbench ns", "ratio", "goal met", "GB ns", "GB ratio"])
    results = []
    for key in labels:
        ratios = [p[key] / p["steady_clock"] for p in per_process]
        ns = statistics.median(p[key] for p in per_process)
        ratio = statistics.median(ratios)
        gb_ns = statistics.median(gbench[key]) if gbench.get(key) else None
        gb_ratios = [a / b for a, b in zip(gbench.get(key, []), gbench["steady_clock"])]
        gb_ratio = statistics.median(gb_ratios) if gb_ratios else None
        is_reference = key == "steady_clock"
        met = None if is_reference or key == "monotonic_raw" else ratio <= GOAL_READ_RATIO
        table.add(labels[key], role_of(labels[key])[1], f"{ns:.2f}", P.fmt_ratio(ratio), P.yes_no(met),
                  "-" if gb_ns is None else f"{gb_ns:.2f}", P.fmt_ratio(gb_ratio))
        results.append({"key": key, "clock": labels[key], "ns_per_read_median": ns, "ratio_median": ratio,
                        "ratios": ratios, "ns_per_process": [p[key] for p in per_process],
                        "gbench_ns": gbench.get(key), "gbench_ratio_median": gb_ratio})
    if "tsc_start" in labels and "tsc_stop" in labels:
        # A sample pays one start and one stop read: that pair against two steady_clock reads.
        pair_ns = [p["tsc_start"] + p["tsc_stop"] for p in per_process]
        pair_ratio = statistics.median(n / (2 * p["steady_clock"]) for n, p in zip(pair_ns, per_process))
        gb_pair_ns = [a + b for a, b in zip(gbench["tsc_start"], gbench["tsc_stop"])]
        gb_pair_ratio = (statistics.median(n / (2 * c) for n, c in zip(gb_pair_ns, gbench["steady_clock"]))
                         if gb_pair_ns else None)
        table.add("start + stop pair", "what each timed sample pays", f"{statistics.median(pair_ns):.2f}",
                  P.fmt_ratio(pair_ratio), P.yes_no(pair_ratio <= GOAL_READ_RATIO),
                  f"{statistics.median(gb_pair_ns):.2f}" if gb_pair_ns else "-", P.fmt_ratio(gb_pair_ratio))
        results.append({"key": "tsc_pair", "ns_per_pair_median": statistics.median(pair_ns),
                        "ratio_to_two_steady_reads_median": pair_ratio, "gbench_ratio_median": gb_pair_ratio})
    table.notes.append(
        "The timing loop reads the serialised start read before and the serialised end read after each "
        "sample; 'goal met' for those rows is the figure that counts. The unserialised rdtsc is what the "
        "instruction costs alone; perfbench never times with it.")
    if report.env_before["kernel_clocksource"] == "tsc":
        table.notes.append(
            "The kernel's clocksource here is 'tsc': steady_clock::now is a vDSO clock_gettime that itself "
            "reads the TSC with an ordering barrier (rdtscp or lfence;rdtsc) and scales it, so a serialised "
            "TSC read costs most of what steady_clock::now costs.")
    table.notes.append("GB = Google Benchmark timing the same inline read once per iteration "
                       "(gbench_workloads.cpp clock/*, min_time 0.2 s, real time per iteration).")
    report.tables.append(table)
    report.results["read_cost"] = results


def calibration(report: P.Report, processes: int) -> None:
    runs = []
    for i in range(processes):
        P.progress(f"TSC vs CLOCK_MONOTONIC over 1 s: process {i + 1}/{processes}")
        data, _ = P.run_worker("tsc-vs-monotonic", "--seconds", "1")
        runs.append(data)
    table = P.Table(
        f"(b) TSC ticks (converted with perfbench's calibration) vs the kernel clock over a 1 s sleep, "
        f"in ppm ({processes} fresh processes; goal |disagreement| <= {GOAL_DISAGREEMENT_PCT} % = "
        f"{GOAL_DISAGREEMENT_PCT * 1e4:.0f} ppm)",
        ["reference clock", "median ppm", "max |ppm|", "goal met", "bracket uncertainty ppm", "per process ppm"])
    results = {}
    for name, label in (("monotonic", "CLOCK_MONOTONIC"), ("monotonic_raw", "CLOCK_MONOTONIC_RAW")):
        pcts = [r[name]["disagreement_pct"] for r in runs]
        worst = max(abs(p) for p in pcts)
        table.add(label, f"{statistics.median(pcts) * 1e4:+.3f}", f"{worst * 1e4:.3f}",
                  P.yes_no(worst <= GOAL_DISAGREEMENT_PCT),
                  f"{statistics.median(r[name]['bracket_uncertainty_pct'] for r in runs) * 1e4:.3f}",
                  " ".join(f"{p * 1e4:+.3f}" for p in pcts))
        results[name] = {"disagreement_pct": pcts, "median_pct": statistics.median(pcts), "max_abs_pct": worst,
                         "runs": [r[name] for r in runs]}
    results["ticks_per_ns"] = [r["ticks_per_ns"] for r in runs]
    tpn = results["ticks_per_ns"]
    table.notes.append(
        f"Disagreement = (ticks / ticks_per_ns - reference ns) / reference ns. ticks_per_ns across "
        f"processes: {min(tpn):.6f} .. {max(tpn):.6f} (spread {(max(tpn) - min(tpn)) / statistics.median(tpn) * 1e6:.3f} ppm).")
    if report.env_before["kernel_clocksource"] == "tsc":
        table.notes.append(
            "The kernel's clocksource here is 'tsc': CLOCK_MONOTONIC(_RAW) are themselves computed from the "
            "TSC, so this checks perfbench's conversion of ticks to ns (calibration), not the TSC against an "
            "independent oscillator.")
    report.tables.append(table)
    report.results["calibration"] = results


def main() -> None:
    args = P.common_parser(__doc__.split("\n\n")[0]).parse_args()
    report = P.Report("compare_clock", args)
    processes = 3 if args.quick else 9
    read_cost(report, processes)
    calibration(report, 3 if args.quick else 7)
    report.finish()


if __name__ == "__main__":
    main()
