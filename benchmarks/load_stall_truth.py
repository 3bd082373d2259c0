"""Truth under a stall: the built-in C++ loopback server answers nothing for 1 s in the middle of
a 30 s run at 2,000 requests/s (its stall fault: requests are read, their responses held until
the stall ends, then all sent). The true latency of each request follows from the schedule: one
intended at t inside the stall [S, S + 1 s) waits S + 1 s - t, plus the server's ordinary
response time; every other request takes the ordinary time. Where S falls does not change the
distribution, only that the whole stall is inside the run. Side by side, in one job:

* the truth's p50, p99, p99.9 and max (from the schedule, plus the ordinary time: perfbench's
  corrected p50, measured on the same run; a slight under-estimate, since the held responses
  leave in one burst at the stall's end);
* perfbench's corrected and uncorrected figures (open loop at 2,000/s, 64 connections, realtime
  engine thread), and their ratios to the truth (goal: corrected within 5 %);
* wrk's figures (closed loop, as fast as answered, 64 connections; wrk prints no p99.9) against
  the same server process with the same stall.

The server runs in a process of its own pinned to core 0, the clients on core 1. The stall is
set as each client starts: ``--stall-at`` seconds into its run.

    python benchmarks/load_stall_truth.py [--duration 30] [--rate 2000] [--stall-at 10] [--json reports/load_stall_truth.json]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np

from _loopback import pinned
from perfbench.load.server_process import ServerProcess

PERCENTILES = (50, 99, 99.9, 100)
STALL_S = 1.0
SERVER_CPUS, CLIENT_CPUS = "0", "1"

# The client says "started" once its run has started, so that the stall is set then.
CLIENT = """\
import json, sys, perfbench
url, rate, duration = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
test = perfbench.start_load_test(url, rate=rate, duration=duration, connections=64, timeout="10s", realtime=True)
print("started", flush=True)
while not test.wait(1.0):
    pass
r = test.result()
percentiles = (50, 99, 99.9, 100)
stalled = min((row for row in r.timeline if not row["partial"]), key=lambda row: row["completed"])
print(json.dumps({"corrected": {p: int(r.corrected.value_at_percentile(p)) for p in percentiles},
                  "uncorrected": {p: int(r.uncorrected.value_at_percentile(p)) for p in percentiles},
                  "ok": r.counters["ok"], "scheduled": r.counters["scheduled"], "errors": sum(r.errors.values()),
                  "verdict": r.verdict, "generator_bound": list(r.generator_bound),
                  "server_bound": list(r.server_bound), "lag_p99_ns": r.lag_summary["p99"],
                  "realtime_threads": r.realtime_threads, "stalled_second": stalled["second"],
                  "stalled_second_completed": stalled["completed"]}))
"""

UNITS = {"us": 1e3, "ms": 1e6, "s": 1e9}


def perfbench_figures(server: ServerProcess, rate: float, duration: int, stall_at: float) -> dict[str, object]:
    client = subprocess.Popen(pinned([sys.executable, "-c", CLIENT, server.url("/bytes/256"), str(rate),
                                      str(duration)], CLIENT_CPUS), stdout=subprocess.PIPE, text=True)
    assert client.stdout is not None
    assert client.stdout.readline().strip() == "started"
    server.stall(STALL_S, after=stall_at)
    out, _ = client.communicate(timeout=duration + 120)
    if client.returncode != 0:
        raise SystemExit(f"the perfbench client failed (exit {client.returncode})")
    figures = json.loads(out)
    for kind in ("corrected", "uncorrected"):
        figures[kind] = {float(p): v for p, v in figures[kind].items()}
    return figures


def wrk_figures(server: ServerProcess, duration: int, stall_at: float) -> dict[str, object]:
    server.stall(STALL_S, after=stall_at)  # wrk starts within milliseconds of this
    out = subprocess.run(pinned(["wrk", "-t1", "-c64", f"-d{duration}s", "--latency", server.url("/bytes/256")],
                                CLIENT_CPUS), capture_output=True, text=True, check=True).stdout
    figures = {}
    for label, p in (("50%", 50), ("99%", 99)):
        value, unit = re.search(rf"^\s+{re.escape(label)}\s+([0-9.]+)(us|ms|s)\s*$", out, re.MULTILINE).groups()
        figures[float(p)] = float(value) * UNITS[unit]
    value, unit = re.search(r"Latency\s+\S+\s+\S+\s+([0-9.]+)(us|ms|s)", out).groups()
    figures[100.0] = float(value) * UNITS[unit]
    requests = int(re.search(r"(\d+) requests in", out)[1])
    return {"latency_ns": figures, "requests": requests, "output": out}


def truth(rate: float, duration: float, stall_at: float, ordinary_ns: float) -> dict[float, float]:
    intended = np.arange(int(rate * duration)) / rate
    in_stall = (intended >= stall_at) & (intended < stall_at + STALL_S)
    waited = np.where(in_stall, stall_at + STALL_S - intended, 0.0)
    latencies = waited * 1e9 + ordinary_ns
    return {float(p): float(np.percentile(latencies, p, method="higher")) for p in PERCENTILES}


def ms(ns: float) -> str:
    return f"{ns / 1e6:9.3f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=30)
    parser.add_argument("--rate", type=float, default=2000)
    parser.add_argument("--stall-at", type=float, default=10.0)
    parser.add_argument("--json", type=Path, default=Path("reports/load_stall_truth.json"))
    args = parser.parse_args()
    if shutil.which("wrk") is None or shutil.which("taskset") is None:
        raise SystemExit("needs wrk and taskset (apt-get install wrk util-linux)")
    if not 0 < args.stall_at < args.duration - STALL_S:
        raise SystemExit(f"--stall-at {args.stall_at:g}: the 1 s stall must lie inside the {args.duration} s run")
    with ServerProcess({"body_bytes": 256}, cpus=SERVER_CPUS) as server:
        perfbench = perfbench_figures(server, args.rate, args.duration, args.stall_at)
        wrk = wrk_figures(server, args.duration, args.stall_at)
    true = truth(args.rate, args.duration, args.stall_at, perfbench["corrected"][50.0])
    rows = [("truth (from the schedule)", true), ("perfbench corrected", perfbench["corrected"]),
            ("perfbench uncorrected", perfbench["uncorrected"]),
            (f"wrk (closed loop, {wrk['requests'] / args.duration:.0f}/s)", wrk["latency_ns"])]
    print(f"1 s stall of the C++ loopback server (one process, both clients) at {args.stall_at:g} s of a {args.duration} s run at "
          f"{args.rate:g}/s; load average {os.getloadavg()[0]:.1f}")
    print(f"perfbench: {perfbench['ok']} ok of {perfbench['scheduled']}, {perfbench['errors']} errors, verdict "
          f"{perfbench['verdict']}, send lag p99 {perfbench['lag_p99_ns'] / 1e3:.0f} us; fewest responses in a whole "
          f"second: {perfbench['stalled_second_completed']} in second {perfbench['stalled_second']}")
    print(f"  {'':32} {'p50':>12} {'p99':>12} {'p99.9':>12} {'max':>12}")
    for label, figures in rows:
        cells = [ms(figures[float(p)]) if float(p) in figures else f"{'-':>12}" for p in PERCENTILES]
        print(f"  {label:32} " + " ".join(cells))
    ratios = {p: perfbench["corrected"][float(p)] / true[float(p)] for p in (99, 99.9, 100)}
    for p, ratio in ratios.items():
        print(f"  perfbench corrected p{p:g} / truth: {ratio:.3f}")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps({
        "command": " ".join(["python", "benchmarks/load_stall_truth.py", *sys.argv[1:]]),
        "server": "perfbench C++ LoopbackServer (stall fault), own process on core 0; clients on core 1",
        "rate": args.rate, "duration_s": args.duration, "stall_at_s": args.stall_at, "stall_s": STALL_S,
        "truth_ns": {str(k): v for k, v in true.items()},
        "perfbench": {**perfbench, "corrected": {str(k): v for k, v in perfbench["corrected"].items()},
                      "uncorrected": {str(k): v for k, v in perfbench["uncorrected"].items()},
                      "corrected_over_truth": {str(k): v for k, v in ratios.items()}},
        "wrk": {"requests": wrk["requests"], "output": wrk["output"],
                "latency_ns": {str(k): v for k, v in wrk["latency_ns"].items()}}}, indent=2) + "\n")


if __name__ == "__main__":
    main()
