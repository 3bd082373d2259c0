"""`python -m perfbench run` end to end in a temporary directory, and bad input."""

from __future__ import annotations

import csv
import json
import sqlite3
from pathlib import Path

import pytest

from conftest import assert_one_line_error, exit_code_the_store_implies

from perfbench.store.sqlite_schema import SCHEMA_VERSION


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory: pytest.TempPathFactory):
    import os
    import subprocess
    import sys

    workdir = tmp_path_factory.mktemp("quick-run")
    completed = subprocess.run([sys.executable, "-m", "perfbench", "run", "--quick", "--store", "results/db.sqlite",
                                "--output-dir", "out"], cwd=workdir, capture_output=True, text=True, timeout=120,
                               stdin=subprocess.DEVNULL, env=dict(os.environ))
    return workdir, completed


def test_quick_run_exit_code_follows_its_verdicts(quick_run) -> None:
    # Every benchmark runs (no exit 3, no traceback); whether a timing SLA of the built-in
    # suite holds depends on the machine, so the exit code is checked against the verdicts
    # the run stored, not against a fixed value.
    workdir, completed = quick_run
    assert "Traceback" not in completed.stderr
    assert completed.returncode == exit_code_the_store_implies(workdir / "results" / "db.sqlite"), completed.stderr
    assert completed.returncode != 3, completed.stderr
    assert "hash_lookup_1k" in completed.stdout


def test_quick_covers_every_lane(quick_run) -> None:
    from perfbench.builtin import LANES, default_lanes

    workdir, completed = quick_run
    assert {lane.name for lane in default_lanes(quick=True)} == set(LANES)
    with sqlite3.connect(workdir / "results" / "db.sqlite") as db:
        lanes = {row[0] for row in db.execute("SELECT DISTINCT lane FROM results")}
        count = db.execute("SELECT COUNT(*) FROM results").fetchone()[0]
    assert lanes == set(LANES)
    assert count == sum(len(lane.benchmarks) for lane in default_lanes(quick=True))


def test_results_are_in_the_sqlite_store(quick_run) -> None:
    workdir, _ = quick_run
    with sqlite3.connect(workdir / "results" / "db.sqlite") as db:
        (version,) = db.execute("SELECT value FROM schema_info WHERE key = 'schema_version'").fetchone()
        runs = db.execute("SELECT id, status, environment FROM runs").fetchall()
        rows = db.execute("SELECT benchmark, status, median, n, measurement, stats FROM results").fetchall()
        with_samples = db.execute("SELECT COUNT(*) FROM iterations WHERE samples IS NOT NULL").fetchone()[0]
    assert int(version) == SCHEMA_VERSION
    assert len(runs) == 1 and runs[0][1] == "complete"
    assert '"cpu"' in runs[0][2]
    names = {row[0] for row in rows}
    assert {"empty", "add_chain_8", "hash_lookup_1k", "memcpy_4KiB", "sort_1k"} <= names
    assert all(row[1] == "ok" and row[2] is not None and row[3] > 0 for row in rows)
    # samples are stored once, in the iterations; a result keeps its statistics
    assert all('"samples_ns"' not in row[4] and json.loads(row[5])["n"] == row[3] for row in rows)
    assert with_samples >= len(rows)
    assert runs[0][1] == "complete"


def test_csv_parses_with_one_row_per_benchmark_and_statistic_set(quick_run) -> None:
    workdir, _ = quick_run
    # (the api lane's load benchmarks add a -load-timeline.csv beside the others)
    (path,) = [p for p in (workdir / "out").glob("*.csv")
               if not p.stem.endswith(("-metrics", "-sla", "-statistics", "-load-timeline"))]
    raw = path.read_bytes()
    assert b"\r\n" in raw  # RFC 4180 line ends
    with open(path, newline="") as handle:
        rows = list(csv.DictReader(handle))
    units = {(row["benchmark"], row["unit"]) for row in rows}
    assert ("hash_lookup_1k", "ns") in units
    assert len(units) == len(rows)  # no duplicate benchmark x statistic set
    for row in rows:
        assert float(row["n"]) > 0 and float(row["median"]) == float(row["median"])


def test_metrics_csv_holds_the_figures_beyond_timing(quick_run) -> None:
    workdir, _ = quick_run
    (path,) = (workdir / "out").glob("*-metrics.csv")
    with open(path, newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert rows and {"metric", "value", "unit"} <= rows[0].keys()
    throughput = [r for r in rows if r["benchmark"] == "messages.throughput" and r["metric"] == "throughput_msgs_per_s"]
    assert throughput and float(throughput[0]["value"]) > 0 and throughput[0]["unit"] == "per_s"
    assert any(r["sweep_value"] for r in rows)  # sweep points, one row per point and figure


def test_the_sla_csv_holds_every_verdict_with_its_interval(quick_run) -> None:
    workdir, _ = quick_run
    (path,) = (workdir / "out").glob("*-sla.csv")
    with open(path, newline="") as handle:
        rows = list(csv.DictReader(handle))
    with sqlite3.connect(workdir / "results" / "db.sqlite") as db:
        stored = db.execute("SELECT COUNT(*) FROM sla_verdicts").fetchone()[0]
    assert len(rows) == stored > 0
    judged = [row for row in rows if row["status"] in ("pass", "violated", "unsure")]
    assert judged
    for row in judged:
        if row["ci95_low"]:  # a figure with an interval: the interval holds it
            assert float(row["ci95_low"]) <= float(row["measured"]) <= float(row["ci95_high"]), row
            assert row["interval_from"]
        if row["status"] == "unsure":
            assert row["settle"] and row["between"] and row["ci95_low"]


def test_html_summary_exists(quick_run) -> None:
    workdir, _ = quick_run
    (path,) = (workdir / "out").glob("*.html")
    html = path.read_text()
    assert "<table" in html and "hash_lookup_1k" in html and "Environment" in html


def test_default_store_location(run_cli, tmp_path: Path) -> None:
    completed = run_cli("run", "--quick", "--lane", "core", "--budget", "20ms")
    assert (tmp_path / ".perfbench" / "results.db").exists()
    assert completed.returncode == exit_code_the_store_implies(tmp_path / ".perfbench" / "results.db"), completed.stderr
    assert list((tmp_path / "reports").glob("*.html"))


@pytest.mark.parametrize(("args", "fragments"), [
    (["run", "--budget", "5parsecs"], ["--budget", "5parsecs", "duration"]),
    (["run", "--budget", "10"], ["--budget", "duration"]),
    (["run", "--no-such-flag"], ["--no-such-flag"]),
    (["run", "--lane", "nope"], ["--lane", "nope", "core"]),
    (["frobnicate"], ["frobnicate"]),
    ([], ["COMMAND"]),
], ids=["bad-unit", "missing-unit", "unknown-flag", "unknown-lane", "unknown-command", "no-command"])
def test_bad_input_gives_exit_2_and_one_line(run_cli, args: list[str], fragments: list[str]) -> None:
    assert_one_line_error(run_cli(*args), *fragments)


def test_unreadable_store_gives_exit_2(run_cli, tmp_path: Path) -> None:
    (tmp_path / "garbage.db").write_bytes(b"this is not sqlite" * 100)
    assert_one_line_error(run_cli("run", "--quick", "--store", "garbage.db"), "garbage.db")


def test_version_and_help(run_cli) -> None:
    version = run_cli("--version")
    assert version.returncode == 0 and version.stdout.startswith("perfbench ")
    helped = run_cli("run", "--help")
    assert helped.returncode == 0 and "--quick" in helped.stdout
