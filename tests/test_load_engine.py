"""The load engine against real sockets on loopback: the built-in C++ server
(perfbench.load.server.LoopbackServer) with its injected faults (delay, stall, 429, reset,
malformed, never answer).

Only one test still uses tests/http_recording_server.py (a Python server): the C++ server does not
report the request heads it read, so that the method, target and headers reached the server is
checked there.

Counts are exact where the schedule or the server makes them so (a constant rate over a duration
schedules rate x duration requests; a server delay caps what N connections can complete);
latencies and durations are checked only for their order and size against what the server was
made to do, and only from the side the server guarantees (a delay or a stall holds a response at
least that long), never against an absolute time. Runs whose verdict is asserted raise the send
lag bound, so that a busy machine making the generator late does not decide the test.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
import time

import numpy as np
import pytest

import perfbench
from http_recording_server import RecordingServer, closed_port
from perfbench.load.server import LoopbackServer, ServerFaults
from perfbench.load.server_process import ServerProcess
from perfbench.load.target_shortfall import TOLERANCE

OK = "/bytes/256"
GENEROUS_LAG = "1s"  # the verdicts under test are the server's, not a busy machine's lateness


@pytest.fixture
def server():
    with LoopbackServer(body_bytes=256) as s:
        yield s


def faulty(**faults) -> LoopbackServer:
    return LoopbackServer(body_bytes=256, faults=ServerFaults(**faults))


def assert_every_request_accounted_for(r) -> None:
    c = r.counters
    assert c["scheduled"] == c["completed"] + sum(r.errors.values()) + c["cancelled"]


def settled(server: LoopbackServer, **expected: int):
    """The server's counters once each named one has reached ``expected`` (or after 10 s): a
    client can read the end of a response before the server's thread has counted it."""
    deadline = time.monotonic() + 10
    while True:
        counters = server.counters()
        if all(getattr(counters, name) >= value for name, value in expected.items()) or time.monotonic() > deadline:
            return counters


def count_at_or_above(histogram, value_ns: float) -> int:
    return sum(count for edge, count in histogram.nonzero_buckets() if edge >= value_ns)


# -- load models ----------------------------------------------------------------------------------

def test_closed_loop_sends_the_requested_count(server):
    r = perfbench.load_test(server.url(OK), closed=True, requests=60, connections=3, threads=1)
    assert r.counters["completed"] == r.counters["ok"] == r.counters["status_2xx"] == 60
    assert settled(server, requests=60).requests == 60
    assert r.corrected.count == r.uncorrected.count == 60
    assert r.lag.count == 0  # a closed loop has no schedule to be late for
    assert r.stop_reason == "completed"
    assert r.target_shortfall is None and r.server_bound == ()  # no target to fall short of
    assert_every_request_accounted_for(r)


def test_constant_rate_schedules_rate_times_duration_over_two_threads(server):
    r = perfbench.load_test(server.url(OK), rate=200, duration="1.5s", connections=4, threads=2)
    assert r.counters["scheduled"] == 300
    assert r.lag.count == 300  # every intended send has its lag
    assert r.counters["connections_opened"] >= 2
    assert settled(server, requests=r.counters["completed"]).requests == r.counters["completed"]
    assert_every_request_accounted_for(r)
    assert r.target_rate == pytest.approx(200)


def test_an_open_loop_may_be_bounded_by_its_request_count(server):
    test = perfbench.start_load_test(server.url(OK), rate=200, requests=50, connections=2, threads=2)
    assert test.wait(60)
    r = test.result()
    assert r.counters["scheduled"] == r.counters["ok"] == 50
    assert r.target_rate == 200
    assert test.result().counters == r.counters  # the engine's figures are merged once


def test_ramping_stages_follow_their_rates(server):
    r = perfbench.load_test(server.url(OK), stages=[{"rate": 100, "duration": "1s"},
                                                    {"rate": 300, "duration": "1s"}], connections=4)
    assert r.counters["scheduled"] == 400
    assert [h.count > 0 for h in r.stage_corrected] == [True, True]
    assert r.stage_starts_s == (0.0, 1.0, 2.0)
    by_second = {row["second"]: row["scheduled"] for row in r.timeline}
    assert by_second[1] > by_second[0]
    assert_every_request_accounted_for(r)


def test_poisson_arrivals_keep_the_mean_rate(server):
    r = perfbench.load_test(server.url(OK), rate=300, duration="2s", poisson=True, connections=4, threads=2)
    assert 450 <= r.counters["scheduled"] <= 750  # 600 expected; the standard deviation is ~25
    assert_every_request_accounted_for(r)


def test_burst_reports_its_recovery_against_the_baseline_phase(server):
    r = perfbench.load_test(server.url(OK), burst={"baseline": 100, "rate": 400, "before": "2s",
                                                   "during": "1s", "after": "2s"}, connections=8)
    assert r.counters["scheduled"] == 100 * 2 + 400 + 100 * 2
    recovery = r.recovery
    assert recovery is not None
    assert recovery.burst_end_s == 3.0
    assert recovery.baseline_p99_ns == r.stage_corrected[0].value_at_percentile(99)
    assert (recovery.recovery_s is None) == (not recovery.recovered)
    assert_every_request_accounted_for(r)


# -- what is measured ---------------------------------------------------------------------------

def test_a_server_stall_shows_in_the_corrected_tail_and_hides_from_the_uncorrected(server):
    # A 1 s stall inside a 4 s run at 300/s over 2 connections. The ~300 requests due during
    # the stall wait for its end: from their intended time (corrected) a request due at t waits
    # until the stall ends, uniformly 0..1 s over them. From the send time (uncorrected) only
    # what the 2 connections carried into the stall sees it: each holds one request, the rest
    # wait for a connection, are sent after the stall and answered at once.
    server.stall("1s", after="1.5s")  # inside the sending span even if the run starts 1 s late
    r = perfbench.load_test(server.url(OK), rate=300, duration="4s", connections=2, timeout="10s",
                            lag_bound=GENEROUS_LAG)
    assert r.counters["ok"] == 1200
    assert server.counters().held_by_stall >= 2
    # Size: the requests due in the stall's first half waited >= 0.5 s from their intended time
    # (~150 of them); from their send time at most one per connection did.
    assert count_at_or_above(r.corrected, 0.5e9) >= 140
    assert count_at_or_above(r.uncorrected, 0.5e9) <= 2
    # Order: the corrected p99 is the stall's (the top 1 % of 1200 requests are the 12 due at
    # its start, each waiting ~0.96 s or more); the uncorrected p99 is an ordinary response.
    corrected_p99, uncorrected_p99 = r.corrected.value_at_percentile(99), r.uncorrected.value_at_percentile(99)
    assert corrected_p99 >= 0.9e9
    assert r.corrected.max >= 0.99e9  # the first request due in the stall waited all of it
    assert uncorrected_p99 * 10 < corrected_p99
    assert r.counters["waited_for_connection"] > 100  # due while both connections were stalled
    # The stalled second shows in the timeline (responses well short of its schedule), and the
    # burst after it caught up: a stall is a latency event, not a ceiling on the server's rate,
    # so the target counts as reached (target_shortfall.py judges two seconds together).
    assert min(row["completed"] / row["scheduled"] for row in r.timeline
               if row["scheduled"] and not row["partial"]) <= 0.6
    assert r.target_shortfall.shortfall == 0  # every request was answered in the end
    assert r.verdict == "valid"


def test_a_stall_set_on_a_server_in_its_own_process_holds_its_responses():
    # The benchmarks' server runs in a process of its own; a stall is set there as a client starts.
    with ServerProcess({"body_bytes": 256}) as process:
        process.stall(1.0, after=0.5)
        r = perfbench.load_test(process.url(OK), rate=100, duration="2.5s", connections=2, timeout="10s")
    assert r.counters["ok"] == 250
    assert r.corrected.max >= 0.95e9  # the first request due in the stall waited for all of it
    assert count_at_or_above(r.uncorrected, 0.5e9) <= 2


def test_post_body_and_headers_reach_the_server():
    # The C++ server does not report request heads; the Python recording server does.
    with RecordingServer() as python_server:
        r = perfbench.load_test(python_server.url("/ok?q=1"), closed=True, requests=5, connections=1, method="POST",
                                body_size="1KB", headers={"X-Trace": "perfbench"})
    assert r.counters["ok"] == 5
    method, target, headers, body_bytes = python_server.requests[0]
    assert (method, target, body_bytes) == ("POST", "/ok?q=1", 1000)
    assert headers["x-trace"] == "perfbench"
    assert headers["host"] == f"127.0.0.1:{python_server.port}"


@pytest.mark.parametrize("path", ["/chunked/5000/100", "/until-close/256", "/trickle/256", "/bytes/2000000"])
def test_chunked_and_close_delimited_bodies_complete(server, path):
    r = perfbench.load_test(server.url(path), closed=True, requests=20, connections=2)
    assert r.counters["ok"] == 20
    assert sum(r.errors.values()) == 0


def test_a_body_larger_than_the_socket_buffer_is_written_and_read_in_parts(server):
    # /echo sends the 8 MB body back: both directions go through partial writes and reads.
    r = perfbench.load_test(server.url("/echo"), closed=True, requests=2, connections=1, method="POST",
                            body_size="8MB", timeout="30s")
    assert r.counters["ok"] == 2
    counters = settled(server, responses=2)
    assert counters.bytes_received >= 2 * 8_000_000
    assert counters.bytes_sent >= 2 * 8_000_000


def test_a_new_connection_per_request(server):
    r = perfbench.load_test(server.url(OK), closed=True, requests=30, connections=2, keep_alive=False)
    assert r.counters["ok"] == 30
    assert r.counters["connections_opened"] == 30
    assert settled(server, connections_accepted=30).connections_accepted == 30


def test_keep_alive_reuses_connections(server):
    r = perfbench.load_test(server.url(OK), closed=True, requests=30, connections=2)
    assert r.counters["connections_opened"] == 2
    assert settled(server, connections_accepted=2).connections_accepted == 2


# -- each error kind, provoked for real ------------------------------------------------------------

def test_a_closed_port_is_connect_refused():
    r = perfbench.load_test(f"http://127.0.0.1:{closed_port()}/", rate=100, duration="1s", connections=2)
    assert r.errors["connect_refused"] == 100
    assert r.counters["completed"] == 0 and r.error_rate == 1.0
    assert sum(row["connect_refused"] for row in r.timeline) == 100  # the timeline counts errors by kind too
    assert all(row["error_rate"] == 1.0 for row in r.timeline if row["connect_refused"])
    assert_every_request_accounted_for(r)


def test_a_closed_loop_against_a_closed_port_still_ends_on_time():
    r = perfbench.load_test(f"http://127.0.0.1:{closed_port()}/", closed=True, duration="1s", connections=2)
    assert r.errors["connect_refused"] == r.counters["scheduled"] > 0
    assert r.wall_s < 15


@pytest.mark.parametrize(("faults", "kind", "server_count"), [
    ({"reset_share": 1.0}, "reset", "resets"),  # half the response, then RST
    ({"malformed_share": 1.0}, "malformed", "malformed"),  # a status line that is not HTTP
])
def test_resets_and_malformed_responses_are_counted_by_kind(faults, kind, server_count):
    with faulty(**faults) as server:
        r = perfbench.load_test(server.url(OK), closed=True, requests=20, connections=2)
        assert getattr(settled(server, **{server_count: 20}), server_count) == 20
    assert r.errors[kind] == 20
    assert sum(r.errors.values()) == 20
    assert r.corrected.count == 0


def test_a_promised_body_that_never_comes_is_an_error_not_a_response():
    # 16 bytes promised by Content-Length, then the connection closes: the engine reads a
    # connection ended mid-response, as it does a reset.
    with faulty(malformed_share=1.0, malformed_kind="content_length") as server:
        r = perfbench.load_test(server.url(OK), closed=True, requests=10, connections=2, timeout="5s")
    assert r.errors["reset"] == sum(r.errors.values()) == 10
    assert r.counters["completed"] == 0 and r.corrected.count == 0
    assert_every_request_accounted_for(r)


def test_a_server_that_never_answers_times_out():
    with faulty(never_answer_share=1.0) as server:
        r = perfbench.load_test(server.url(OK), closed=True, requests=4, connections=4, timeout="0.3s")
        assert settled(server, never_answered=4).never_answered == 4
    assert r.errors["timeout"] == 4
    assert_every_request_accounted_for(r)


def test_requests_waiting_past_the_timeout_are_timeouts_not_dropped():
    # 1 connection held by a silent server: the rest of the schedule waits, then times out.
    with faulty(never_answer_share=1.0) as server:
        r = perfbench.load_test(server.url(OK), rate=50, duration="1s", connections=1, timeout="0.3s")
    assert r.counters["scheduled"] == 50
    assert r.errors["timeout"] == 50


def test_429_is_counted_as_rate_limited():
    with faulty(rate_limited_share=1.0) as server:
        r = perfbench.load_test(server.url(OK), closed=True, requests=25, connections=2)
        assert settled(server, rate_limited=25).rate_limited == 25
    assert r.counters["rate_limited"] == 25
    assert r.counters["status_4xx"] == 0 and r.counters["completed"] == 25
    assert r.error_rate == 1.0
    assert r.corrected.count == 0


# -- verdicts: who set the pace -------------------------------------------------------------------

def test_a_server_too_slow_for_the_rate_is_server_bound():
    # Each response is held >= 50 ms, so 2 connections complete at most 40 a second: a target
    # of 200/s cannot be reached, however fast the machine.
    with faulty(delay="50ms") as server:
        r = perfbench.load_test(server.url(OK), rate=200, duration="3s", connections=2, timeout="1s",
                                lag_bound=GENEROUS_LAG)
    # The cap: 2 connections, one response per 50 ms each, while requests are sent: the 3 s of
    # the schedule and up to the 1 s timeout after it for the ones still waiting.
    assert r.counters["completed"] <= 2 * (3 + 1) / 0.05 + 2
    assert r.generator_bound == ()
    assert r.verdict == "target not reached: server-bound"
    shortfall = r.target_shortfall
    assert shortfall.target_rate == pytest.approx(200) and not shortfall.reached
    assert shortfall.achieved_rate < 0.5 * 200
    assert shortfall.shortfall > 0.5
    assert shortfall.worst_window is not None and shortfall.worst_window.second >= 1
    assert shortfall.worst_window.shortfall > 0.5
    assert any("short" in reason for reason in r.server_bound)
    data = json.loads(json.dumps(r.to_dict()))
    assert data["verdict"] == "target not reached: server-bound"
    assert data["target_shortfall"]["tolerance"] == TOLERANCE
    assert data["target_shortfall"]["worst_window"]["scheduled"] > data["target_shortfall"]["worst_window"]["completed"]
    assert data["server_bound"] == list(r.server_bound)


def test_a_run_the_server_keeps_up_with_reaches_its_target(server):
    # 1.5 s: every request is answered (the run waits for them), and there is no whole window
    # after the first whose count a busy machine could shift; the rule's windows are tested
    # on rows in test_target_shortfall.py.
    r = perfbench.load_test(server.url(OK), rate=200, duration="1.5s", connections=4, timeout="10s",
                            lag_bound=GENEROUS_LAG)
    assert r.counters["completed"] == r.counters["scheduled"] == 300
    shortfall = r.target_shortfall
    assert shortfall.reached and shortfall.shortfall == 0 and shortfall.achieved_rate == pytest.approx(200)
    assert r.server_bound == ()
    assert r.verdict == "valid"


def test_a_late_generator_takes_precedence_over_a_short_server():
    # The server cannot keep up (as above), but a 1 ns lag bound makes the generator late too:
    # then the shortfall is not read as the server's.
    with faulty(delay="50ms") as server:
        r = perfbench.load_test(server.url(OK), rate=200, duration="1.5s", connections=2, timeout="1s",
                                lag_bound="1ns")
    assert not r.target_shortfall.reached
    assert r.server_bound == ()
    assert r.verdict == "invalid: generator-bound"
    assert "send lag p99" in r.generator_bound[0]


# -- bounds, stopping, progress, rules ---------------------------------------------------------

def test_a_bounded_run_stops_by_itself(server):
    r = perfbench.load_test(server.url(OK), rate=100, duration="1s", connections=2)
    assert 0.95 <= r.wall_s < 15  # the last request is due at 0.99 s; generous above
    assert r.stop_reason == "completed"


def test_stop_from_another_thread_keeps_what_finished(server):
    test = perfbench.start_load_test(server.url(OK), rate=100, duration="60s", connections=2)
    threading.Timer(1.2, test.stop).start()
    assert test.wait(30)
    r = test.result()
    assert r.stop_reason == "stopped"
    assert r.wall_s < 30
    assert r.counters["ok"] > 0
    assert len(r.timeline) >= 1
    # The second the stop fell in was cut short: its count stays, its rate is not a rate.
    assert all(row["partial"] and row["rate"] is None for row in r.timeline if row["span_s"] < 1.0)
    assert_every_request_accounted_for(r)


def test_ctrl_c_stops_the_run_and_keeps_what_finished(server, tmp_path):
    script = tmp_path / "interrupted.py"
    script.write_text(
        "import json, sys, perfbench\n"
        f"r = perfbench.load_test({server.url(OK)!r}, rate=100, duration='60s', connections=2)\n"
        "print(json.dumps({'stop': r.stop_reason, 'ok': r.counters['ok'], 'wall': r.wall_s}))\n")
    process = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while server.counters().requests < 50 and time.monotonic() < deadline:
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    out, _ = process.communicate(timeout=60)
    assert process.returncode == 0
    summary = json.loads(out)
    assert summary["stop"] == "interrupted"
    assert summary["ok"] >= 50 and summary["wall"] < 60


def test_progress_sees_each_second_as_it_closes(server):
    seen = []
    perfbench.load_test(server.url(OK), rate=50, duration="2.5s", connections=2,
                        on_progress=lambda rows: seen.append(len(rows)))
    assert seen and seen == sorted(seen)
    assert seen[0] >= 1


def test_the_last_partial_window_keeps_its_counts_but_has_no_rate(server):
    # 1.5 s: window 0 is whole; window 1 ends with the run, about half a second long.
    r = perfbench.load_test(server.url(OK), rate=100, duration="1.5s", connections=2)
    *whole, last = r.timeline
    assert whole and all(not row["partial"] and row["span_s"] == 1.0 for row in whole)
    assert last["second"] == 1
    assert all(row["rate"] == row["completed"] for row in whole)
    assert last["partial"] and last["span_s"] < 1.0
    assert last["rate"] is None  # no rate over a span that is not a whole second
    assert last["completed"] > 0  # its responses are still counted
    assert sum(row["completed"] for row in r.timeline) == r.counters["completed"]
    assert r.target_shortfall.worst_window is None  # no whole window after the first


def test_the_last_second_of_sending_is_whole_though_the_run_ends_inside_it(server):
    # 2 s at 100/s: the last request is due at 1.99 s and the engine ends at its response, a
    # moment before 2 s; that window held its whole second of the schedule, so it has a rate.
    r = perfbench.load_test(server.url(OK), rate=100, duration="2s", connections=2)
    second_of_sending = next(row for row in r.timeline if row["second"] == 1)
    assert not second_of_sending["partial"]
    assert second_of_sending["rate"] == second_of_sending["completed"]
    assert all(row["partial"] and row["rate"] is None for row in r.timeline if row["second"] >= 2)  # a tail, if any


def test_an_sla_rule_aborts_the_run_and_says_which_broke_when():
    with faulty(delay="20ms") as server:
        r = perfbench.load_test(server.url(OK), rate=20, duration="30s", connections=4,
                                sla=["error_rate < 1%", "p99 < 1ms"], abort_on_fail=True)
    assert r.stop_reason == "sla"
    assert r.sla_breach["rule"] == "p99 < 1ms"
    assert r.sla_breach["measured"] >= 20e6  # the server waits 20 ms
    assert r.wall_s < 20


def test_rate_of_target_rule_is_read_against_the_schedule():
    r = perfbench.load_test(f"http://127.0.0.1:{closed_port()}/", rate=50, duration="1.5s", connections=2,
                            sla="rate >= 95% of target")
    assert r.sla_breach is not None and r.sla_breach["limit"] == pytest.approx(47.5)
    assert r.sla_breach["second"] == 0  # the only whole window; the partial last one has no rate
    assert r.stop_reason == "completed"  # recorded, not aborted


def test_a_generator_that_cannot_keep_its_schedule_is_invalid(server):
    r = perfbench.load_test(server.url(OK), rate=100, duration="1s", connections=2, lag_bound="1ns")
    assert r.verdict == "invalid: generator-bound"
    assert "send lag p99" in r.generator_bound[0]


def _may_run_realtime() -> bool:
    probe = "import os\ntry:\n    os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(1))\nexcept OSError:\n    print(0)\nelse:\n    print(1)\n"
    return subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True).stdout.strip() == "1"


def test_realtime_threads_run_under_sched_fifo_where_permitted(server):
    r = perfbench.load_test(server.url(OK), rate=100, duration="1s", connections=2, threads=2, realtime=True)
    assert r.realtime_threads == (2 if _may_run_realtime() else 0)
    assert r.counters["ok"] == 100


# -- the result object --------------------------------------------------------------------------

def test_the_result_has_spectra_as_arrays_and_is_json_able(server):
    r = perfbench.load_test(server.url(OK), rate=100, duration="1.2s", connections=2)
    assert r.corrected_spectrum.dtype == np.uint64 and r.corrected_spectrum.shape == r.percentiles.shape
    assert np.all(np.diff(r.corrected_spectrum.astype(np.int64)) >= 0)
    data = json.loads(json.dumps(r.to_dict()))
    assert data["counters"]["scheduled"] == 120
    assert sum(count for _edge, count in data["histograms"]["corrected"]) == r.corrected.count
    assert data["timeline"][-1]["partial"] and data["timeline"][-1]["rate"] is None
    frame = r.timeline_frame()
    assert {"second", "sent", "completed", "rate", "partial", "corrected_p99", "uncorrected_p99", "lag_p99"} <= set(frame)
    assert frame["scheduled"].sum() == 120


# -- bad arguments ------------------------------------------------------------------------------

@pytest.mark.parametrize(("arguments", "fragment"), [
    ({"url": "http://127.0.0.1:1/", "rate": 100}, "duration"),
    ({"url": "not a url", "rate": 100, "duration": "1s"}, "url="),
    ({"url": "https://127.0.0.1/", "rate": 100, "duration": "1s"}, "https"),
    ({"url": "http://127.0.0.1:1/", "rate": -5, "duration": "1s"}, "rate=-5"),
    ({"url": "http://127.0.0.1:1/", "rate": "fast", "duration": "1s"}, "rate='fast'"),
    ({"url": "http://127.0.0.1:1/", "rate": 100, "duration": "-1s"}, "duration="),
    ({"url": "http://127.0.0.1:1/", "rate": 100, "duration": "1s", "connections": 1, "threads": 2}, "connections="),
    ({"url": "http://127.0.0.1:1/", "closed": True}, "duration"),
    ({"url": "http://127.0.0.1:1/", "stages": [{"rate": 10}]}, "stages[0]"),
    ({"url": "http://127.0.0.1:1/", "rate": 10, "closed": True, "duration": "1s"}, "pick one load model"),
    ({"url": "http://127.0.0.1:1/", "rate": 10, "duration": "1s", "sla": "p99 < fast"}, "sla rule"),
    ({"url": "http://127.0.0.1:1/", "rate": 10, "duration": "1s", "method": "get"}, "method="),
])
def test_bad_arguments_raise_one_clear_value_error(arguments, fragment):
    with pytest.raises(ValueError) as raised:
        perfbench.load_test(**arguments)
    message = str(raised.value)
    assert fragment in message and "\n" not in message
    assert isinstance(raised.value, perfbench.errors.UsageError)
