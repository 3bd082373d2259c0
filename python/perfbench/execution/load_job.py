"""A load benchmark's worker job: one bounded load test per iteration (worker.py's protocol).

The worker process is the load generator; the built-in server, when the benchmark asks for it,
runs in a process of its own started here during setup (load/server_process.py) and stopped when
the job ends. Each iteration's outcome is its samples, the corrected median of each whole 1 s
window (load/stored.py says why), and its load record, with the generator's and the server's resident
memory sampled each time a window closes.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

from perfbench.load.stored import load_record, window_measurement

Emit = Callable[[dict[str, Any]], None]


def run_iteration(target: dict[str, Any], url: str, server_pid: int | None, unit: int) -> dict[str, Any]:
    """One load test; ``unit``: its samples' unit of noise (see run_load_job)."""
    import psutil

    from perfbench.load.api import load_test

    me = psutil.Process()
    server = psutil.Process(server_pid) if server_pid else None
    memory: dict[str, list[float]] = {"generator_rss": [], "server_rss": []}

    def sample_memory(_rows: list[dict[str, Any]]) -> None:
        memory["generator_rss"].append(float(me.memory_info().rss))
        if server is not None:
            with contextlib.suppress(psutil.Error):
                memory["server_rss"].append(float(server.memory_info().rss))

    result = load_test(url, **target["arguments"], on_progress=sample_memory)
    outcome: dict[str, Any] = {"load": load_record(result, {**memory, "interval_s": 1.0})}
    if result.corrected.count == 0:
        counters = {k: v for k, v in result.counters.items() if v and k not in ("scheduled", "sent")}
        outcome["failure"] = f"no request succeeded ({counters})"
        return outcome
    outcome["measurement"] = window_measurement(result, unit).to_dict()
    return outcome


def run_load_job(job: dict[str, Any], emit: Emit) -> None:
    """Runs the job's warm-ups and iterations, emitting worker.py's events."""
    target = job["target"]
    # Each iteration is a load test of its own, whose windows share its connections and its
    # moment on the machine: the iteration, not the worker, is the unit of noise of the samples
    # (as a command's iteration is), so three iterations give an interval between them.
    with contextlib.ExitStack() as stack:
        server_pid = None
        url = target["url"]
        if target.get("server") is not None:
            from perfbench.load.server_process import ServerProcess

            emit({"event": "setup"})
            server = stack.enter_context(ServerProcess(target["server"]))
            server_pid, url = server.pid, server.url(target["url"])
        emit({"event": "ready", "setup_ns": None})
        for index in range(job["warmup_iterations"] + job["iterations"]):
            emit({"event": "start", "index": index, "warmup": index < job["warmup_iterations"]})
            outcome = run_iteration(target, url, server_pid, index)
            emit({"event": "end", "index": index, "outcome": outcome})
