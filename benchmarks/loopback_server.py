"""How fast is the built-in loopback HTTP server (cpp/src/http_server.cpp) next to nginx?

A sanity figure for the server the load tests aim at (issue 12): `wrk -t1 -c32` runs of
``--seconds`` each against each server in turn, A B B A (``--rounds`` times), 256 B bodies: the
built-in server's ``/bytes/256`` (1 worker thread, in its own Python process) and a 256 B static
file from nginx (1 worker process, a config written to a temp dir, access log off, keep-alive
without a request limit). Two loads: keep-alive, and a new connection per request
(``Connection: close`` on every request, which wrk honours by reconnecting).

With 2 or more CPUs the server is pinned to CPU 0 and wrk to CPU 1, so the two never share a
core (the machine's other tenants still may). Besides wrk's requests/s, the server's own CPU
time (psutil, user + system, of every process of the server) per request is printed: the cost
a load generator beside it on a 2-core machine loses; and wrk's (getrusage of the reaped child).
Prints medians per side and the ratios.

    python benchmarks/loopback_server.py [--seconds 5] [--rounds 1] [--connections 32]

Needs Debian's ``wrk`` and ``nginx`` (``apt-get install wrk nginx``).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psutil

from _loopback import nginx, pinned
from perfbench.load.server_process import ServerProcess

BODY_BYTES = 256
PINNED = os.cpu_count() is not None and os.cpu_count() >= 2
SERVER_CPUS, CLIENT_CPUS = ("0", "1") if PINNED else (None, None)



@dataclass(frozen=True)
class Target:
    name: str
    url: str
    processes: tuple[psutil.Process, ...]

    def cpu_seconds(self) -> float:
        return sum(p.cpu_times().user + p.cpu_times().system for p in self.processes)


@dataclass(frozen=True)
class Measurement:
    requests_per_second: float
    requests: int
    server_cpu_seconds: float
    client_cpu_seconds: float
    socket_errors: str


@contextlib.contextmanager
def builtin_target() -> Iterator[Target]:
    with ServerProcess({"threads": 1, "body_bytes": BODY_BYTES}, cpus=SERVER_CPUS) as server:
        yield Target("perfbench built-in", server.url(f"/bytes/{BODY_BYTES}"), (psutil.Process(server.pid),))


@contextlib.contextmanager
def nginx_server() -> Iterator[Target]:
    with tempfile.TemporaryDirectory(prefix="perfbench-nginx-") as folder, \
            nginx(Path(folder), BODY_BYTES, SERVER_CPUS) as (process, url):
        master = psutil.Process(process.pid)
        yield Target("nginx", url, (master, *master.children(recursive=True)))


def run_wrk(target: Target, seconds: float, connections: int, new_connection: bool) -> Measurement:
    command = ["wrk", "-t1", f"-c{connections}", f"-d{seconds:g}s", target.url]
    if new_connection:
        command[1:1] = ["-H", "Connection: close"]
    cpu_before, client_before = target.cpu_seconds(), children_cpu_seconds()
    output = subprocess.run(pinned(command, CLIENT_CPUS), check=True, capture_output=True, text=True).stdout
    cpu_after, client_after = target.cpu_seconds(), children_cpu_seconds()
    rate = re.search(r"Requests/sec:\s+([0-9.]+)", output)
    total = re.search(r"(\d+) requests in", output)
    if not rate or not total:
        raise RuntimeError(f"wrk printed no request rate:\n{output}")
    errors = re.search(r"Socket errors: (.*)", output)
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    problems = ", ".join(filter(None, [errors and errors[1], non_2xx and f"non-2xx {non_2xx[1]}"]))
    return Measurement(float(rate[1]), int(total[1]), cpu_after - cpu_before, client_after - client_before, problems)


def children_cpu_seconds() -> float:
    """User + system time of the waited-for children: wrk's, once subprocess.run has reaped it."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--rounds", type=int, default=1, help="A B B A rounds per load")
    parser.add_argument("--connections", type=int, default=32)
    args = parser.parse_args()
    for tool in ("wrk", "nginx") + (("taskset",) if PINNED else ()):
        if shutil.which(tool) is None:
            sys.exit(f"{tool} is not installed: apt-get install wrk nginx")

    loads = {"keep-alive": False, "new connection per request": True}
    results: dict[tuple[str, str], list[Measurement]] = {}
    with builtin_target() as builtin, nginx_server() as nginx:
        for load, new_connection in loads.items():
            for _ in range(args.rounds):
                for target in (builtin, nginx, nginx, builtin):
                    measured = run_wrk(target, args.seconds, args.connections, new_connection)
                    results.setdefault((load, target.name), []).append(measured)
    print(f"wrk -t1 -c{args.connections}, {BODY_BYTES} B bodies, {args.rounds} x A B B A rounds of {args.seconds:g} s runs"
          f", {'server on CPU 0, wrk on CPU 1' if PINNED else 'unpinned'}; medians")
    header = f"{'load':<28} {'server':<20} {'requests/s':>11} {'server CPU/request':>19} {'wrk CPU/request':>16} {'errors':>8}"
    print(header)
    print("-" * len(header))
    for load in loads:
        figures = {}
        for name in ("perfbench built-in", "nginx"):
            runs = results[(load, name)]
            rate = statistics.median(m.requests_per_second for m in runs)
            cpu = statistics.median(m.server_cpu_seconds / m.requests * 1e6 for m in runs)
            client = statistics.median(m.client_cpu_seconds / m.requests * 1e6 for m in runs)
            errors = "; ".join(sorted({m.socket_errors for m in runs if m.socket_errors})) or "none"
            figures[name] = (rate, cpu, client)
            print(f"{load:<28} {name:<20} {rate:>11,.0f} {cpu:>16.2f} µs {client:>13.2f} µs {errors:>8}")
        ours, theirs = figures["perfbench built-in"], figures["nginx"]
        ratios = [a / b for a, b in zip(ours, theirs)]
        print(f"{load:<28} {'built-in / nginx':<20} {ratios[0]:>10.2f}x {ratios[1]:>18.2f}x {ratios[2]:>15.2f}x")


if __name__ == "__main__":
    main()
