"""The default suite's API lane (builtin/api.py): its definitions are well-formed, and a quick run
of its open-loop benchmarks, each against the built-in server in a process of its own, stores load
results whose records show that the server's settings took effect: the token bucket turns away
the share its arithmetic implies (wide tolerance), counted as 429s and as nothing else; every burst
response waited for the injected handler delay and the recovery was measured from the burst's end;
the sustained run sampled both processes' memory each second. Nothing here reads a time against a
limit or asserts a timing verdict: the checks are counts, the schedule and the server's settings."""

from __future__ import annotations

import sqlite3
import pytest

from perfbench.analysis.metric_names import unit_of
from perfbench.builtin import LANES, api, default_lanes
from perfbench.definition.suite import LoadTarget
from perfbench.load.options import load_options
from perfbench.load.result import ERROR_KINDS
from perfbench.load.server_process import server_from
from perfbench.load.stored import LoadRecord, load_summary
from perfbench.sla import SlaRule, TieredRule
from perfbench.store import open_store

OPEN_LOOP = ("api.rate_limit", "api.burst", "api.sustained")
PAIR = ("api.bytes_256.keep_alive", "api.bytes_256.new_connection")


def api_definitions(quick: bool):
    (lane,) = [lane for lane in default_lanes(quick=quick) if lane.name == "api"]
    return {d.name: d for d in lane.benchmarks}


@pytest.mark.parametrize("quick", [True, False], ids=["quick", "full"])
def test_every_api_definition_is_a_bounded_load_test_on_the_built_in_server(quick):
    definitions = api_definitions(quick)
    assert "api" in LANES
    assert set(definitions) == {"api.bytes_256.keep_alive", "api.bytes_1024.keep_alive", "api.bytes_4096.keep_alive",
                                "api.bytes_256.new_connection", *OPEN_LOOP}
    for definition in definitions.values():
        target = definition.target
        assert isinstance(target, LoadTarget) and target.server is not None, definition.name
        server_from(target.server)  # the server settings are ones it accepts
        options = load_options("http://127.0.0.1:1" + target.url, **target.arguments)  # as the run checks them
        assert options.sending_s is not None and options.sending_s <= (4.0 if quick else 30.0), definition.name
        for sla_rule in definition.sla:
            assert isinstance(sla_rule, (SlaRule, TieredRule))
            thresholds = ([sla_rule.threshold] if isinstance(sla_rule, SlaRule)
                          else [t for t in (sla_rule.target, sla_rule.acceptable, sla_rule.critical) if t])
            for threshold in thresholds:  # every rule names a figure a load result has, in a unit it can compare
                assert unit_of(threshold.metric) is not None, (definition.name, threshold.metric)
                assert threshold.compatible_with(unit_of(threshold.metric)), (definition.name, threshold.text)
    iterations = {d.iterations for name, d in definitions.items() if name not in ("api.burst", "api.sustained")}
    assert iterations == ({1} if quick else {api.FULL_ITERATIONS})


def test_the_keep_alive_pair_differs_only_in_the_connection():
    definitions = api_definitions(quick=True)
    keep_alive = definitions["api.bytes_256.keep_alive"].target
    new_connection = definitions["api.bytes_256.new_connection"].target
    assert (keep_alive.url, keep_alive.server) == (new_connection.url, new_connection.server)
    assert {**keep_alive.arguments, "keep_alive": None} == {**new_connection.arguments, "keep_alive": None}
    assert (keep_alive.arguments["keep_alive"], new_connection.arguments["keep_alive"]) == (True, False)


@pytest.mark.parametrize("duration_s", [1.0, 3.0])
def test_the_rate_limit_band_is_the_buckets_arithmetic(duration_s):
    # offered 2,000/s against 1,000/s with 200 tokens: over T s the bucket admits 200 + 1,000 T
    implied = api.implied_rate_limited_share(duration_s)
    assert implied == pytest.approx(1 - (200 + 1000 * duration_s) / (2000 * duration_s))
    definition = api._rate_limit(quick=duration_s == 1.0)
    limits = {r.threshold.op: r.threshold.value for r in definition.sla if r.threshold.metric == "rate_limited_share"}
    assert limits[">="] < implied < limits["<="]
    assert limits["<="] - limits[">="] == pytest.approx(2 * api.SHARE_TOLERANCE, abs=1e-3)


@pytest.fixture(scope="module")
def open_loop_run(tmp_path_factory):
    """One quick run of the three open-loop API benchmarks and the keep-alive pair (about 12 s of load)."""
    import os
    import subprocess
    import sys

    workdir = tmp_path_factory.mktemp("api-run")
    selection = [arg for name in OPEN_LOOP + PAIR for arg in ("--benchmark", name)]
    completed = subprocess.run([sys.executable, "-m", "perfbench", "run", "--quick", "--lane", "api", *selection],
                               cwd=workdir, capture_output=True, text=True, timeout=180, stdin=subprocess.DEVNULL,
                               env=dict(os.environ))
    assert completed.returncode != 3 and "Traceback" not in completed.stderr, completed.stdout + completed.stderr
    with open_store(workdir / ".perfbench" / "results.db", create=False) as store:
        results = {row.result.benchmark: row.result for row in store.results(store.runs()[-1].id)}
    assert set(results) == set(OPEN_LOOP + PAIR)
    return workdir, results


def only_record(result) -> LoadRecord:
    (iteration,) = [i for i in result.iterations if not i.warmup]
    return LoadRecord(iteration.load)


def test_keep_alive_reuses_its_connections_and_the_other_half_opens_one_per_request(open_loop_run):
    _, results = open_loop_run
    keep_alive, new_connection = (only_record(results[name]).counters for name in PAIR)
    assert keep_alive["connections_opened"] == api.CONNECTIONS < keep_alive["completed"]
    assert new_connection["connections_opened"] == new_connection["sent"] > api.CONNECTIONS
    for counters in (keep_alive, new_connection):
        assert counters["ok"] == counters["completed"] and all(counters[kind] == 0 for kind in ERROR_KINDS)


def test_the_token_bucket_turns_away_its_share_as_429s_and_nothing_else(open_loop_run):
    workdir, results = open_loop_run
    record = only_record(results["api.rate_limit"])
    counters = record.counters
    duration = record.options["stages"][0]["duration_s"]
    assert counters["scheduled"] == api.OFFERED_RATE * duration  # the schedule, whole
    # Every response is a 200 or a 429; the 429s are counted as rate-limited, not as 4xx or errors.
    assert counters["status_2xx"] + counters["rate_limited"] == counters["completed"]
    assert counters["status_4xx"] == counters["status_5xx"] == 0
    assert all(counters[kind] == 0 for kind in ERROR_KINDS)
    share = counters["rate_limited"] / counters["completed"]
    assert share == pytest.approx(api.implied_rate_limited_share(duration), abs=api.SHARE_TOLERANCE)
    assert results["api.rate_limit"].metric("rate_limited_share").value == pytest.approx(share)
    # the band's rules read that same share (the bucket's arithmetic, not the machine's speed)
    with sqlite3.connect(workdir / ".perfbench" / "results.db") as db:
        band = [status for (status,) in db.execute(
            "SELECT status FROM sla_verdicts WHERE benchmark = 'api/api.rate_limit' AND metric = 'rate_limited_share'")]
    assert band == ["pass", "pass"]


def test_the_burst_waits_for_the_handler_delay_and_measures_recovery_from_its_end(open_loop_run):
    _, results = open_loop_run
    result = results["api.burst"]
    record = only_record(result)
    burst = record.options["stages"]
    # the schedule: 0.5 s at 1k/s, 0.5 s at 10k/s, 2 s at 1k/s
    assert [s["rate"] for s in burst] == [api.BURST_BASELINE, api.BURST_RATE, api.BURST_BASELINE]
    assert record.counters["scheduled"] == sum(round(s["rate"] * s["duration_s"]) for s in burst)
    assert record.counters["ok"] == record.counters["completed"]
    # every response waited for the server's injected 5 ms: the delay took effect
    assert record.corrected.min >= 5_000_000 and record.uncorrected.min >= 5_000_000
    recovery = record.recovery
    assert recovery is not None
    assert recovery["burst_end_s"] == pytest.approx(burst[0]["duration_s"] + burst[1]["duration_s"])
    assert recovery["baseline_p99_ns"] >= 5_000_000
    # recovered or not, the figure follows the record (a run that never recovered has none)
    metric = result.metric("recovery_time")
    assert (metric.value if metric else None) == (1e9 * recovery["recovery_s"] if recovery["recovered"] else None)


def test_the_sustained_run_samples_both_processes_memory_each_second(open_loop_run):
    _, results = open_loop_run
    result = results["api.sustained"]
    record = only_record(result)
    seconds = record.options["stages"][0]["duration_s"]
    memory = record.memory
    for who in ("generator", "server"):
        series = memory[f"{who}_rss"]
        assert len(series) >= seconds and all(v > 0 for v in series), who
        assert result.metric(f"{who}_rss_growth") is not None, who
    # two processes: the server's memory is its own, not the generator's
    assert memory["server_rss"] != memory["generator_rss"]
    assert load_summary(result).memory_growth("server") == result.metric("server_rss_growth").value


def test_every_rule_of_the_run_was_judged_and_stored(open_loop_run):
    workdir, _ = open_loop_run
    definitions = api_definitions(quick=True)
    with sqlite3.connect(workdir / ".perfbench" / "results.db") as db:
        stored = {(benchmark, expression) for benchmark, expression in
                  db.execute("SELECT benchmark, expression FROM sla_verdicts")}
    expected = {(f"api/{name}", r.expression) for name in OPEN_LOOP + PAIR for r in definitions[name].sla}
    assert stored == expected
