"""`python -m perfbench load` as a user runs it, against the loopback fault server."""

from __future__ import annotations

import json

import pytest

from conftest import assert_one_line_error
from http_fault_server import FaultServer


@pytest.fixture
def server():
    with FaultServer() as s:
        yield s


def test_json_prints_the_whole_result(run_cli, server):
    completed = run_cli("load", server.url("/ok"), "--rate", "100", "--duration", "1.5s", "--connections", "2",
                        "--json")
    assert completed.returncode == 0, completed.stderr
    data = json.loads(completed.stdout)
    assert data["counters"]["scheduled"] == 150
    assert len(data["corrected_ns"]) == len(data["uncorrected_ns"]) == len(data["percentiles"])
    assert "done" in completed.stderr  # the live progress line of the first second


def test_the_summary_shows_both_spectra_and_the_errors(run_cli, server):
    completed = run_cli("load", server.url("/429"), "--closed", "--requests", "20", "--connections", "2")
    assert completed.returncode == 0, completed.stderr
    assert "corrected" in completed.stdout and "uncorrected" in completed.stdout
    assert "rate_limited (429) 20" in completed.stdout


def test_a_broken_sla_rule_exits_1_and_says_which(run_cli, server):
    completed = run_cli("load", server.url("/slow"), "--rate", "20", "--duration", "30s", "--sla", "p99 < 1ms",
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
