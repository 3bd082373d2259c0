"""`python -m perfbench load` as a user runs it, against the built-in C++ loopback server
(perfbench.load.server) and its injected faults."""

from __future__ import annotations

import json

import pytest

from conftest import assert_one_line_error
from perfbench.load.server import LoopbackServer, ServerFaults

OK = "/bytes/256"


@pytest.fixture
def server():
    with LoopbackServer(body_bytes=256) as s:
        yield s


def test_json_prints_the_whole_result(run_cli, server):
    completed = run_cli("load", server.url(OK), "--rate", "100", "--duration", "1.5s", "--connections", "2",
                        "--json")
    assert completed.returncode == 0, completed.stderr
    data = json.loads(completed.stdout)
    assert data["counters"]["scheduled"] == 150
    assert len(data["corrected_ns"]) == len(data["uncorrected_ns"]) == len(data["percentiles"])
    assert data["target_shortfall"]["target_rate"] == 100
    assert "done" in completed.stderr  # the live progress line of the first second


def test_the_summary_shows_both_spectra_and_the_errors(run_cli):
    with LoopbackServer(faults=ServerFaults(rate_limited_share=1.0)) as server:
        completed = run_cli("load", server.url(OK), "--closed", "--requests", "20", "--connections", "2")
    assert completed.returncode == 0, completed.stderr
    assert "corrected" in completed.stdout and "uncorrected" in completed.stdout
    assert "rate_limited (429) 20" in completed.stdout


def test_the_last_partial_window_is_labelled_and_given_no_rate(run_cli, server):
    # 1.5 s: one whole window, then half a second that ends with the run.
    completed = run_cli("load", server.url(OK), "--rate", "100", "--duration", "1.5s", "--connections", "2")
    assert completed.returncode == 0, completed.stderr
    first, last = completed.stderr.strip().splitlines()
    assert "done       100/s" in first
    assert "(last window, partial: no rate)" in last and "/s" not in last.split("errors")[0]
    assert "timeline: 1 whole 1 s windows and a last partial one of" in completed.stdout


def test_a_server_too_slow_for_the_target_is_called_server_bound_with_its_figures(run_cli):
    # Responses held 50 ms on 2 connections: at most 40/s of the 200/s asked for.
    with LoopbackServer(faults=ServerFaults(delay="50ms")) as server:
        completed = run_cli("load", server.url(OK), "--rate", "200", "--duration", "2.5s", "--connections", "2",
                            "--timeout", "1s", "--lag-bound", "1s")
    assert completed.returncode == 0, completed.stderr  # a finding about the server, not a broken rule
    assert "verdict: target not reached: server-bound" in completed.stdout
    assert "target 200/s, tolerance 5 %:" in completed.stdout
    assert "requests scheduled (" in completed.stdout and "% short); worst whole window after the first: second" \
        in completed.stdout


def test_a_broken_sla_rule_exits_1_and_says_which(run_cli):
    with LoopbackServer(faults=ServerFaults(delay="20ms")) as server:
        completed = run_cli("load", server.url(OK), "--rate", "20", "--duration", "30s", "--sla", "p99 < 1ms",
                            "--abort-on-fail")
    assert completed.returncode == 1, completed.stderr
    assert "p99 < 1ms broke in second" in completed.stdout
    assert "stopped early: sla" in completed.stdout


@pytest.mark.parametrize(("arguments", "fragment"), [
    (("http://127.0.0.1:1/", "--rate", "100"), "duration"),
    (("not-a-url", "--rate", "100", "--duration", "1s"), "url="),
    (("http://127.0.0.1:1/", "--rate", "-5", "--duration", "1s"), "rate="),
    (("http://127.0.0.1:1/", "--stages", "1000", ), "--stages"),
])
def test_bad_arguments_exit_2_with_one_line(run_cli, arguments, fragment):
    assert_one_line_error(run_cli("load", *arguments), fragment)
