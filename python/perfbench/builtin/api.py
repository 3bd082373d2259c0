"""Family ``api``: an HTTP API under load, on the built-in C++ loopback server.

The AI workflow engine this suite comes from measured its HTTP API's throughput at 256 B, 1 KB
and 4 KB payloads, keep-alive against a new connection per request, and its rate limiting; the
message bus measured a burst (1k -> 50k/s) with the time to recover, and a sustained run checked
for leaks. Each benchmark here is a ``LoadTarget``: the worker starts the server in a process of
its own on 127.0.0.1 on a free port, runs one bounded load test per iteration against it, and
stops it (execution/load_job.py), so the server's memory is told from the generator's.

Lane ``api``, not ``heavy``: these are the only built-in benchmarks that open sockets and run a
second process beside the worker, and they measure a server, not a workload's scaling. A lane of
their own can be run (`--lane api`) or left out where loopback networking is not wanted, and its
time is not mixed into the heavy lane's budget.

**The SLA rules are the ones that hold on a rerun on a shared 2-core machine**, where client
and server take turns on the same two cores beside other tenants: a request's latency there is
mostly whether a neighbour ran, so no rule here is a latency target the machine cannot keep;
latency is judged only by loose tiers (a p99 of 100 ms is broken, not slow). The rules judge
what is a property of the server, not of the moment: errors, the share the token bucket turns
away, memory growth, and throughput floors tens of times below what this machine gives.

What the machine gives (AMD EPYC VM, 2 vCPUs shared, load average 2-6 from other tenants,
2026-11-30): closed loop, one server thread, two engine threads, 16 connections: 95-140k/s
with keep-alive at 256 B to 4 KB in quick runs at load 2 (70-78k/s with one engine thread at
load 5, before the engine's latest changes), 20-32k/s with a new connection per request; open loop
at 5k/s under the default scheduler was generator-bound (send lag p99 98 ms) in one of two 8 s
runs. Hence the scaled burst
below (1k -> 10k/s, not 50k/s) and the moderate sustained rate.
"""

from __future__ import annotations

from typing import Any

from perfbench.definition.suite import BenchmarkDefinition, LoadTarget
from perfbench.sla import Rule, rule, tiers

LANE = "api"
PAYLOADS = (256, 1024, 4096)
CONNECTIONS = 16
# Two engine threads for the closed loops, so that the one-thread server is what sets the pace.
# With one, on a quiet moment the client thread was the bottleneck (97-98 % of a CPU: "invalid:
# generator-bound", a MEASUREMENT ERROR on the rate and p99) in 3-4 of 8 quick runs; with two,
# each used 26-63 % of a CPU and every run was valid.
CLIENT_THREADS = 2
# A load iteration is bounded by its duration; one that hangs is killed long before this.
TIMEOUT_SECONDS = 90.0
# Three counted iterations in a full run: each is a load test of its own and the iteration is
# the unit of noise of its samples (load_job.py), so three give an interval between them.
FULL_ITERATIONS = 3

# Rate limiting: open loop at twice the bucket's rate. The bucket (server faults.rate_limit)
# starts full and holds BUCKET_BURST tokens, so over T seconds it admits BUCKET_BURST + LIMIT * T
# of the OFFERED * T requests and turns the rest away with 429.
OFFERED_RATE = 2_000
RATE_LIMIT = 1_000
# 0.2 s of the bucket's rate. The share turned away depends on when requests *arrive*: a stall of
# the generator or of the server (a neighbour's time slice) bunches the requests that follow it,
# and a bucket of 20 tokens then refused most of the bunch (60.1 % turned away against 49.3 %
# implied, with a send lag p99 of 122 ms); 200 tokens absorb a stall of up to 0.2 s. The
# default, one second's worth, would make the share depend mostly on the run's length.
BUCKET_BURST = 200
# How far the measured share may lie from the implied one. Measured over 1.5 s: 43.4 % against
# 43.3 % implied (40 % over 1 s, 46.7 % over 3 s), in 4 of 4 runs with and without a realtime generator. The band is wide
# because what it must catch is a bucket that does not work (0 % or 100 % turned away) or one
# at the wrong rate, not a point's difference: a stall longer than the bucket holds shifts the
# count by a few per cent.
SHARE_TOLERANCE = 0.10

# The burst, scaled from the message bus's 1k -> 50k/s to what a 2-core VM shared by client and
# server can take: 1k -> 10k/s, the edge of what the server (one thread, 5 ms per request below)
# serves here beside other tenants: the burst's window p99 was 35-55 ms against 6 ms before it,
# and it recovered within 1 s after it in 7 of 8 runs. At 20k/s it was overloaded (512-1024
# connections all busy, p99 90-164 ms); at 5k/s the burst hardly showed (p99 5.5 ms).
BURST_BASELINE = 1_000
BURST_RATE = 10_000
BURST_CONNECTIONS = 256
# A handler's 5 ms of work on every request (server faults.delay), as an API call that does
# something. Recovery is the first 1 s window after the burst whose p99 is within 10 % of the
# baseline phase's p99 (load/recovery.py): without the delay that p99 is 0.5-2 ms of scheduler
# noise on this machine, and a window missed its 10 % band by noise alone (1 of 2 runs never
# "recovered"); with it the baseline p99 was 6-9 ms and 12 of 13 probes recovered within 2 s.
BURST_DELAY = "5ms"

# The sustained run: open loop at a rate this machine keeps with room to spare (5k/s was
# generator-bound in one of two runs beside other tenants). A 30 s run of this is the issue's
# "short sustained run"; the 10-minute soak is benchmarks/' business, not the default suite's.
SUSTAINED_RATE = 2_000
# Memory is compared from the end of the first quarter to the last 1 s sample (load/stored.py).
# A leak of 32 bytes per request over the full 30 s run (60k requests) is ~5 % of the
# generator's ~41 MB; measured over 8 s at 5k/s: generator -1.5 %, server 0.0 %.
RSS_GROWTH_LIMIT = "10%"

# The open loops run their one engine thread under SCHED_FIFO (where the process may: else it
# runs as usual and the record says so). Beside other tenants the default scheduler delays its
# wake-ups by milliseconds: send lag p99 2-7 ms at load average 5, so that a quick run's burst
# was generator-bound (a MEASUREMENT ERROR instead of a verdict) in 1 of 2 runs and a
# sustained run in 2 of 3; realtime, 0.04-0.33 ms. One such thread sleeps most of the time
# (10-16 % of a core at 2k-20k/s), which leaves the server its share of the same cores; two of
# them at 20k/s used 40 % of a core each and starved it (p99 75-235 ms against 20-27 ms).
REALTIME_OPEN_LOOP = True

# The send lag p99 beyond which an iteration is "invalid: generator-bound". The engine's 1 ms
# default is for a quiet machine; where realtime is not permitted, a neighbour's time slice
# delays a wake-up by milliseconds, and every timed figure of such an iteration becomes a measurement error instead
# of a verdict: the bound is set where the lag would be a sizeable share of what is measured.
LAG_BOUND = "10ms"


def _server(**settings: Any) -> dict[str, Any]:
    return {"threads": 1, **settings}


def implied_rate_limited_share(duration_s: float) -> float:
    """The share of requests the token bucket turns away when offered OFFERED_RATE for duration_s."""
    offered = OFFERED_RATE * duration_s
    return max(0.0, 1.0 - min(offered, BUCKET_BURST + RATE_LIMIT * duration_s) / offered)


def _no_errors(what: str) -> Rule:
    # A count, the same on every rerun of a working server: any failed request is a fault.
    return rule("error_rate < 1%", severity="error", name=f"{what}: under 1 % of requests fail")


def _loose_p99(what: str) -> Rule:
    # Loose on purpose: on this machine a 1 s window's p99 swings from 0.5 to 50 ms with the
    # neighbours; a p99 beyond 100 ms would be a server that queues, not a noisy one.
    return tiers(target="p99 < 100ms", acceptable="p99 < 500ms", critical="p99 < 2s", name=f"{what}: p99 (loose)")


def _rate_floor(what: str, floor: str) -> Rule:
    # Tens of times below what the machine gives (see the module docstring): it breaks only when
    # the server or the client stops serving, never on a neighbour's busy second.
    return rule(f"rate > {floor}", severity="error", name=f"{what}: throughput above {floor}")


def _kept_schedule(what: str) -> Rule:
    # Open loop: the server answered most of what was scheduled. Generous: a shared machine can
    # lose a second; a server that cannot keep up loses far more.
    return rule("rate_of_target >= 50%", severity="error", name=f"{what}: at least half the target rate answered")


def _closed_loop(quick: bool, *, keep_alive: bool) -> dict[str, Any]:
    # Quick: half a second is tens of thousands of requests at this machine's rates, enough for
    # the rate and the tiers; the whole default suite's --quick has a 30 s goal, and the API
    # lane's time is wall time (its runs last as long as they are told), not CPU it could save.
    return {"closed": True, "duration": "0.5s" if quick else "3s", "connections": CONNECTIONS, "threads": CLIENT_THREADS,
            "keep_alive": keep_alive, "timeout": "2s"}


def _payloads(quick: bool) -> list[BenchmarkDefinition]:
    """Closed loop: the throughput the server gives at each payload, as the original suite
    measured it (requests per second at 256 B / 1 KB / 4 KB). An open loop at a fixed rate
    would measure latency at that rate and say nothing about the throughput the payload
    allows; the closed loop's latency is still recorded, its rate is the figure."""
    iterations = 1 if quick else FULL_ITERATIONS
    definitions = []
    for size in PAYLOADS:
        what = f"{size} B keep-alive"
        definitions.append(BenchmarkDefinition(
            name=f"api.bytes_{size}.keep_alive", lane=LANE,
            target=LoadTarget(f"/bytes/{size}", _closed_loop(quick, keep_alive=True), _server()),
            iterations=iterations, timeout_seconds=TIMEOUT_SECONDS,
            description=f"GET of a {size} B body, closed loop over {CONNECTIONS} keep-alive connections and "
                        f"{CLIENT_THREADS} engine threads (the highest throughput the server gives): rate = requests/s",
            sla=(_no_errors(what), _rate_floor(what, "1k/s"), _loose_p99(what))))
    # The pair's other half: the same payload, model and connections as api.bytes_256.keep_alive,
    # with a TCP connect and close per request; the two rates side by side are the ratio.
    what = "256 B new connection"
    definitions.append(BenchmarkDefinition(
        name="api.bytes_256.new_connection", lane=LANE,
        target=LoadTarget("/bytes/256", _closed_loop(quick, keep_alive=False), _server()),
        iterations=iterations, timeout_seconds=TIMEOUT_SECONDS,
        description=f"as api.bytes_256.keep_alive, but a new connection per request (connect, GET, close) "
                    f"over {CONNECTIONS} connection slots: compare its rate with the keep-alive one",
        sla=(_no_errors(what), _rate_floor(what, "500/s"), _loose_p99(what))))
    return definitions


def _rate_limit(quick: bool) -> BenchmarkDefinition:
    duration = 1.0 if quick else 3.0
    implied = implied_rate_limited_share(duration)
    low, high = 100 * (implied - SHARE_TOLERANCE), 100 * (implied + SHARE_TOLERANCE)
    return BenchmarkDefinition(
        name="api.rate_limit", lane=LANE,
        target=LoadTarget("/bytes/256", {"rate": OFFERED_RATE, "duration": duration, "connections": CONNECTIONS,
                                         "lag_bound": LAG_BOUND, "timeout": "2s", "realtime": REALTIME_OPEN_LOOP},
                          _server(faults={"rate_limit": RATE_LIMIT, "rate_limit_burst": BUCKET_BURST})),
        iterations=1 if quick else FULL_ITERATIONS, timeout_seconds=TIMEOUT_SECONDS,
        description=f"open loop at {OFFERED_RATE}/s against a token bucket of {RATE_LIMIT}/s "
                    f"({BUCKET_BURST} tokens): {100 * implied:.1f} % should be turned away with 429",
        sla=(
            # The bucket's arithmetic, not the machine's speed: the same share on every rerun.
            rule(f"rate_limited_share >= {low:.1f}%", severity="error",
                 name=f"429 share at least {low:.1f} % (bucket implies {100 * implied:.1f} %)"),
            rule(f"rate_limited_share <= {high:.1f}%", severity="error",
                 name=f"429 share at most {high:.1f} % (bucket implies {100 * implied:.1f} %)"),
            # Every failure but the 429s (error_rate counts the 429s too): none is expected.
            rule("other_error_rate < 1%", severity="error", name="rate limit: under 1 % of requests fail otherwise"),
            _kept_schedule("rate limit")))


def _burst(quick: bool) -> BenchmarkDefinition:
    # Quick: the burst ends on a window's edge (1 s) and two whole windows follow, so the
    # recovery (0 or 1 s at the timeline's resolution) is measured; full: 3 s of baseline for
    # its p99, 5 s after.
    before, during, after = ("0.5s", "0.5s", "2s") if quick else ("3s", "2s", "5s")
    what = f"burst {BURST_BASELINE // 1000}k -> {BURST_RATE // 1000}k/s"
    return BenchmarkDefinition(
        name="api.burst", lane=LANE,
        target=LoadTarget("/bytes/1024", {
            "burst": {"baseline": BURST_BASELINE, "rate": BURST_RATE, "before": before, "during": during,
                      "after": after},
            "connections": BURST_CONNECTIONS, "threads": 1, "lag_bound": LAG_BOUND, "timeout": "2s",
            "realtime": REALTIME_OPEN_LOOP},
            _server(faults={"delay": BURST_DELAY})),
        timeout_seconds=TIMEOUT_SECONDS,
        description=f"1 KB GETs at {BURST_BASELINE}/s, a burst of {BURST_RATE}/s for {during}, back to "
                    f"{BURST_BASELINE}/s for {after}; every response after {BURST_DELAY} of handler time; "
                    "recovery_time = end of the burst to the first 1 s window whose p99 is within 10 % "
                    "of the baseline's (scaled from the message bus's 1k -> 50k/s to a 2-core VM)",
        # No rule on recovery_time: a run that has not recovered has no such figure, and a missing
        # figure is an error verdict; on this machine whether one 1 s window's p99 comes back
        # within 10 % is partly the neighbours' doing. The figure is reported with every run.
        # No rule on the rate either: at the server's edge the burst's send lag p99 was 1-9 ms
        # (the engine thread busy opening 250-500 more connections and reading a burst of
        # responses; a request's wait for a free connection is not lag: the engine records lag
        # when it takes the request, before that wait), so an iteration is now and then
        # "generator-bound" and its rate a measurement error; with
        # rate_of_target judged, that read MEASUREMENT ERROR in 6 of 8 quick runs and PASS in 2.
        # Failed requests are counted whatever the generator's lateness: that rule holds.
        sla=(_no_errors(what),))


def _sustained(quick: bool) -> BenchmarkDefinition:
    # Quick: 4 s gives the 4 one-second memory samples the growth needs (from the second to the
    # fourth); full: 30 s, a short run that a leak of tens of bytes per request shows in.
    duration = "4s" if quick else "30s"
    what = "sustained"
    return BenchmarkDefinition(
        name="api.sustained", lane=LANE,
        target=LoadTarget("/bytes/1024", {"rate": SUSTAINED_RATE, "duration": duration, "connections": CONNECTIONS,
                                          "lag_bound": LAG_BOUND, "timeout": "2s", "realtime": REALTIME_OPEN_LOOP},
                          _server()),
        timeout_seconds=TIMEOUT_SECONDS,
        description=f"1 KB GETs at a steady {SUSTAINED_RATE}/s for {duration}: resident memory of the server "
                    "and of the load generator sampled each second, growth after the first quarter",
        sla=(
            # A leak grows with the requests, whatever the machine's speed: the rule reads the
            # same on a rerun unless something leaks.
            rule(f"generator_rss_growth < {RSS_GROWTH_LIMIT}", severity="error",
                 name=f"generator memory flat (growth under {RSS_GROWTH_LIMIT})"),
            rule(f"server_rss_growth < {RSS_GROWTH_LIMIT}", severity="error",
                 name=f"server memory flat (growth under {RSS_GROWTH_LIMIT})"),
            _no_errors(what), _kept_schedule(what)))


def benchmarks(quick: bool) -> list[BenchmarkDefinition]:
    return _payloads(quick) + [_rate_limit(quick), _burst(quick), _sustained(quick)]
