"""A decorated benchmark's numeric parameter becomes a sweep with a growth fit; its
declared work per call becomes items/s and bytes/s."""

from __future__ import annotations

import csv
import json
import sqlite3
from pathlib import Path

import pytest

import perfbench
from perfbench.definition.project import project_definitions

ROWS_AND_SIZES = """
import perfbench

DATA = list(range(20_000))

@perfbench.benchmark(lane="grow", params={"n": [4000, 500, 16000], "reverse": [False, True]}, budget="30ms")
def sort_prefix(n, reverse):
    sorted(DATA[:n], reverse=reverse)

@perfbench.benchmark(lane="grow", params={"seed": [1, 2, 3]}, sweep=False, budget="30ms")
def seeded(seed):
    return seed * 2

@perfbench.benchmark(lane="grow", params={"n": [10, 100], "m": [1, 2]}, budget="30ms")
def two_numbers(n, m):
    return n * m

@perfbench.benchmark(lane="grow", params={"n": [10, 100], "m": [1, 2]}, sweep="m", budget="30ms")
def chosen(n, m):
    return n * m
"""


def _definitions(write_module, tmp_path: Path, source: str):
    write_module("benchmarks/bench_sizes.py", source)
    return {d.name: d for d in project_definitions(tmp_path, None)}


def test_a_numeric_parameter_is_swept_and_the_others_stay_rows(write_module, tmp_path: Path) -> None:
    found = _definitions(write_module, tmp_path, ROWS_AND_SIZES)
    assert set(found) == {"chosen[n=10]", "chosen[n=100]", "seeded[seed=1]", "seeded[seed=2]", "seeded[seed=3]",
                          "sort_prefix[reverse=False]", "sort_prefix[reverse=True]",
                          "two_numbers[n=10,m=1]", "two_numbers[n=10,m=2]", "two_numbers[n=100,m=1]",
                          "two_numbers[n=100,m=2]"}
    sweep = found["sort_prefix[reverse=True]"].sweep
    assert (sweep.param, sweep.values) == ("n", (500, 4000, 16000))  # in increasing order, ints kept
    assert dict(found["sort_prefix[reverse=True]"].target.params) == {"reverse": True}
    assert found["seeded[seed=1]"].sweep is None  # sweep=False: the numbers are not sizes
    assert found["two_numbers[n=10,m=1]"].sweep is None  # two numeric parameters: none is guessed
    assert found["chosen[n=10]"].sweep.param == "m"


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"params": {"mode": ["a", "b"]}, "sweep": "mode"}, "must hold two or more positive numbers"),
    ({"params": {"n": [1, 2]}, "sweep": "m"}, "names no parameter"),
    ({"params": {"n": [10, 100, 10]}}, "repeats 10"),
    ({"params": {"n": [1, 2], "m": [3, 4]}, "sweep": True}, "name one"),
    ({"params": {"n": [1, 2]}, "items": "m"}, "must name a parameter"),
    ({"items": 0}, "positive number of items"),
    ({"bytes": True}, "positive number of bytes"),
])
def test_bad_sweeps_and_work_fail_where_they_are_written(kwargs, message) -> None:
    with pytest.raises(ValueError, match=message):
        perfbench.benchmark(**kwargs)(lambda **_: None)


def test_work_per_call_names_a_parameter_or_a_number(write_module, tmp_path: Path) -> None:
    found = _definitions(write_module, tmp_path, """
import perfbench

@perfbench.benchmark(params={"n": [10, 1000], "width": [8, 16]}, sweep="n", items="n", bytes="width")
def encode(n, width):
    pass

@perfbench.benchmark(bytes=4096)
def copy_page():
    pass
""")
    # the sweep's measurement is its largest size's, so n's work is its largest value there
    assert dict(found["encode[width=16]"].work_per_call) == {"items": 1000.0, "bytes": 16.0}
    assert dict(found["copy_page"].work_per_call) == {"bytes": 4096.0}


END_TO_END = """
import perfbench

DATA = bytes(range(256)) * 256

@perfbench.benchmark(lane="grow", params={"n": [1024, 4096, 16384, 65536]}, items="n", bytes="n",
                     sla=["exponent < 3", "items_per_s > 1k/s", "bytes_per_s > 1KB/s", "r_squared > 0.5"])
def copy_prefix(n):
    bytearray(DATA[:n])
"""


def test_a_user_sweep_runs_end_to_end(write_module, run_cli, tmp_path: Path) -> None:
    write_module("benchmarks/bench_copy.py", END_TO_END)
    completed = run_cli("run", "--quick", "--iterations", "2", "--processes", "2")
    assert completed.returncode == 0, completed.stderr + completed.stdout
    with sqlite3.connect(tmp_path / ".perfbench" / "results.db") as db:
        (benchmark, metrics, sweep, labels) = db.execute("SELECT benchmark, metrics, sweep, labels FROM results").fetchone()
        verdicts = dict(db.execute("SELECT expression, status FROM sla_verdicts").fetchall())
    figures = {m["name"]: m for m in json.loads(metrics)}
    assert benchmark == "copy_prefix"
    assert [p["value"] for p in json.loads(sweep)] == [1024, 4096, 16384, 65536]
    exponent = figures["exponent"]
    assert exponent["ci_low"] <= exponent["value"] <= exponent["ci_high"]
    assert json.loads(labels)["exponent_interval"] == "spread between 2 processes"
    assert json.loads(labels)["big_o"].startswith("O(")
    assert figures["items_per_s"]["unit"] == "per_s" and figures["bytes_per_s"]["unit"] == "bytes_per_s"
    # one item is one byte here: the two rates are the same figure
    assert figures["bytes_per_s"]["value"] == pytest.approx(figures["items_per_s"]["value"])
    assert set(verdicts) == {"exponent < 3", "items_per_s > 1k/s", "bytes_per_s > 1KB/s", "r_squared > 0.5"}
    assert set(verdicts.values()) == {"pass"}
    with open(next((tmp_path / "reports").glob("*-metrics.csv")), newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert {"items_per_s", "bytes_per_s", "exponent"} <= {row["metric"] for row in rows}


def test_list_says_what_is_swept_and_the_work_per_call(write_module, run_cli) -> None:
    write_module("benchmarks/bench_copy.py", END_TO_END)
    completed = run_cli("list")
    assert completed.returncode == 0, completed.stderr
    assert "sweep over n: 1024, 4096, 16384, 65536" in completed.stdout
    assert "65536 items per call" in completed.stdout and "65536 bytes per call" in completed.stdout
