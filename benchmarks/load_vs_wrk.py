"""perfbench's load generator beside wrk, both against nginx on loopback (both sides in one run).

On 2 cores the server, not the client, limits requests/s, so what is compared is the client's
**CPU time per request**: nginx (one worker, a 256 B file, keep-alive) is pinned to core 0
and each client to core 1 (``taskset``), and each client runs in a process of its own:

* wrk ``-t1 -cC -dD`` (closed loop: as fast as the server answers); its CPU time is the whole
  process's (``os.wait4``), its request count from its summary;
* perfbench ``load_test(closed=True)`` with the same connections and duration (the highest rate
  it reaches on one core), and ``load_test(rate=R)`` open loop at 90 % of wrk's achieved rate;
  its CPU time is the process's ``getrusage`` across the ``load_test`` call only (engine
  threads plus the Python thread polling the timeline; the interpreter's start-up is not the
  load generator's cost), and the engine threads' alone;
* the open loop again with ``realtime=True`` (engine thread under SCHED_FIFO): on a shared
  machine the default scheduler delays wake-ups by milliseconds, so its send lag says more
  about the neighbours than about the generator;
* the same with a new connection per request (wrk ``-H "Connection: close"``, perfbench
  ``keep_alive=False``).

    python benchmarks/load_vs_wrk.py [--duration 5] [--connections 32] [--json reports/load_vs_wrk.json]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from _loopback import nginx

# Run in a child process pinned to one core: prints the figures of one perfbench run as JSON.
PERFBENCH_CLIENT = """\
import json, resource, sys
import perfbench
arguments = json.loads(sys.argv[1])
before = resource.getrusage(resource.RUSAGE_SELF)
r = perfbench.load_test(sys.argv[2], **arguments)
after = resource.getrusage(resource.RUSAGE_SELF)
cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
print(json.dumps({"requests": r.counters["completed"], "errors": sum(r.errors.values()), "cpu_s": cpu,
                  "engine_cpu_s": sum(r.thread_cpu_s), "rate": r.achieved_rate, "wall_s": r.wall_s,
                  "lag_p99_ns": r.lag_summary["p99"], "verdict": r.verdict,
                  "corrected_p99_ns": int(r.corrected.value_at_percentile(99)),
                  "uncorrected_p99_ns": int(r.uncorrected.value_at_percentile(99))}))
"""


def run_wrk(url: str, connections: int, duration: int, new_connection: bool) -> dict[str, float]:
    command = ["taskset", "-c", "1", "wrk", "-t1", f"-c{connections}", f"-d{duration}s", "--latency", url]
    if new_connection:
        command[-1:-1] = ["-H", "Connection: close"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    out = process.stdout.read()  # type: ignore[union-attr]
    _pid, _status, usage = os.wait4(process.pid, 0)
    requests = int(re.search(r"(\d+) requests in", out)[1])  # type: ignore[index]
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"requests": requests, "cpu_s": usage.ru_utime + usage.ru_stime, "rate": requests / duration,
            "errors": (sum(int(g) for g in errors.groups()) if errors else 0) + (int(non_2xx[1]) if non_2xx else 0)}


def run_perfbench(url: str, arguments: dict[str, object]) -> dict[str, float]:
    out = subprocess.run(["taskset", "-c", "1", sys.executable, "-c", PERFBENCH_CLIENT, json.dumps(arguments), url],
                         capture_output=True, text=True, check=True).stdout
    return json.loads(out)


def per_request_us(figures: dict[str, float], key: str = "cpu_s") -> float:
    return 1e6 * figures[key] / max(1, figures["requests"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=5)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--json", type=Path, default=Path("reports/load_vs_wrk.json"))
    args = parser.parse_args()
    for tool in ("wrk", "nginx", "taskset"):
        if shutil.which(tool) is None:
            raise SystemExit(f"{tool} is not installed (apt-get install wrk nginx util-linux)")
    rows = []
    with tempfile.TemporaryDirectory() as temp, nginx(Path(temp), 256, "0") as (_, url):
        for new_connection in (False, True):
            mode = "new connection per request" if new_connection else "keep-alive"
            common = {"connections": args.connections, "duration": args.duration, "keep_alive": not new_connection}
            wrk = run_wrk(url, args.connections, args.duration, new_connection)
            closed = run_perfbench(url, {**common, "closed": True, "timeout": "5s"})
            open_rate = round(0.9 * wrk["rate"])
            opened = run_perfbench(url, {**common, "rate": open_rate, "timeout": "5s"})
            realtime = run_perfbench(url, {**common, "rate": open_rate, "timeout": "5s", "realtime": True})
            for client, figures in (("wrk (closed loop)", wrk), ("perfbench closed loop", closed),
                                    (f"perfbench open loop at {open_rate}/s", opened),
                                    (f"  the same, realtime=True", realtime)):
                rows.append({"mode": mode, "client": client, **figures,
                             "cpu_per_request_us": per_request_us(figures),
                             "engine_cpu_per_request_us": per_request_us(figures, "engine_cpu_s")
                             if "engine_cpu_s" in figures else None})
    for mode in ("keep-alive", "new connection per request"):
        wrk_cpu = next(r["cpu_per_request_us"] for r in rows if r["mode"] == mode and r["client"].startswith("wrk"))
        print(f"\n{mode}  (nginx on core 0, client on core 1, {args.connections} connections, {args.duration} s)")
        print(f"  {'client':36} {'req/s':>9} {'errors':>7} {'CPU us/req':>11} {'vs wrk':>7} {'engine us/req':>14}")
        for r in (r for r in rows if r["mode"] == mode):
            engine = f"{r['engine_cpu_per_request_us']:.2f}" if r["engine_cpu_per_request_us"] else "-"
            print(f"  {r['client']:36} {r['rate']:9.0f} {r['errors']:7d} {r['cpu_per_request_us']:11.2f} "
                  f"{r['cpu_per_request_us'] / wrk_cpu:6.2f}x {engine:>14}"
                  + (f"  lag p99 {r['lag_p99_ns'] / 1e3:.0f} us, {r['verdict']}" if "verdict" in r else ""))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps({"duration_s": args.duration, "connections": args.connections,
                                     "cpus": os.cpu_count(), "rows": rows}, indent=2) + "\n")


if __name__ == "__main__":
    main()
