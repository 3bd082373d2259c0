"""One sampler-overhead measurement in a fresh process; prints one JSON object on stdout.

Started by compare_sampler_overhead.py. It starts the target tree, lets it settle, then
over one window of SECONDS either runs perfbench's ResourceSampler, or the plain psutil
loop below, or nothing, and reports two independent figures of what that cost:

* the sampling thread's own CPU time (``time.thread_time`` inside it), and
* this whole process's CPU time over the window (``getrusage(RUSAGE_SELF)``): the main
  thread only sleeps in it, so with the "none" mode as the floor, the difference is what
  running the sampler cost the process, start-up, summary and GIL hand-offs included.

    python benchmarks/_sampler_worker.py perfbench --target idle --hz 10 --seconds 10
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import signal
import subprocess
import threading
import time

import psutil

from perfbench.resources.resource_sampler import ResourceSampler

TARGETS = {
    # A process that never runs.
    "idle": ["sleep", "3600"],
    # A shell with three CPU-busy children: 4 processes, more runnable than the 2 cores.
    "busy": ["sh", "-c", "for i in 1 2 3; do (while :; do :; done) & done; wait"],
}


def psutil_loop(pid: int, interval: float, stop: threading.Event, out: dict) -> None:
    """The straightforward psutil sampler: what one would write from psutil's docs.

    Per tick: the tree from ``children(recursive=True)``, each process read under
    ``oneshot()``, then the system CPU % and network counters.
    """
    began = time.thread_time()
    ticks = 0
    root = psutil.Process(pid)
    cached: dict[int, psutil.Process] = {}
    psutil.cpu_percent(None)
    next_tick = time.perf_counter()
    while True:
        rss = cpu = 0.0
        for fresh in [root, *root.children(recursive=True)]:
            process = cached.setdefault(fresh.pid, fresh)
            try:
                with process.oneshot():
                    process.cpu_percent(None)
                    t = process.cpu_times()
                    cpu += t.user + t.system
                    rss += process.memory_info().rss
                    process.io_counters()
                    process.num_ctx_switches()
                    process.num_threads()
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                cached.pop(fresh.pid, None)
        psutil.cpu_percent(None)
        psutil.net_io_counters()
        ticks += 1
        next_tick += interval
        if stop.wait(max(0.0, next_tick - time.perf_counter())):
            break
    out["thread_cpu_seconds"] = time.thread_time() - began
    out["ticks"] = ticks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("mode", choices=["perfbench", "psutil", "none"])
    parser.add_argument("--target", choices=sorted(TARGETS), required=True)
    parser.add_argument("--hz", type=float, default=10.0)
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()

    target = subprocess.Popen(TARGETS[args.target], start_new_session=True)
    try:
        time.sleep(0.5)  # the shell has started its children
        result: dict = {"mode": args.mode, "target": args.target, "hz": args.hz, "seconds": args.seconds}
        usage_before = resource.getrusage(resource.RUSAGE_SELF)
        wall_before = time.perf_counter()
        if args.mode == "perfbench":
            sampler = ResourceSampler(target.pid, interval_seconds=1.0 / args.hz)
            sampler.start()
            time.sleep(args.seconds)
            summary = sampler.stop()
            result.update(thread_cpu_seconds=summary.sampler_cpu_seconds, ticks=summary.sample_count,
                          window_seconds=summary.duration_seconds,
                          target_cpu_core_avg=summary.cpu_core_avg,
                          target_processes=summary.timeseries[-1].processes,
                          target_threads=summary.threads_max)
        elif args.mode == "psutil":
            stop = threading.Event()
            out: dict = {}
            thread = threading.Thread(target=psutil_loop, args=(target.pid, 1.0 / args.hz, stop, out))
            thread.start()
            time.sleep(args.seconds)
            stop.set()
            thread.join()
            result.update(out, window_seconds=args.seconds)
        else:
            time.sleep(args.seconds)
        usage_after = resource.getrusage(resource.RUSAGE_SELF)
        result["wall_seconds"] = time.perf_counter() - wall_before
        result["process_cpu_seconds"] = ((usage_after.ru_utime + usage_after.ru_stime)
                                         - (usage_before.ru_utime + usage_before.ru_stime))
    finally:
        os.killpg(target.pid, signal.SIGKILL)
        target.wait()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
