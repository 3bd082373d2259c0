"""Does the load generator keep its schedule? Open loop at 1k, 10k and 50k requests/s against
the built-in C++ loopback server (256 B, keep-alive), each rate with the default scheduler and
with ``realtime=True`` (SCHED_FIFO engine threads), side by side in one job.

Per run, over its whole 1 s windows:

* the largest deviation of the requests scheduled per window from the target (the schedule
  itself);
* the largest deviation of the requests completed per window from the target (the goal:
  within ±0.5 % in every window, or the run says generator-bound);
* the send lag (actual minus intended send time) p50 / p99 / max (goal: p99 <= 50 µs at 10k/s);
* the run's verdict (valid, or invalid: generator-bound, with why).

The server and the generator share this machine's 2 cores, so at 50k/s the server may be
what limits the rate; the verdict and the completions say which.

    python benchmarks/load_schedule_accuracy.py [--duration 5] [--json reports/load_schedule_accuracy.json]
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

import perfbench
from perfbench.load.server import LoopbackServer

RATES = ((1_000, 1), (10_000, 1), (50_000, 2))  # (requests/s, engine threads)


def one_run(url: str, rate: int, threads: int, realtime: bool, duration: float) -> dict[str, object]:
    result = perfbench.load_test(url, rate=rate, duration=f"{duration}s", connections=64, threads=threads,
                                 realtime=realtime, timeout="5s")
    whole = [row for row in result.timeline if row["span_s"] == 1.0]
    scheduled = [row["scheduled"] for row in whole]
    completed = [row["rate"] for row in whole]
    lag = result.lag_summary
    return {
        "rate": rate, "threads": threads, "realtime": realtime, "windows": len(whole),
        "scheduled_max_deviation": max((abs(s - rate) / rate for s in scheduled), default=None),
        "completed_max_deviation": max((abs(c - rate) / rate for c in completed), default=None),
        "lag_p50_us": lag["p50"] / 1e3, "lag_p99_us": lag["p99"] / 1e3, "lag_max_us": lag["max"] / 1e3,
        "verdict": result.verdict, "errors": sum(result.errors.values()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, default=5.0, help="seconds per run")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    rows = []
    with LoopbackServer(threads=1) as server:
        url = server.url("/bytes/256")
        for rate, threads in RATES:
            for realtime in (False, True):
                rows.append(one_run(url, rate, threads, realtime, args.duration))
    print(f"load average {os.getloadavg()[0]:.1f}; {args.duration:g} s per run; deviations are the worst 1 s window")
    print(f"{'rate/s':>8} {'realtime':>8} {'scheduled':>10} {'completed':>10} {'lag p50':>9} {'lag p99':>9} "
          f"{'lag max':>9}  verdict")
    for row in rows:
        print(f"{row['rate']:>8} {str(row['realtime']):>8} {100 * row['scheduled_max_deviation']:>9.2f}% "
              f"{100 * row['completed_max_deviation']:>9.2f}% {row['lag_p50_us']:>7.1f}µs {row['lag_p99_us']:>7.1f}µs "
              f"{row['lag_max_us']:>7.0f}µs  {row['verdict']}")
    if args.json:
        args.json.write_text(json.dumps({"duration_s": args.duration, "load_average": os.getloadavg()[0],
                                         "runs": rows}, indent=2) + "\n")


if __name__ == "__main__":
    main()
