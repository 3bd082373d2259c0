"""perfbench's load generator beside wrk, both against nginx on loopback (both sides in one run).

On 2 cores the server, not the client, limits requests/s, so what is compared is the client's
**CPU time per request**: nginx (one worker, a 256 B file, keep-alive) is pinned to core 0
and each client to core 1 (``taskset``), and each client runs in a process of its own:

* wrk ``-t1 -cC -dD`` (closed loop: as fast as the server answers, the highest rate it reaches
  pinned to one core); its CPU time is the whole process's (``os.wait4``), its request count
  from its summary;
* perfbench ``load_test(closed=True)`` with the same connections and duration (the highest rate
  it reaches pinned to one core), and ``load_test(rate=R)`` open loop at 90 % of wrk's achieved
  rate in the same round; its CPU time is the process's ``getrusage`` across the ``load_test``
  call only (engine threads plus the Python thread polling the timeline; the interpreter's
  start-up is not the load generator's cost), and the engine threads' alone;
* the open loop again with ``realtime=True`` (engine thread under SCHED_FIFO): on a shared
  machine the default scheduler delays wake-ups by milliseconds, so its send lag says more
  about the neighbours than about the generator;
* the open loop again with the engine's send slack at 0 (every send woken for at its own
  intended time; ``load_test`` has no argument for it, so this row builds the same
  ``LoadTest`` with the engine setting ``send_slack_ns=0``): the cost the slack saves;
* the same with a new connection per request (wrk ``-H "Connection: close"``, perfbench
  ``keep_alive=False``).

Each round runs every client once, wrk first (the open loop's rate comes from it); ``--rounds``
rounds (default 3), and the table shows medians: CPU per request, rates, and each round's
ratio to that round's wrk. Beside them, what one sleep and wake-up of a thread costs in CPU on
core 1 (a bare 50 µs ``time.sleep``, no network): the unit the open loop's extra cost is made of.

    python benchmarks/load_vs_wrk.py [--duration 5] [--rounds 3] [--connections 32] [--json reports/load_vs_wrk.json]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from _loopback import nginx

# Run in a child process pinned to one core: prints the figures of one perfbench run as JSON.
# With "send_slack_ns" among the arguments, the LoadTest is built with that engine setting and
# polled the way load_test polls it (load_test itself has no argument for the slack).
PERFBENCH_CLIENT = """\
import json, resource, sys
import perfbench
from perfbench import _core
from perfbench.load.api import LoadTest
from perfbench.load.options import load_options
arguments = json.loads(sys.argv[1])
slack = arguments.pop("send_slack_ns", None)
before = resource.getrusage(resource.RUSAGE_SELF)
if slack is None:
    r = perfbench.load_test(sys.argv[2], **arguments)
else:
    test = LoadTest(load_options(sys.argv[2], **arguments))
    test._engine = _core.LoadEngine({**test.options.engine_config(), "send_slack_ns": slack})
    test.start()
    while not test.wait(0.1):
        test.timeline()
    r = test.result()
after = resource.getrusage(resource.RUSAGE_SELF)
cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
switches = (after.ru_nvcsw - before.ru_nvcsw) + (after.ru_nivcsw - before.ru_nivcsw)
print(json.dumps({"requests": r.counters["completed"], "errors": sum(r.errors.values()), "cpu_s": cpu,
                  "engine_cpu_s": sum(r.thread_cpu_s), "rate": r.achieved_rate, "wall_s": r.wall_s,
                  "context_switches": switches, "lag_p50_ns": r.lag_summary["p50"],
                  "lag_p99_ns": r.lag_summary["p99"], "lag_min_ns": r.lag.min if r.lag.count else None,
                  "verdict": r.verdict, "corrected_p99_ns": int(r.corrected.value_at_percentile(99)),
                  "uncorrected_p99_ns": int(r.uncorrected.value_at_percentile(99))}))
"""

# One thread sleeping 50 us at a time, pinned where the clients run: the CPU time charged per
# sleep and wake-up (on this VM a sleep/wake costs about as much as a request's own socket work).
SLEEP_WAKE_PROBE = """\
import json, resource, time
n = 20000
before = resource.getrusage(resource.RUSAGE_THREAD)
for _ in range(n):
    time.sleep(50e-6)
after = resource.getrusage(resource.RUSAGE_THREAD)
cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
print(json.dumps({"cpu_per_sleep_us": 1e6 * cpu / n, "switches_per_sleep": (after.ru_nvcsw - before.ru_nvcsw) / n}))
"""

WRK = "wrk (closed loop)"
CLOSED = "perfbench closed loop"
OPEN = "perfbench open loop"
REALTIME = "  the same, realtime=True"
NO_SLACK = "  the same, send slack 0"
MODES = ("keep-alive", "new connection per request")


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
            "context_switches": usage.ru_nvcsw + usage.ru_nivcsw,
            "errors": (sum(int(g) for g in errors.groups()) if errors else 0) + (int(non_2xx[1]) if non_2xx else 0)}


def run_perfbench(url: str, arguments: dict[str, object]) -> dict[str, float]:
    out = subprocess.run(["taskset", "-c", "1", sys.executable, "-c", PERFBENCH_CLIENT, json.dumps(arguments), url],
                         capture_output=True, text=True, check=True).stdout
    return json.loads(out)


def sleep_wake_cost() -> dict[str, float]:
    out = subprocess.run(["taskset", "-c", "1", sys.executable, "-c", SLEEP_WAKE_PROBE],
                         capture_output=True, text=True, check=True).stdout
    return json.loads(out)


def per_request_us(figures: dict[str, float], key: str = "cpu_s") -> float:
    return 1e6 * figures[key] / max(1, figures["requests"])


def one_round(url: str, connections: int, duration: int, number: int) -> list[dict[str, object]]:
    rows = []
    for new_connection in (False, True):
        mode = MODES[new_connection]
        common = {"connections": connections, "duration": duration, "keep_alive": not new_connection,
                  "timeout": "5s"}
        wrk = run_wrk(url, connections, duration, new_connection)
        open_rate = round(0.9 * wrk["rate"])
        runs = {WRK: wrk, CLOSED: run_perfbench(url, {**common, "closed": True}),
                OPEN: run_perfbench(url, {**common, "rate": open_rate}),
                REALTIME: run_perfbench(url, {**common, "rate": open_rate, "realtime": True}),
                NO_SLACK: run_perfbench(url, {**common, "rate": open_rate, "send_slack_ns": 0})}
        for client, figures in runs.items():
            rows.append({"round": number, "mode": mode, "client": client, **figures,
                         "target_rate": None if client in (WRK, CLOSED) else open_rate,
                         "cpu_per_request_us": per_request_us(figures),
                         "vs_wrk": per_request_us(figures) / per_request_us(wrk),
                         "context_switches_per_request": figures["context_switches"] / max(1, figures["requests"]),
                         "engine_cpu_per_request_us": per_request_us(figures, "engine_cpu_s")
                         if "engine_cpu_s" in figures else None})
    return rows


def summarise(rows: list[dict[str, object]]) -> list[dict[str, object]]:
    """Per mode and client: the medians over rounds (the ratio is each round's, then the median)."""
    summary = []
    for mode in MODES:
        for client in (WRK, CLOSED, OPEN, REALTIME, NO_SLACK):
            runs = [r for r in rows if r["mode"] == mode and r["client"] == client]
            median = lambda key: statistics.median(r[key] for r in runs)  # noqa: E731
            entry = {"mode": mode, "client": client, "rounds": len(runs), "rate": median("rate"),
                     "errors": sum(r["errors"] for r in runs), "cpu_per_request_us": median("cpu_per_request_us"),
                     "vs_wrk": median("vs_wrk"), "vs_wrk_each_round": [r["vs_wrk"] for r in runs],
                     "context_switches_per_request": median("context_switches_per_request")}
            if client != WRK:
                entry.update(engine_cpu_per_request_us=median("engine_cpu_per_request_us"),
                             lag_p99_ns=median("lag_p99_ns"), verdicts=[r["verdict"] for r in runs])
            if client not in (WRK, CLOSED):
                entry.update(target_rate=median("target_rate"), lag_p50_ns=median("lag_p50_ns"),
                             lag_min_ns=min(r["lag_min_ns"] for r in runs))
            summary.append(entry)
    return summary


def print_tables(summary: list[dict[str, object]], connections: int, duration: int, rounds: int,
                 sleep_wake: dict[str, float]) -> None:
    for mode in MODES:
        print(f"\n{mode}  (nginx on core 0, client on core 1, {connections} connections, {duration} s, "
              f"medians of {rounds} rounds)")
        print(f"  {'client':38} {'req/s':>9} {'errors':>7} {'CPU us/req':>11} {'vs wrk':>7} {'switches/req':>13}"
              f" {'engine us/req':>14}")
        for s in (s for s in summary if s["mode"] == mode):
            name = s["client"] + (f" at {s['target_rate']:.0f}/s" if s["client"] == OPEN else "")
            engine = f"{s['engine_cpu_per_request_us']:.2f}" if s.get("engine_cpu_per_request_us") else "-"
            ratios = ", ".join(f"{v:.2f}" for v in s["vs_wrk_each_round"])
            print(f"  {name:38} {s['rate']:9.0f} {s['errors']:7d} {s['cpu_per_request_us']:11.2f} "
                  f"{s['vs_wrk']:6.2f}x {s['context_switches_per_request']:13.3f} {engine:>14}"
                  + (f"  [{ratios}]" if s["client"] != WRK else "")
                  + (f"  lag p50/p99 {s['lag_p50_ns'] / 1e3:.0f}/{s['lag_p99_ns'] / 1e3:.0f} us, "
                     f"{'/'.join(sorted(set(s['verdicts'])))}" if "lag_p50_ns" in s else ""))
    figure = {(s["mode"], s["client"]): s for s in summary}
    print(f"\nHighest rate with the client pinned to one core (closed loop: as fast as nginx answers), "
          f"median of {rounds}:")
    print(f"  {'client':24} {'keep-alive':>12} {'new connection':>15}")
    for client, name in ((WRK, "wrk"), (CLOSED, "perfbench")):
        print(f"  {name:24} {figure[MODES[0], client]['rate']:10.0f}/s {figure[MODES[1], client]['rate']:13.0f}/s")
    print("\nClient CPU per request, perfbench / wrk (median of the rounds' ratios):")
    for label, mode, client in (("closed loop, keep-alive", MODES[0], CLOSED),
                                ("open loop, keep-alive", MODES[0], OPEN),
                                ("open loop, keep-alive, realtime", MODES[0], REALTIME),
                                ("open loop, keep-alive, send slack 0", MODES[0], NO_SLACK),
                                ("closed loop, new connection", MODES[1], CLOSED),
                                ("open loop, new connection", MODES[1], OPEN),
                                ("open loop, new connection, realtime", MODES[1], REALTIME)):
        print(f"  {label:38} {figure[mode, client]['vs_wrk']:.2f}x")
    print(f"\nOne sleep and wake-up of a thread on core 1 (50 us time.sleep, no network): "
          f"{sleep_wake['cpu_per_sleep_us']:.1f} us of CPU")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--json", type=Path, default=Path("reports/load_vs_wrk.json"))
    args = parser.parse_args()
    if args.duration < 1 or args.rounds < 1 or args.connections < 1:
        raise SystemExit(f"--duration, --rounds and --connections must be at least 1 "
                         f"(got {args.duration}, {args.rounds}, {args.connections})")
    for tool in ("wrk", "nginx", "taskset"):
        if shutil.which(tool) is None:
            raise SystemExit(f"{tool} is not installed (apt-get install wrk nginx util-linux)")
    rows: list[dict[str, object]] = []
    sleep_wake = sleep_wake_cost()
    with tempfile.TemporaryDirectory() as temp, nginx(Path(temp), 256, "0") as (_, url):
        for number in range(args.rounds):
            rows += one_round(url, args.connections, args.duration, number)
    summary = summarise(rows)
    print_tables(summary, args.connections, args.duration, args.rounds, sleep_wake)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    load = os.getloadavg()
    args.json.write_text(json.dumps({"duration_s": args.duration, "rounds": args.rounds,
                                     "connections": args.connections, "cpus": os.cpu_count(),
                                     "load_average_after": load, "sleep_wake": sleep_wake,
                                     "summary": summary, "rows": rows},
                                    indent=2) + "\n")


if __name__ == "__main__":
    main()
