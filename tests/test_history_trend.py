"""history and trend over real SQLite stores: the Python API and the CLI end to end.

The stores are written through the store interface with constructed results (nothing is
timed, so every figure asserted is one the test wrote), plus one project run for real.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from conftest import assert_one_line_error
from history_runs import HOST_A, HOST_B, store_history
from perfbench.analysis.history import all_histories, benchmark_history
from perfbench.analysis.run_identity import host_id_of
from perfbench.analysis.trend import trend
from perfbench.store import open_store

STEP_RUN = 14  # the 0-based position of the first run at the new level in STEPPED


def level(n: int, seed: int, around: float, noise: float = 0.01) -> list[float]:
    rng = np.random.default_rng(seed)
    return list(around * np.exp(rng.normal(0.0, noise, n)))


STEPPED = [v * (1.2 if i >= STEP_RUN else 1.0) for i, v in enumerate(level(24, 1, 2000.0))]
FLAT = level(24, 2, 500.0)
SPIKY = [v * (1.5 if i in (5, 17) else 1.0) for i, v in enumerate(level(24, 3, 80.0))]


@pytest.fixture(scope="module")
def store_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One store for the module: every test here only reads it."""
    path = tmp_path_factory.mktemp("history") / "results.db"
    flat_with_a_failure: list[float | None] = [None if i == 9 else v for i, v in enumerate(FLAT)]
    with open_store(path) as store:
        store_history(store, {"ops/parse": STEPPED, "ops/render": flat_with_a_failure, "io/write_small": SPIKY},
                      dirty=[i == 23 for i in range(24)])
    return path


def test_points_carry_run_commit_median_interval_and_processes(store_path: Path) -> None:
    with open_store(store_path) as store:
        history = benchmark_history(store, "ops", "render")
        runs = store.runs()
    assert [p.run_id for p in history.points] == [r.id for r in runs]
    assert [p.commit for p in history.points] == [f"c{i}" for i in range(24)]
    assert [p.dirty for p in history.points] == [False] * 23 + [True]
    assert {p.branch for p in history.points} == {"main"}
    assert [p.date for p in history.points] == [r.started_at for r in runs]
    failed = history.points[9]
    assert (failed.status, failed.median, failed.processes) == ("timeout", None, 0)
    measured = [p for p in history.points if p.measured]
    assert len(measured) == 23 and len(history.measured) == 23
    assert [p.median for p in measured] == pytest.approx([v for i, v in enumerate(FLAT) if i != 9], rel=1e-9)
    assert all(p.processes == 3 and p.ci_low is not None and p.ci_low <= p.median <= p.ci_high for p in measured)
    assert all(p.host_id == host_id_of(HOST_A) for p in history.points)
    document = history.to_dict()
    assert document["points"][0] == json.loads(json.dumps(history.points[0].to_dict()))
    frame = history.to_frame()
    assert list(frame["run_id"]) == [p.run_id for p in history.points]
    assert frame["median"].isna().sum() == 1


def test_last_runs_and_one_pass_over_every_benchmark(store_path: Path) -> None:
    with open_store(store_path) as store:
        histories = all_histories(store, last=5)
        one = benchmark_history(store, "ops", "parse", last=5)
    assert [h.key for h in histories] == ["ops/parse", "ops/render", "io/write_small"]
    assert all(len(h.points) == 5 for h in histories)
    assert one == histories[0]


def test_trend_places_the_step_on_its_run_and_commit(store_path: Path) -> None:
    with open_store(store_path) as store:
        stepped = trend(benchmark_history(store, "ops", "parse"))
        spiky = trend(benchmark_history(store, "io", "write_small"))
        flat = trend(benchmark_history(store, "ops", "render"))
    (placed,) = stepped.steps
    assert (placed.run_id, placed.commit, placed.previous_run_id, placed.previous_commit) == \
        (STEP_RUN + 1, f"c{STEP_RUN}", STEP_RUN, f"c{STEP_RUN - 1}")
    assert placed.step.change == pytest.approx(np.median(STEPPED[STEP_RUN:]) / np.median(STEPPED[:STEP_RUN]) - 1)
    assert placed.step.change_low < 0.2 < placed.step.change_high  # type: ignore[operator]
    assert (placed.step.runs_before, placed.step.runs_after) == (STEP_RUN, 24 - STEP_RUN)
    assert spiky.steps == () and flat.steps == () and flat.judged
    document = stepped.to_dict()
    assert document["steps"][0]["run_id"] == STEP_RUN + 1 and document["steps"][0]["change"] == placed.step.change
    assert len(document["points"]) == 24
    assert list(stepped.steps_frame()["run_id"]) == [STEP_RUN + 1]
    no_steps = flat.steps_frame()
    assert no_steps.empty and list(no_steps.columns) == list(stepped.steps_frame().columns)


def test_history_cli_prints_each_series(store_path: Path, run_cli) -> None:
    completed = run_cli("history", "ops/parse", "--store", str(store_path), "--last", "3")
    assert completed.returncode == 0, completed.stderr
    assert "all hosts: this machine" in completed.stdout  # the store has no run from this machine
    rows = [line for line in completed.stdout.splitlines() if line.startswith("│")]
    assert [row.split("│")[1].strip() for row in rows] == ["22", "23", "24"]
    assert "c23+dirty" in rows[-1] and "c22 " in rows[-2]
    assert "3 of 3 runs measured" in completed.stdout
    assert "batches of one process" not in completed.stdout  # every interval is between 3 processes


def test_history_cli_json_globs_and_failed_runs(store_path: Path, run_cli) -> None:
    completed = run_cli("history", "ops/*", "--store", str(store_path), "--json")
    assert completed.returncode == 0, completed.stderr
    document = json.loads(completed.stdout)
    assert [b["lane"] + "/" + b["benchmark"] for b in document["benchmarks"]] == ["ops/parse", "ops/render"]
    assert document["host"]["host_id"] is None
    render = document["benchmarks"][1]["points"]
    assert render[9]["status"] == "timeout" and render[9]["median"] is None
    assert render[0]["median"] == pytest.approx(FLAT[0], rel=1e-9)
    by_name = json.loads(run_cli("history", "write_small", "--store", str(store_path), "--json").stdout)
    assert [b["benchmark"] for b in by_name["benchmarks"]] == ["write_small"]


@pytest.mark.parametrize(("args", "fragments"), [
    (("ops/prase",), ("ops/prase", "did you mean ops/parse")),
    (("render_x",), ("render_x", "ops/render")),
    (("nothing*",), ("nothing*", "no benchmark matches")),
    (("--last", "0"), ("--last", "0")),
    (("--last", "many"), ("--last", "many")),
    (("--host", "ffffffff"), ("--host ffffffff", host_id_of(HOST_A))),
    (("--host", "current"), ("--host current", "no runs from this machine")),
])
def test_history_cli_bad_input_is_one_line_and_exit_2(store_path: Path, run_cli, args, fragments) -> None:
    assert_one_line_error(run_cli("history", *args, "--store", str(store_path)), *fragments)


def test_missing_store_is_exit_2(tmp_path: Path, run_cli) -> None:
    assert_one_line_error(run_cli("history", "--store", str(tmp_path / "none.db")), "none.db")
    with open_store(tmp_path / "empty.db"):
        pass
    assert_one_line_error(run_cli("trend", "--store", str(tmp_path / "empty.db")), "no runs yet")


def test_host_filter(tmp_path: Path, run_cli) -> None:
    """Runs alternate between two machines; the step is only on host B."""
    path = tmp_path / "hosts.db"
    a, b = level(20, 4, 1000.0), [v * (1.3 if i >= 10 else 1.0) for i, v in enumerate(level(20, 5, 3000.0))]
    with open_store(path) as store:
        store_history(store, {"ops/mixed": [x for pair in zip(a, b) for x in pair]},
                      hosts=[HOST_A, HOST_B] * 20)
    host_a, host_b = host_id_of(HOST_A), host_id_of(HOST_B)
    assert host_a is not None and host_b is not None and host_a != host_b
    only_a = json.loads(run_cli("history", "--store", str(path), "--host", host_a[:6], "--json").stdout)
    assert only_a["host"]["host_id"] == host_a
    assert [p["median"] for p in only_a["benchmarks"][0]["points"]] == pytest.approx(a, rel=1e-9)
    assert {p["host_id"] for p in only_a["benchmarks"][0]["points"]} == {host_a}
    everything = json.loads(run_cli("history", "--store", str(path), "--host", "all", "--json").stdout)
    assert len(everything["benchmarks"][0]["points"]) == 40

    on_b = json.loads(run_cli("trend", "--store", str(path), "--host", host_b, "--json").stdout)
    (step,) = on_b["benchmarks"][0]["steps"]
    assert (step["run_id"], step["previous_run_id"], step["commit"]) == (22, 20, "c21")  # B's 11th run
    assert json.loads(run_cli("trend", "--store", str(path), "--host", host_a, "--json").stdout)[
        "benchmarks"][0]["steps"] == []


def test_trend_cli_lists_steps_then_counts_the_rest(store_path: Path, run_cli) -> None:
    completed = run_cli("trend", "--store", str(store_path))
    assert completed.returncode == 0, completed.stderr
    rows = [line for line in completed.stdout.splitlines() if line.startswith("│")]
    assert len(rows) == 1 and "ops/parse" in rows[0]
    assert f"{STEP_RUN} → {STEP_RUN + 1}" in rows[0] and f"c{STEP_RUN - 1} → c{STEP_RUN}" in rows[0]
    assert "1 benchmark(s) with a step, 2 without one" in completed.stdout
    short = run_cli("trend", "--store", str(store_path), "--last", "5")
    assert short.returncode == 0, short.stderr
    assert "0 benchmark(s) with a step, 0 without one, 3 with too few measured runs to judge (fewer than 6)" \
        in short.stdout


def test_trend_cli_json_and_min_segment(store_path: Path, run_cli) -> None:
    completed = run_cli("trend", "ops/parse", "io/write_small", "--store", str(store_path), "--json")
    assert completed.returncode == 0, completed.stderr
    document = json.loads(completed.stdout)
    parse, spiky = document["benchmarks"]
    assert [s["run_id"] for s in parse["steps"]] == [STEP_RUN + 1] and spiky["steps"] == []
    assert document["min_segment"] == 3 and parse["judged"]
    # a minimum longer than the level after the step: no segment is shorter than it
    longer = json.loads(run_cli("trend", "ops/parse", "--store", str(store_path), "--json",
                                "--min-segment", "11").stdout)
    assert longer["min_segment"] == 11
    assert all(s["runs_before"] >= 11 and s["runs_after"] >= 11 for s in longer["benchmarks"][0]["steps"])
    assert [s["run_id"] for s in longer["benchmarks"][0]["steps"]] != [STEP_RUN + 1]
    assert_one_line_error(run_cli("trend", "--store", str(store_path), "--min-segment", "1"), "--min-segment", "1")
    assert_one_line_error(run_cli("trend", "ops/nope", "--store", str(store_path)), "ops/nope")


PROJECT = """
import perfbench

@perfbench.benchmark(lane="tiny", budget="20ms")
def sums():
    sum(range(100))
"""


def test_real_runs_default_to_this_machine(write_module, run_cli) -> None:
    write_module("benchmarks/bench_tiny.py", PROJECT)
    for _ in range(2):
        completed = run_cli("run", "--quick")
        assert completed.returncode == 0, completed.stderr
    history = run_cli("history", "--json")
    assert history.returncode == 0, history.stderr
    document = json.loads(history.stdout)
    assert "this machine" in document["host"]["description"] and document["host"]["host_id"] is not None
    (sums,) = document["benchmarks"]
    assert [p["run_id"] for p in sums["points"]] == [1, 2]
    assert all(p["status"] == "ok" and p["median"] > 0 for p in sums["points"])
    trend_out = run_cli("trend")
    assert trend_out.returncode == 0, trend_out.stderr
    assert "1 with too few measured runs to judge" in trend_out.stdout


def test_a_benchmark_outside_the_runs_asked_for_says_where_it_is(tmp_path: Path, run_cli) -> None:
    path = tmp_path / "partial.db"
    with open_store(path) as store:
        store_history(store, {"ops/retired": level(4, 6, 100.0), "ops/kept": level(4, 7, 100.0)})
        store_history(store, {"ops/kept": level(4, 8, 100.0)})
        store_history(store, {"ops/on_b": level(3, 9, 100.0)}, hosts=[HOST_B] * 3)
    on_a = ("--store", str(path), "--host", host_id_of(HOST_A))
    assert run_cli("history", "ops/retired", *on_a, "--last", "8", "--json").returncode == 0
    assert_one_line_error(run_cli("history", "ops/retired", *on_a, "--last", "4"), "ops/retired", "raise --last")
    assert_one_line_error(run_cli("trend", "ops/on_b", *on_a), "ops/on_b", "--host all")
    assert run_cli("trend", "ops/on_b", "--store", str(path), "--host", "all").returncode == 0


def test_runs_stored_without_metadata_take_commit_and_host_from_their_environment(tmp_path: Path) -> None:
    """A run whose caller passed no RunMetadata (the run session on main until it records
    them) has its host and git state derived from its environment, as the schema 4
    migration derives them: it joins the same host's history as runs with metadata."""
    path = tmp_path / "mixed.db"
    with open_store(path) as store:
        store_history(store, {"ops/x": [100.0, 101.0]}, commits=["a1", "a2"], dirty=[False, True])
        store_history(store, {"ops/x": [102.0, 103.0]}, commits=["b1", "b2"], dirty=[True, False], metadata=False)
        bare = store.runs()[2]
        history = benchmark_history(store, "ops", "x", host_id=host_id_of(HOST_A))
    # the store leaves them empty (should it derive them itself one day, the fallback and this test can go)
    assert (bare.host_id, bare.git_dirty) == (None, None)
    assert [(p.commit, p.dirty) for p in history.points] == [("a1", False), ("a2", True), ("b1", True), ("b2", False)]
    assert {p.host_id for p in history.points} == {host_id_of(HOST_A)}
