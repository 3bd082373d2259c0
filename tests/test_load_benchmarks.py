"""Load tests stored as benchmarks: ``[[load]]`` in a config, run by ``run`` against the built-in
server (its own process), read back from a real SQLite store, compared with a baseline, judged by
SLA rules; and ``LoadResult.save`` from Python. Nothing here is judged on an absolute time: the
comparison is between a server without and with an injected 20 ms delay (≥ 20× apart), and the
lag bound is set high so that a busy machine does not make the runs generator-bound."""

from __future__ import annotations

import json
import sqlite3
import textwrap
from pathlib import Path

import numpy as np
import pytest

import perfbench
from conftest import assert_one_line_error
from perfbench.load.server import LoopbackServer
from perfbench.load.stored import LoadRecord, load_summary
from perfbench.store import open_store

LOAD = """
[lanes.heavy]
iterations = {iterations}
warmup = 0

[[load]]
name = "api"
url = "/bytes/1024"
server = {{ threads = 1{faults} }}
rate = "100/s"
duration = "2.2s"
connections = 32
lag_bound = "10s"
sla = ["p99 < 10s", "error_rate < 1%", "rate_of_target >= 50%"]
"""


def write_config(directory: Path, faults: str = "", extra: str = "", iterations: int = 2) -> None:
    (directory / "perfbench.toml").write_text(textwrap.dedent(LOAD.format(faults=faults, iterations=iterations))
                                              + textwrap.dedent(extra))


def stored_load_result(directory: Path):
    """The one result of the latest run in the directory's store."""
    with open_store(directory / ".perfbench" / "results.db", create=False) as store:
        (stored,) = store.results(store.runs()[-1].id)
        return stored.result


def test_a_load_entry_runs_as_a_benchmark_and_its_record_survives_the_store(run_cli, tmp_path):
    write_config(tmp_path)
    completed = run_cli("run", timeout=180)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    result = stored_load_result(tmp_path)
    assert (result.lane, result.benchmark, result.kind) == ("heavy", "api", "load")
    records = [LoadRecord(i.load) for i in result.iterations]
    assert len(records) == 2
    for record in records:
        counters = record.counters
        # every scheduled request accounted for: 100/s over 2.2 s
        assert counters["scheduled"] == 220
        assert counters["completed"] + counters["cancelled"] + sum(
            counters[k] for k in ("connect_refused", "connect_failed", "reset", "timeout", "malformed")) == 220
        assert record.corrected.count == counters["ok"]  # the histogram came back whole from the store
        assert record.memory["server_rss"] and record.memory["generator_rss"]
    summary = load_summary(result)
    assert summary.corrected.count == sum(r.counters["ok"] for r in records)
    spectrum = summary.corrected_spectrum
    assert np.all(np.diff(spectrum.astype(float)) >= 0)
    # a request is never faster uncorrected than corrected: the intended time is never later than the sending
    assert summary.corrected.max >= summary.uncorrected.max
    # the samples are the whole windows' medians (two per 2.2 s iteration), one segment per iteration
    assert result.measurement.samples_ns.size == 4
    # the SLA names a load test's figures: p99 is the pooled corrected p99, not a statistic of the samples
    assert result.metric("latency_p99").value == pytest.approx(float(summary.corrected.value_at_percentile(99)))
    assert result.metric("error_rate").value == 0.0
    assert result.metric("rate_of_target").value == pytest.approx(1.0, abs=0.02)
    with sqlite3.connect(tmp_path / ".perfbench" / "results.db") as db:
        verdicts = dict(db.execute("SELECT expression, status FROM sla_verdicts"))
    assert verdicts == {"p99 < 10s": "pass", "error_rate < 1%": "pass", "rate_of_target >= 50%": "pass"}


def test_a_slower_server_is_a_slower_verdict_against_the_baseline(run_cli, tmp_path):
    # Three iterations: each is the samples' unit of noise, and an interval needs three. A 200 ms
    # delay (32 connections carry the 20 requests it keeps in flight) is a hundredfold change.
    write_config(tmp_path, iterations=3)
    assert run_cli("run", "--save-baseline", "main", timeout=300).returncode == 0
    write_config(tmp_path, faults=', faults = { delay = "200ms" }', iterations=3)
    completed = run_cli("run", "--baseline", "main", "--report", "json", timeout=300)
    assert completed.returncode == 1, completed.stdout + completed.stderr
    report = json.loads(next((tmp_path / "reports").glob("*.json")).read_text())
    (verdict,) = report["comparison"]["verdicts"]
    assert (verdict["lane"], verdict["benchmark"], verdict["status"]) == ("heavy", "api", "slower")


def test_a_server_that_answers_only_429_fails_the_benchmark_and_keeps_its_record(run_cli, tmp_path):
    write_config(tmp_path, faults=", faults = { rate_limited_share = 1.0 }")
    completed = run_cli("run", timeout=180)
    assert completed.returncode == 3, completed.stdout + completed.stderr
    assert "no request succeeded" in completed.stdout + completed.stderr
    record = LoadRecord(stored_load_result(tmp_path).iterations[0].load)
    assert record.counters["rate_limited"] == record.counters["completed"] > 0


def test_429s_are_told_from_other_failures(run_cli, tmp_path):
    # Half the responses 429, and one request in ten reset mid-response.
    write_config(tmp_path, faults=", faults = { rate_limited_share = 0.5, reset_share = 0.1 }")
    run_cli("run", timeout=180)  # its error_rate rule breaks: the figures are what this test reads
    result = stored_load_result(tmp_path)
    counters = load_summary(result).counters
    finished = counters["completed"] + sum(counters[k] for k in ("connect_refused", "connect_failed", "reset",
                                                                  "timeout", "malformed"))
    assert counters["reset"] > 0 and counters["rate_limited"] > 0
    assert result.metric("rate_limited_share").value == pytest.approx(counters["rate_limited"] / finished)
    assert result.metric("other_error_rate").value == pytest.approx(counters["reset"] / finished)
    assert result.metric("error_rate").value == pytest.approx((counters["reset"] + counters["rate_limited"]) / finished)


@pytest.mark.parametrize(("extra_keys", "key", "fragment"), [
    ('duration = "2s"\nrate = -5', "load[1].rate", "must not be negative"),
    ('rate = "5/s"', "load[1].duration", "duration"),
    ('rate = "5/s"\nduration = "1s"\nserver = { faults = { delai = "1ms" } }', "load[1].server", "delai"),
    ('rate = "5/s"\nduration = "1s"\nabort_on_fail = true', "load[1].abort_on_fail", "window_sla"),
    ('rate = "5/s"\nduration = "1s"\nwindow_sla = ["p99 < fast"]', "load[1].window_sla", "fast"),
    ('rate = "5/s"\nduration = "1s"\nsla = ["p99 < 1 parsec"]', "load[1].sla", "parsec"),
])
def test_a_wrong_load_entry_is_one_line_naming_its_key(run_cli, tmp_path, extra_keys, key, fragment):
    write_config(tmp_path, extra='\n[[load]]\nname = "bad"\nurl = "http://127.0.0.1:1/"\n' + extra_keys + "\n")
    completed = run_cli("run")
    assert_one_line_error(completed, key, fragment)


def test_two_load_entries_with_one_name_are_refused(run_cli, tmp_path):
    write_config(tmp_path, extra='\n[[load]]\nname = "api"\nurl = "http://127.0.0.1:1/"\nrate = 5\nduration = 1\n')
    assert_one_line_error(run_cli("run"), "load[1].name", "already the name of load[0]")


def test_a_load_test_from_python_is_saved_as_a_benchmark(tmp_path):
    with LoopbackServer() as server:
        result = perfbench.load_test(server.url("/bytes/256"), rate=300, duration="1.5s", connections=4,
                                     lag_bound="10s")
    run_id = result.save("from-python", store=tmp_path / "results.db", sla=["error_rate < 1%"])
    with open_store(tmp_path / "results.db", create=False) as store:
        (row,) = store.results(run_id)
    stored = row.result
    assert (stored.lane, stored.benchmark, stored.kind) == ("heavy", "from-python", "load")
    summary = load_summary(stored)
    assert summary.corrected.count == result.corrected.count
    assert np.array_equal(summary.corrected_spectrum, result.corrected_spectrum)


def test_the_load_command_saves_its_result_with_its_rules_judged_on_the_whole_run(run_cli, tmp_path):
    with LoopbackServer() as server:
        completed = run_cli("load", server.url("/bytes/256"), "--rate", "200", "--duration", "1.5s",
                            "--lag-bound", "10s", "--sla", "rate >= 50% of target", "--sla", "error_rate < 1%",
                            "--save", "cli-api", "--lane", "smoke", "--store", str(tmp_path / "cli.db"))
    assert completed.returncode == 0, completed.stderr
    assert "stored run 1 (smoke/cli-api)" in completed.stderr
    with open_store(tmp_path / "cli.db", create=False) as store:
        (row,) = store.results(1)
        verdicts = {v.expression: v.status for v in store.verdicts(1)}
    assert (row.result.lane, row.result.benchmark, row.result.kind) == ("smoke", "cli-api", "load")
    assert row.result.metric("requests").value == 300
    assert verdicts == {"rate_of_target >= 50%": "pass", "error_rate < 1%": "pass"}
