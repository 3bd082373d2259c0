"""Truth under a stall: a server that answers nothing for 1 s in the middle of a 30 s run at
2,000 requests/s. The true latency of each request follows from the schedule: one intended at
t inside the stall [S, S + 1 s) waits S + 1 s - t, plus the server's ordinary response time;
every other request takes the ordinary time. Side by side, in one run:

* the truth's p99, p99.9 and max (from the schedule, plus the ordinary p50 measured outside the
  stall, so it is a slight under-estimate: the held requests are answered in a burst at the end);
* perfbench's corrected and uncorrected figures (open loop at 2,000/s, 64 connections);
* wrk's figures (closed loop, as fast as answered, 64 connections) against the same server.

The server is a small asyncio HTTP/1.1 server in its own process pinned to core 0 (the C++
loopback server's stall can replace it once that is on main); the clients run on core 1.

    python benchmarks/load_stall_truth.py [--duration 30] [--rate 2000] [--stall-at 10] [--json reports/load_stall_truth.json]
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np

from _loopback import free_port

# Holds every response due in [first request + stall_at, + 1 s) until the window ends.
SERVER = """\
import asyncio, sys, time
port, stall_at, stall_s = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3])
RESPONSE = b"HTTP/1.1 200 OK\\r\\nContent-Length: 256\\r\\n\\r\\n" + b"x" * 256
first = None
async def serve(reader, writer):
    global first
    try:
        while True:
            head = await reader.readuntil(b"\\r\\n\\r\\n")
            now = time.monotonic()
            if first is None:
                first = now
            start = first + stall_at
            if start <= now < start + stall_s:
                await asyncio.sleep(start + stall_s - now)
            writer.write(RESPONSE)
    except (asyncio.IncompleteReadError, ConnectionError):
        writer.close()
async def main():
    server = await asyncio.start_server(serve, "127.0.0.1", port, backlog=1024)
    print("ready", flush=True)
    async with server:
        await server.serve_forever()
asyncio.run(main())
"""

CLIENT = """\
import json, sys, perfbench
r = perfbench.load_test(sys.argv[1], rate=float(sys.argv[2]), duration=float(sys.argv[3]), connections=64,
                        timeout="10s", realtime=True)
outside = [row["corrected_p50"] for row in r.timeline if row["ok"]]
print(json.dumps({"corrected": {p: int(r.corrected.value_at_percentile(p)) for p in (50, 99, 99.9, 100)},
                  "uncorrected": {p: int(r.uncorrected.value_at_percentile(p)) for p in (50, 99, 99.9, 100)},
                  "ok": r.counters["ok"], "errors": sum(r.errors.values()), "verdict": r.verdict,
                  "lag_p99_ns": r.lag_summary["p99"], "realtime_threads": r.realtime_threads}))
"""

UNITS = {"us": 1e3, "ms": 1e6, "s": 1e9}


def start_server(stall_at: float) -> tuple[subprocess.Popen[str], str]:
    port = free_port()
    server = subprocess.Popen(["taskset", "-c", "0", sys.executable, "-c", SERVER, str(port), str(stall_at), "1.0"],
                              stdout=subprocess.PIPE, text=True)
    assert server.stdout is not None and server.stdout.readline().strip() == "ready"
    return server, f"http://127.0.0.1:{port}/"


def truth(rate: float, duration: float, stall_at: float, ordinary_ns: float) -> dict[float, float]:
    intended = np.arange(int(rate * duration)) / rate
    waited = np.where((intended >= stall_at) & (intended < stall_at + 1.0), stall_at + 1.0 - intended, 0.0)
    latencies = waited * 1e9 + ordinary_ns
    return {p: float(np.percentile(latencies, p, method="higher")) for p in (50, 99, 99.9, 100)}


def wrk_figures(url: str, duration: int) -> dict[str, object]:
    out = subprocess.run(["taskset", "-c", "1", "wrk", "-t1", "-c64", f"-d{duration}s", "--latency", url],
                         capture_output=True, text=True, check=True).stdout
    figures = {}
    for label, p in (("50%", 50), ("99%", 99)):
        value, unit = re.search(rf"^\s+{re.escape(label)}\s+([0-9.]+)(us|ms|s)\s*$", out, re.MULTILINE).groups()
        figures[p] = float(value) * UNITS[unit]
    value, unit = re.search(r"Latency\s+\S+\s+\S+\s+([0-9.]+)(us|ms|s)", out).groups()
    figures[100] = float(value) * UNITS[unit]
    requests = int(re.search(r"(\d+) requests in", out)[1])
    return {"latency_ns": figures, "requests": requests, "output": out}


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
    server, url = start_server(args.stall_at)
    try:
        out = subprocess.run(["taskset", "-c", "1", sys.executable, "-c", CLIENT, url, str(args.rate),
                              str(args.duration)], capture_output=True, text=True, check=True).stdout
        perfbench = json.loads(out)
    finally:
        server.terminate()
        server.wait()
    server, url = start_server(args.stall_at)
    try:
        wrk = wrk_figures(url, args.duration)
    finally:
        server.terminate()
        server.wait()
    ordinary = perfbench["corrected"]["50"]
    true = truth(args.rate, args.duration, args.stall_at, ordinary)
    rows = [("truth (from the schedule)", true),
            ("perfbench corrected", {float(k): v for k, v in perfbench["corrected"].items()}),
            ("perfbench uncorrected", {float(k): v for k, v in perfbench["uncorrected"].items()}),
            (f"wrk (closed loop, {wrk['requests'] / args.duration:.0f}/s)", wrk["latency_ns"])]
    print(f"1 s stall at {args.stall_at:g} s of a {args.duration} s run at {args.rate:g}/s "
          f"(perfbench: {perfbench['verdict']}, send lag p99 {perfbench['lag_p99_ns'] / 1e3:.0f} us)")
    print(f"  {'':32} {'p50':>12} {'p99':>12} {'p99.9':>12} {'max':>12}")
    for label, figures in rows:
        cells = [ms(figures[p]) if p in figures else f"{'-':>12}" for p in (50, 99, 99.9, 100)]
        print(f"  {label:32} " + " ".join(cells))
    for p in (99, 99.9, 100):
        print(f"  perfbench corrected p{p:g} / truth: {perfbench['corrected'][str(p) if p != 99.9 else '99.9'] / true[p]:.3f}")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps({"rate": args.rate, "duration_s": args.duration, "stall_at_s": args.stall_at,
                                     "truth_ns": {str(k): v for k, v in true.items()}, "perfbench": perfbench,
                                     "wrk": {"requests": wrk["requests"], "output": wrk["output"],
                                             "latency_ns": {str(k): v for k, v in wrk["latency_ns"].items()}}},
                                    indent=2) + "\n")


if __name__ == "__main__":
    main()
