"""Soak: does the load generator's memory stay flat over a long run at a steady rate?

An open loop at ``--rate`` (5,000 requests/s: modest, so the 2-core machine is not saturated and
the run measures memory, not contention) for ``--duration`` (10 minutes) against the built-in C++
loopback server (256 B, keep-alive). Three processes, so that each one's memory is its own:

* the server (perfbench.load.server.LoopbackServer) in a Python process of its own, on core 0;
* the generator (``perfbench.load_test``: the C++ engine plus the Python that polls its
  timeline) in another, on core 1, with ``realtime=True`` (the server is on the other core, so a
  SCHED_FIFO engine thread starves nobody, and the neighbours' load does not make the run
  generator-bound);
* this script, which samples both processes' RSS (psutil) once a second and nothing else.

Verdict **flat** when the generator's RSS at the end of the run (the last sample while it was
still sending) is within ±5 % of its RSS after the warm-up, else **growing** (or **shrinking**).
The warm-up is the first 10 % of the run (60 s of 10 minutes, never under 5 s): the engine
allocates its connections' buffers and its histograms in the first second, but the allocator's
arenas and the kernel's socket buffers reach their working size over the first seconds of
traffic, and a reference taken before that would read the settling as growth. What remains
after it is what grows with time: the timeline, one row a second (a few hundred bytes in C++
and in Python), which a 10-minute run must not turn into a trend. The series of both processes
is in the JSON, with the run's own figures (achieved rate, errors, verdict, corrected p99).

    python benchmarks/load_soak.py [--duration 10m] [--rate 5000] [--json reports/load_soak.json]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import psutil

from _loopback import pinned
from perfbench.load.server_process import ServerProcess
from perfbench.units import parse_duration

PINNED = (os.cpu_count() or 1) >= 2
SERVER_CPUS, CLIENT_CPUS = ("0", "1") if PINNED else (None, None)
FLAT_WITHIN = 0.05
WARM_UP_SHARE, WARM_UP_MIN_S = 0.10, 5.0

# The generator: says "started" as it starts the run, then prints its figures as JSON at the end.
GENERATOR = """\
import json, sys, perfbench
url, rate, duration = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
print("started", flush=True)
r = perfbench.load_test(url, rate=rate, duration=duration, connections=32, timeout="5s", realtime=True)
whole = [row["rate"] for row in r.timeline if not row["partial"]]
shortfall = r.target_shortfall
print(json.dumps({"verdict": r.verdict, "reasons": list(r.generator_bound or r.server_bound),
                  "achieved_rate": r.achieved_rate, "target_rate": r.target_rate,
                  "scheduled": r.counters["scheduled"], "completed": r.counters["completed"],
                  "errors": sum(r.errors.values()), "corrected_p99_ns": r.corrected.value_at_percentile(99),
                  "uncorrected_p99_ns": r.uncorrected.value_at_percentile(99), "lag_ns": r.lag_summary,
                  "window_rate_min": min(whole, default=None), "window_rate_max": max(whole, default=None),
                  "worst_window": shortfall.worst_window.to_dict() if shortfall.worst_window else None,
                  "timeline_rows": len(r.timeline), "thread_cpu_s": list(r.thread_cpu_s)}))
"""


def rss(process: psutil.Process) -> int | None:
    try:
        return process.memory_info().rss
    except psutil.NoSuchProcess:
        return None


def growth_verdict(reference: int, end: int) -> str:
    change = end / reference - 1
    if abs(change) <= FLAT_WITHIN:
        return "flat"
    return "growing" if change > 0 else "shrinking"


def sample_index(series: list[dict[str, float | int | None]], at_s: float) -> int:
    """The first sample at or after ``at_s`` (the last one if none is)."""
    return next((i for i, s in enumerate(series) if s["t_s"] >= at_s), len(series) - 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", default="10m", help="how long the generator sends (default 10m)")
    parser.add_argument("--rate", type=float, default=5000.0, help="requests/s (default 5000)")
    parser.add_argument("--json", type=Path, default=Path("reports/load_soak.json"))
    args = parser.parse_args()
    duration_s = parse_duration(args.duration)
    warm_up_s = max(WARM_UP_MIN_S, WARM_UP_SHARE * duration_s)

    with ServerProcess({"body_bytes": 256}, cpus=SERVER_CPUS) as server:
        generator = subprocess.Popen(pinned([sys.executable, "-c", GENERATOR, server.url("/bytes/256"),
                                             str(args.rate), str(duration_s)], CLIENT_CPUS),
                                     stdout=subprocess.PIPE, text=True)
        assert generator.stdout is not None
        assert generator.stdout.readline().strip() == "started"
        start = time.monotonic()
        watched = {"generator": psutil.Process(generator.pid), "server": psutil.Process(server.pid)}
        series: list[dict[str, float | int | None]] = []
        tick = 0
        while generator.poll() is None:
            series.append({"t_s": round(time.monotonic() - start, 3),
                           **{f"{name}_rss": rss(process) for name, process in watched.items()}})
            tick += 1
            time.sleep(max(0.0, start + tick - time.monotonic()))  # on a 1 s grid, not drifting
        figures = json.loads(generator.stdout.read())
        generator.stdout.close()

    sending = [s for s in series if s["t_s"] <= duration_s and s["generator_rss"] is not None]
    reference_at, end_at = sample_index(sending, warm_up_s), len(sending) - 1
    verdicts = {}
    for name in ("generator", "server"):
        reference, end = sending[reference_at][f"{name}_rss"], sending[end_at][f"{name}_rss"]
        verdicts[name] = {"rss_after_warm_up": reference, "rss_at_end": end, "change": end / reference - 1,
                          "rss_max": max(s[f"{name}_rss"] for s in sending), "verdict": growth_verdict(reference, end),
                          "rss_first": sending[0][f"{name}_rss"]}
    print(f"soak: {duration_s:g} s at {args.rate:g}/s (load average {os.getloadavg()[0]:.1f}); run verdict "
          f"{figures['verdict']}, achieved {figures['achieved_rate']:.1f}/s, {figures['errors']} errors")
    print(f"warm-up {warm_up_s:g} s (sample at {sending[reference_at]['t_s']:g} s); end at "
          f"{sending[end_at]['t_s']:g} s")
    for name, v in verdicts.items():
        print(f"  {name:9} RSS first {v['rss_first'] / 2**20:7.1f} MiB, after warm-up {v['rss_after_warm_up'] / 2**20:7.1f} "
              f"MiB, end {v['rss_at_end'] / 2**20:7.1f} MiB ({100 * v['change']:+.2f} %), max "
              f"{v['rss_max'] / 2**20:7.1f} MiB: {v['verdict']}")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps({
        "command": " ".join(["python", "benchmarks/load_soak.py", *sys.argv[1:]]),
        "duration_s": duration_s, "rate": args.rate, "warm_up_s": warm_up_s, "flat_within": FLAT_WITHIN,
        "pinned": {"server": SERVER_CPUS, "generator": CLIENT_CPUS}, "load_average_end": os.getloadavg(),
        "verdict": verdicts["generator"]["verdict"], "generator": verdicts["generator"], "server": verdicts["server"],
        "run": figures, "series": series}, indent=1) + "\n")


if __name__ == "__main__":
    main()
