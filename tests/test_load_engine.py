"""The load engine against real sockets on loopback (tests/http_fault_server.py).

Counts are exact where the schedule makes them so (a constant rate over a duration schedules
rate x duration requests); latencies and durations are checked only for their order and size
against what the server was made to do (a 1 s stall), never against an absolute time.
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
from http_fault_server import FaultServer, closed_port


@pytest.fixture
def server():
    with FaultServer() as s:
        yield s


def assert_every_request_accounted_for(r) -> None:
    c = r.counters
    assert c["scheduled"] == c["completed"] + sum(r.errors.values()) + c["cancelled"]


# -- load models ----------------------------------------------------------------------------------

def test_closed_loop_sends_the_requested_count(server):
    r = perfbench.load_test(server.url("/ok"), closed=True, requests=60, connections=3, threads=1)
    assert r.counters["completed"] == r.counters["ok"] == r.counters["status_2xx"] == 60
    assert len(server.requests) == 60
    assert r.corrected.count == r.uncorrected.count == 60
    assert r.lag.count == 0  # a closed loop has no schedule to be late for
    assert r.stop_reason == "completed"
    assert_every_request_accounted_for(r)


def test_constant_rate_schedules_rate_times_duration_over_two_threads(server):
    r = perfbench.load_test(server.url("/ok"), rate=200, duration="1.5s", connections=4, threads=2)
    assert r.counters["scheduled"] == 300
    assert r.lag.count == 300  # every intended send has its lag
    assert r.counters["connections_opened"] >= 2
    assert_every_request_accounted_for(r)
    assert r.target_rate == pytest.approx(200)


def test_an_open_loop_may_be_bounded_by_its_request_count(server):
    test = perfbench.start_load_test(server.url("/ok"), rate=200, requests=50, connections=2, threads=2)
    assert test.wait(60)
    r = test.result()
    assert r.counters["scheduled"] == r.counters["ok"] == 50
    assert r.target_rate == 200
    assert test.result().counters == r.counters  # the engine's figures are merged once


def test_ramping_stages_follow_their_rates(server):
    r = perfbench.load_test(server.url("/ok"), stages=[{"rate": 100, "duration": "1s"},
                                                       {"rate": 300, "duration": "1s"}], connections=4)
    assert r.counters["scheduled"] == 400
    assert [h.count > 0 for h in r.stage_corrected] == [True, True]
    assert r.stage_starts_s == (0.0, 1.0, 2.0)
    by_second = {row["second"]: row["scheduled"] for row in r.timeline}
    assert by_second[1] > by_second[0]
    assert_every_request_accounted_for(r)


def test_poisson_arrivals_keep_the_mean_rate(server):
    r = perfbench.load_test(server.url("/ok"), rate=300, duration="2s", poisson=True, connections=4, threads=2)
    assert 450 <= r.counters["scheduled"] <= 750  # 600 expected; the standard deviation is ~25
    assert_every_request_accounted_for(r)


def test_burst_reports_its_recovery_against_the_baseline_phase(server):
    r = perfbench.load_test(server.url("/ok"), burst={"baseline": 100, "rate": 400, "before": "2s",
                                                      "during": "1s", "after": "2s"}, connections=8)
    assert r.counters["scheduled"] == 100 * 2 + 400 + 100 * 2
    recovery = r.recovery
    assert recovery is not None
    assert recovery.burst_end_s == 3.0
    assert recovery.baseline_p99_ns == r.stage_corrected[0].value_at_percentile(99)
    assert (recovery.recovery_s is None) == (not recovery.recovered)
    assert_every_request_accounted_for(r)


# -- what is measured ---------------------------------------------------------------------------

def test_a_server_stall_shows_in_the_corrected_tail_and_hides_from_the_uncorrected():
    # 1 s stall in a 3 s run at 300/s over 2 connections: ~300 requests are due during the
    # stall and wait for it (corrected), but only the 2 in flight see it from their send time.
    with FaultServer(stall_s=1.0) as server:
        r = perfbench.load_test(server.url("/stall"), rate=300, duration="3s", connections=2, timeout="10s")
    assert r.counters["ok"] == 900
    corrected_p99 = r.corrected.value_at_percentile(99)
    uncorrected_p99 = r.uncorrected.value_at_percentile(99)
    assert 0.5e9 <= corrected_p99 <= 3e9  # of the stall's order
    assert r.corrected.max >= 0.9e9
    assert uncorrected_p99 * 3 < corrected_p99
    assert r.counters["waited_for_connection"] > 100  # due while both connections were stalled


def test_post_body_and_headers_reach_the_server(server):
    r = perfbench.load_test(server.url("/ok?q=1"), closed=True, requests=5, connections=1, method="POST",
                            body_size="1KB", headers={"X-Trace": "perfbench"})
    assert r.counters["ok"] == 5
    method, target, headers, body_bytes = server.requests[0]
    assert (method, target, body_bytes) == ("POST", "/ok?q=1", 1000)
    assert headers["x-trace"] == "perfbench"
    assert headers["host"] == f"127.0.0.1:{server.port}"


@pytest.mark.parametrize("path", ["/chunked", "/until-close", "/trickle", "/big"])
def test_chunked_and_close_delimited_bodies_complete(server, path):
    r = perfbench.load_test(server.url(path), closed=True, requests=20, connections=2)
    assert r.counters["ok"] == 20
    assert sum(r.errors.values()) == 0


def test_a_body_larger_than_the_socket_buffer_is_written_in_parts(server):
    r = perfbench.load_test(server.url("/ok"), closed=True, requests=2, connections=1, method="POST",
                            body_size="8MB", timeout="30s")
    assert r.counters["ok"] == 2
    assert [request[3] for request in server.requests] == [8_000_000, 8_000_000]


def test_a_new_connection_per_request(server):
    r = perfbench.load_test(server.url("/ok"), closed=True, requests=30, connections=2, keep_alive=False)
    assert r.counters["ok"] == 30
    assert r.counters["connections_opened"] == 30
    assert server.connections == 30


def test_keep_alive_reuses_connections(server):
    r = perfbench.load_test(server.url("/ok"), closed=True, requests=30, connections=2)
    assert r.counters["connections_opened"] == 2


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


@pytest.mark.parametrize(("path", "kind"), [("/reset", "reset"), ("/garbage", "malformed")])
def test_resets_and_garbage_are_counted_by_kind(server, path, kind):
    r = perfbench.load_test(server.url(path), closed=True, requests=20, connections=2)
    assert r.errors[kind] == 20
    assert sum(r.errors.values()) == 20
    assert r.corrected.count == 0


def test_a_server_that_never_answers_times_out(server):
    r = perfbench.load_test(server.url("/never"), closed=True, requests=4, connections=4, timeout="0.3s")
    assert r.errors["timeout"] == 4
    assert_every_request_accounted_for(r)


def test_requests_waiting_past_the_timeout_are_timeouts_not_dropped(server):
    # 1 connection held by a silent server: the rest of the schedule waits, then times out.
    r = perfbench.load_test(server.url("/never"), rate=50, duration="1s", connections=1, timeout="0.3s")
    assert r.counters["scheduled"] == 50
    assert r.errors["timeout"] == 50


def test_429_is_counted_as_rate_limited(server):
    r = perfbench.load_test(server.url("/429"), closed=True, requests=25, connections=2)
    assert r.counters["rate_limited"] == 25
    assert r.counters["status_4xx"] == 0 and r.counters["completed"] == 25
    assert r.error_rate == 1.0
    assert r.corrected.count == 0


# -- bounds, stopping, progress, rules ---------------------------------------------------------

def test_a_bounded_run_stops_by_itself(server):
    r = perfbench.load_test(server.url("/ok"), rate=100, duration="1s", connections=2)
    assert 0.95 <= r.wall_s < 15  # the last request is due at 0.99 s; generous above
    assert r.stop_reason == "completed"


def test_stop_from_another_thread_keeps_what_finished(server):
    test = perfbench.start_load_test(server.url("/ok"), rate=100, duration="60s", connections=2)
    threading.Timer(1.2, test.stop).start()
    assert test.wait(30)
    r = test.result()
    assert r.stop_reason == "stopped"
    assert r.wall_s < 30
    assert r.counters["ok"] > 0
    assert len(r.timeline) >= 1
    assert_every_request_accounted_for(r)


def test_ctrl_c_stops_the_run_and_keeps_what_finished(server, tmp_path):
    script = tmp_path / "interrupted.py"
    script.write_text(
        "import json, sys, perfbench\n"
        f"r = perfbench.load_test({server.url('/ok')!r}, rate=100, duration='60s', connections=2)\n"
        "print(json.dumps({'stop': r.stop_reason, 'ok': r.counters['ok'], 'wall': r.wall_s}))\n")
    process = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while len(server.requests) < 50 and time.monotonic() < deadline:
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    out, _ = process.communicate(timeout=60)
    assert process.returncode == 0
    summary = json.loads(out)
    assert summary["stop"] == "interrupted"
    assert summary["ok"] >= 50 and summary["wall"] < 60


def test_progress_sees_each_second_as_it_closes(server):
    seen = []
    perfbench.load_test(server.url("/ok"), rate=50, duration="2.5s", connections=2,
                        on_progress=lambda rows: seen.append(len(rows)))
    assert seen and seen == sorted(seen)
    assert seen[0] >= 1


def test_an_sla_rule_aborts_the_run_and_says_which_broke_when(server):
    r = perfbench.load_test(server.url("/slow"), rate=20, duration="30s", connections=4,
                            sla=["error_rate < 1%", "p99 < 1ms"], abort_on_fail=True)
    assert r.stop_reason == "sla"
    assert r.sla_breach["rule"] == "p99 < 1ms"
    assert r.sla_breach["measured"] >= 20e6  # the server waits 20 ms
    assert r.wall_s < 20


def test_rate_of_target_rule_is_read_against_the_schedule(server):
    r = perfbench.load_test(f"http://127.0.0.1:{closed_port()}/", rate=50, duration="1.5s", connections=2,
                            sla="rate >= 95% of target")
    assert r.sla_breach is not None and r.sla_breach["limit"] == pytest.approx(47.5)
    assert r.stop_reason == "completed"  # recorded, not aborted


def test_a_generator_that_cannot_keep_its_schedule_is_invalid(server):
    r = perfbench.load_test(server.url("/ok"), rate=100, duration="1s", connections=2, lag_bound="1ns")
    assert r.verdict == "invalid: generator-bound"
    assert "send lag p99" in r.generator_bound[0]


def _may_run_realtime() -> bool:
    probe = "import os\ntry:\n    os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(1))\nexcept OSError:\n    print(0)\nelse:\n    print(1)\n"
    return subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True).stdout.strip() == "1"


def test_realtime_threads_run_under_sched_fifo_where_permitted(server):
    r = perfbench.load_test(server.url("/ok"), rate=100, duration="1s", connections=2, threads=2, realtime=True)
    assert r.realtime_threads == (2 if _may_run_realtime() else 0)
    assert r.counters["ok"] == 100


# -- the result object --------------------------------------------------------------------------

def test_the_result_has_spectra_as_arrays_and_is_json_able(server):
    r = perfbench.load_test(server.url("/ok"), rate=100, duration="1.2s", connections=2)
    assert r.corrected_spectrum.dtype == np.uint64 and r.corrected_spectrum.shape == r.percentiles.shape
    assert np.all(np.diff(r.corrected_spectrum.astype(np.int64)) >= 0)
    data = json.loads(json.dumps(r.to_dict()))
    assert data["counters"]["scheduled"] == 120
    assert sum(count for _edge, count in data["histograms"]["corrected"]) == r.corrected.count
    frame = r.timeline_frame()
    assert {"second", "sent", "completed", "rate", "corrected_p99", "uncorrected_p99", "lag_p99"} <= set(frame)
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
