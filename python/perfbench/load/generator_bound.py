"""Whether the generator, not the server, set the pace: then the run is **invalid: generator-bound**,
neither passed nor failed, because its latencies describe the client's lateness as much as the server.

Two signs, either enough:
* the send lag (how late the generator got to each intended send) has a p99 above the bound
  (open loop only: a closed loop has no schedule to be late for);
* an engine thread was busy nearly all the run (its CPU time >= 95 % of the run's wall time): a
  saturated thread is late for everything, including reading responses, which inflates latency.
"""

from __future__ import annotations

from collections.abc import Sequence

# A thread that slept less than 5 % of the run was not waiting for anything: it was the bottleneck.
SATURATED_SHARE = 0.95


def generator_bound_reasons(*, closed: bool, lag_p99_ns: int, lag_bound_s: float, thread_cpu_s: Sequence[float],
                            wall_s: float) -> tuple[str, ...]:
    reasons = []
    if not closed and lag_p99_ns > lag_bound_s * 1e9:
        reasons.append(f"send lag p99 {lag_p99_ns / 1e6:.3g} ms is above the bound {lag_bound_s * 1e3:.3g} ms: "
                       "the generator could not keep its schedule (on a busy machine: realtime=True / --realtime; "
                       "else more threads or a lower rate)")
    if wall_s > 0:
        busiest = max(thread_cpu_s, default=0.0) / wall_s
        if busiest >= SATURATED_SHARE:
            reasons.append(f"an engine thread used {100 * busiest:.0f} % of a CPU over the run: the client was "
                           "saturated (add threads, or lower the rate)")
    return tuple(reasons)
