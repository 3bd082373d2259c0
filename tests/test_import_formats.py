"""`perfbench import` of other tools' JSON, each file produced in the test by the real tool
(Google Benchmark's Python bindings, pyperf, pytest-benchmark) on a tiny benchmark with its
smallest settings; a malformed file of each, an unknown JSON and a broken gzip refused with
exit 2 and one line, and nothing of a failed import written."""

from __future__ import annotations

import gzip
import hashlib
import json
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pyperf
import pytest

from conftest import assert_one_line_error
from perfbench.interchange import AGGREGATE_ONLY
from perfbench.sla import rule
from perfbench.store import open_store

GOOGLE_BENCHMARK = """
import google_benchmark as benchmark

@benchmark.register
def sum_small(state):
    while state:
        sum(range(50))

@benchmark.register
@benchmark.option.arg(8)
def build_list(state):
    n = state.range(0)
    while state:
        list(range(n))
    state.items_processed = state.iterations * n

@benchmark.register
def broken(state):
    state.skip_with_error("no fixture")
    while state:
        pass

if __name__ == "__main__":
    benchmark.main()
"""

PYPERF = """
import pyperf

runner = pyperf.Runner()
runner.timeit("sum_small", stmt="sum(range(50))")
runner.bench_func("build_list", list, range(8))
"""

PYTEST_BENCHMARK = """
import pytest

def test_sum(benchmark):
    benchmark(sum, range(50))

@pytest.mark.parametrize("n", [8, 64])
def test_build(benchmark, n):
    benchmark.extra_info["n"] = n
    benchmark(list, range(n))
"""


def produce(tmp_path: Path, script: str, source: str, *args: str) -> None:
    (tmp_path / script).write_text(textwrap.dedent(source))
    subprocess.run([sys.executable, *args], cwd=tmp_path, check=True, capture_output=True, timeout=120,
                   stdin=subprocess.DEVNULL)


def google_benchmark_file(tmp_path: Path, *extra: str) -> Path:
    out = tmp_path / f"gb{len(extra)}.json"
    produce(tmp_path, "gb.py", GOOGLE_BENCHMARK, "gb.py", "--benchmark_min_time=0.002s",
            "--benchmark_repetitions=3", f"--benchmark_out={out}", "--benchmark_out_format=json", *extra)
    return out


def pyperf_file(tmp_path: Path, name: str) -> Path:
    # three worker processes of three values each, one warm-up, fixed loops (no calibration run)
    produce(tmp_path, "pp.py", PYPERF, "pp.py", "--processes", "3", "--values", "3", "--warmups", "1",
            "--loops", "200", "--quiet", "--output", name)
    return tmp_path / name


def pytest_benchmark_file(tmp_path: Path, *how: str) -> None:
    produce(tmp_path, "test_tiny.py", PYTEST_BENCHMARK, "-m", "pytest", "-q", "-p", "no:cacheprovider",
            "test_tiny.py", "--benchmark-min-rounds=5", "--benchmark-max-time=0.005", *how)


def imported(store: Path, run_id: int = 1):
    with open_store(store, create=False) as opened:
        return opened.run(run_id), {r.result.benchmark: r.result for r in opened.results(run_id)}


def row_counts(store: Path) -> dict[str, int]:
    with sqlite3.connect(store) as db:
        return {table: db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
                for table in ("runs", "results", "iterations", "sla_verdicts")}


# -- Google Benchmark

def test_google_benchmark_repetitions_are_samples_of_one_process(tmp_path: Path, run_cli) -> None:
    path = google_benchmark_file(tmp_path)
    rows = json.loads(path.read_text())["benchmarks"]
    completed = run_cli("import", str(path), "--store", "s.db")
    assert completed.returncode == 0, completed.stderr
    run, results = imported(tmp_path / "s.db")
    assert run.status == "failed"  # "broken" could not run, as a native benchmark that raised
    assert run.started_at == json.loads(path.read_text())["context"]["date"]
    assert run.source == run.environment["imported"]["source"] == "google-benchmark"
    assert run.host_id is None  # its context names no CPU model nor kernel: no host to fingerprint
    assert run.command == "google-benchmark: gb.py"
    # every aggregate row (_mean, _median, _stddev, _cv) skipped: only the benchmarks themselves
    assert sorted(results) == ["broken", "build_list/8", "sum_small"]
    for name in ("sum_small", "build_list/8"):
        repetitions = [r for r in rows if r["run_name"] == name and r["run_type"] == "iteration"]
        m = results[name].measurement
        assert [r.process for r in results[name].iterations] == [0, 0, 0]
        assert m.samples_ns.tolist() == pytest.approx([r["real_time"] for r in repetitions])  # time_unit ns
        assert [it.measurement.iterations_per_sample for it in results[name].iterations] == \
            [r["iterations"] for r in repetitions]
        # three repetitions in one process: no interval pretends to a rerun's spread
        assert m.stats.noise_kind == "batches" and m.stats.interval("median") is None
    assert results["build_list/8"].metric("items_per_s").value == pytest.approx(
        sum(r["items_per_second"] for r in rows if r["name"] == "build_list/8") / 3)
    assert results["broken"].measurement is None and "no fixture" in results["broken"].failure.message


def test_google_benchmark_aggregates_alone_are_stored_as_aggregate_only(tmp_path: Path, run_cli) -> None:
    path = google_benchmark_file(tmp_path, "--benchmark_report_aggregates_only=true")
    assert run_cli("import", str(path), "--store", "s.db", "--lane", "cpp").returncode == 0
    _, results = imported(tmp_path / "s.db")
    summary = results["sum_small"]
    mean_row = next(r for r in json.loads(path.read_text())["benchmarks"] if r["name"] == "sum_small_mean")
    assert summary.lane == "cpp"
    assert summary.measurement is None and summary.failure.kind == AGGREGATE_ONLY
    assert summary.metric("mean").value == pytest.approx(mean_row["real_time"])
    assert not summary.metric("mean").has_interval
    assert rule("mean < 1s").evaluate(summary).status == "not-evaluated"


# -- pyperf

@pytest.mark.parametrize("name", ["pp.json", "pp.json.gz"])
def test_pyperf_processes_become_processes(tmp_path: Path, run_cli, name: str) -> None:
    path = pyperf_file(tmp_path, name)
    completed = run_cli("import", str(path), "--store", "s.db")
    assert completed.returncode == 0, completed.stderr
    run, results = imported(tmp_path / "s.db")
    suite = pyperf.BenchmarkSuite.load(str(path))
    assert run.status == "complete" and run.source == "pyperf"
    # the host as pyperf describes it, fingerprinted as a native run's environment is
    assert run.host["cpu_model"] == suite.get_metadata()["cpu_model_name"] and run.host_id
    assert sorted(results) == sorted(suite.get_benchmark_names())
    for benchmark in suite.get_benchmarks():
        result = results[benchmark.get_name()]
        m = result.measurement
        values = [v * 1e9 for r in benchmark.get_runs() if r.values for v in r.values]
        assert m.samples_ns.tolist() == pytest.approx(values)  # warm-ups left out
        assert m.segments == ((0, 3), (1, 3), (2, 3))
        assert [it.measurement.warmup_samples for it in result.iterations] == [1, 1, 1]
        assert m.iterations_per_sample == 200
        assert m.stats.mean == pytest.approx(benchmark.mean() * 1e9)
        # the interval stands between the three worker processes
        assert m.stats.noise_kind == "processes" and m.stats.interval("mean") is not None
        assert result.metric("max_rss").value > 0


# -- pytest-benchmark

def test_pytest_benchmark_rounds_are_samples(tmp_path: Path, run_cli) -> None:
    (tmp_path / "test_tiny.py").write_text(textwrap.dedent(PYTEST_BENCHMARK))
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@t", "-c", "init.defaultBranch=trunk"]
    for command in (["init", "-q"], ["add", "test_tiny.py"], ["commit", "-q", "-m", "tiny"]):
        subprocess.run(git + command, cwd=tmp_path, check=True, capture_output=True)
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=tmp_path, capture_output=True, text=True).stdout.strip()
    pytest_benchmark_file(tmp_path, "--benchmark-json=pt.json")
    document = json.loads((tmp_path / "pt.json").read_text())
    assert run_cli("import", "pt.json", "--store", "s.db").returncode == 0
    run, results = imported(tmp_path / "s.db")
    assert run.source == "pytest-benchmark"
    assert (run.git_commit, run.git_branch) == (head, "trunk")  # from the file's commit_info
    assert run.host["cpu_model"] == document["machine_info"]["cpu"]["brand_raw"] and run.host_id
    assert run.environment["python"]["version"] == document["machine_info"]["python_version"]
    for entry in document["benchmarks"]:
        result = results[entry["fullname"]]
        assert result.measurement.samples_ns.tolist() == pytest.approx([v * 1e9 for v in entry["stats"]["data"]])
        assert result.measurement.iterations_per_sample == entry["stats"]["iterations"]
        assert result.measurement.stats.noise_kind == "batches"  # the one pytest process
        assert dict(result.params) == (entry["params"] or {})
    assert results["test_tiny.py::test_build[8]"].labels["n"] == "8"


def test_pytest_benchmark_summary_alone_is_aggregate_only(tmp_path: Path, run_cli) -> None:
    # a saved file without --benchmark-save-data: statistics, no rounds
    pytest_benchmark_file(tmp_path, "--benchmark-autosave", f"--benchmark-storage=file://{tmp_path / 'saved'}")
    (path,) = (tmp_path / "saved").rglob("*.json")
    document = json.loads(path.read_text())
    assert all("data" not in entry["stats"] for entry in document["benchmarks"])
    completed = run_cli("import", str(path), "--store", "s.db")
    assert completed.returncode == 0, completed.stderr
    assert "aggregate-only" in completed.stderr  # the note says how they are represented
    run, results = imported(tmp_path / "s.db")
    assert run.status == "complete"
    for entry in document["benchmarks"]:
        result = results[entry["fullname"]]
        assert result.measurement is None and result.failure.kind == AGGREGATE_ONLY and not result.iterations
        assert result.metric("median").value == pytest.approx(entry["stats"]["median"] * 1e9)
        assert not any(metric.has_interval for metric in result.metrics)
        assert rule("median < 1s").evaluate(result).status == "not-evaluated"


# -- refused files: exit 2, one line naming the file and the place, nothing written

def corrupted(path: Path, change) -> Path:
    document = json.loads(path.read_text())
    change(document)
    bad = path.with_name("bad-" + path.name)
    bad.write_text(json.dumps(document))
    return bad


def store_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_malformed_files_of_each_tool_are_refused_and_nothing_is_written(tmp_path: Path, run_cli) -> None:
    google = google_benchmark_file(tmp_path)
    pyperf_json = pyperf_file(tmp_path, "pp.json")
    pytest_benchmark_file(tmp_path, "--benchmark-json=pt.json")
    pytest_json = tmp_path / "pt.json"
    assert run_cli("import", str(google), "--store", "s.db").returncode == 0  # a store with a run in it
    store = tmp_path / "s.db"
    before, digest = row_counts(store), store_digest(store)

    def set_real_time(d):
        d["benchmarks"][1]["real_time"] = "fast"

    def drop_values(d):
        d["benchmarks"][0]["runs"][1]["values"] = ["x"]

    def drop_rounds(d):
        del d["benchmarks"][2]["stats"]["rounds"]

    cases = [
        (corrupted(google, set_real_time), "Google Benchmark JSON", "benchmarks[1].real_time"),
        (corrupted(pyperf_json, drop_values), "pyperf JSON", "benchmarks[0].runs[1].values"),
        (corrupted(pytest_json, drop_rounds), "pytest-benchmark JSON", "benchmarks[2].stats.rounds"),
    ]
    (tmp_path / "unknown.json").write_text(json.dumps({"results": [1, 2, 3]}))
    cases.append((tmp_path / "unknown.json", "no format perfbench imports", "results"))
    (tmp_path / "cut.json").write_text(google.read_text()[:200])
    cases.append((tmp_path / "cut.json", "not valid JSON", "line"))
    (tmp_path / "broken.json.gz").write_bytes(gzip.compress(pyperf_json.read_bytes())[:100])
    cases.append((tmp_path / "broken.json.gz", "gzip", "decompress"))
    for bad, *fragments in cases:
        # a good file first and the bad one after: all or nothing
        completed = run_cli("import", str(pyperf_json), str(bad), "--store", "s.db")
        assert_one_line_error(completed, str(bad), *fragments, "nothing was imported")
    assert row_counts(store) == before and store_digest(store) == digest


def test_a_missing_file_is_refused_before_a_store_is_made(tmp_path: Path, run_cli) -> None:
    assert_one_line_error(run_cli("import", "nowhere.json", "--store", "s.db"), "nowhere.json", "cannot read")
    assert not (tmp_path / "s.db").exists()  # nothing to import: no store made for it


def test_a_file_imported_before_is_refused(tmp_path: Path, run_cli) -> None:
    path = google_benchmark_file(tmp_path)
    assert run_cli("import", str(path), "--store", "s.db").returncode == 0
    before = row_counts(tmp_path / "s.db")
    (tmp_path / "copy.json").write_bytes(path.read_bytes())
    assert_one_line_error(run_cli("import", "copy.json", "--store", "s.db"), "copy.json", "already imported",
                          "run 1", "nothing was imported")
    assert row_counts(tmp_path / "s.db") == before
    assert_one_line_error(run_cli("import", str(path), "copy.json", "--store", "t.db"), "copy.json", "given twice")


def test_imported_runs_are_charted_like_native_ones(tmp_path: Path, run_cli) -> None:
    """Three pyperf files (three separate pyperf runs) give `history` three points per
    benchmark, each the run's median with the processes behind it, as native runs do."""
    paths = [pyperf_file(tmp_path, f"pp{i}.json") for i in range(3)]
    assert run_cli("import", *map(str, paths), "--store", "s.db").returncode == 0
    completed = run_cli("history", "pyperf/sum_small", "--host", "all", "--json", "--store", "s.db")
    assert completed.returncode == 0, completed.stderr
    (history,) = json.loads(completed.stdout)["benchmarks"]
    medians = []
    for run_id in (1, 2, 3):
        _, results = imported(tmp_path / "s.db", run_id)
        medians.append(results["sum_small"].measurement.median)
    assert [p["run_id"] for p in history["points"]] == [1, 2, 3]
    assert [p["median"] for p in history["points"]] == pytest.approx(medians)
    assert {p["processes"] for p in history["points"]} == {3}
    assert run_cli("trend", "--host", "all", "--store", "s.db").returncode == 0


def test_imported_runs_are_compared_like_native_ones(tmp_path: Path, run_cli) -> None:
    """Two pyperf runs imported: `compare` judges each benchmark from the three processes
    pyperf ran per side (never 'not compared'), and its exit code is the one its verdicts
    imply."""
    paths = [pyperf_file(tmp_path, f"pp{i}.json") for i in range(2)]
    assert run_cli("import", *map(str, paths), "--store", "s.db").returncode == 0
    completed = run_cli("compare", "1", "2", "--json", "--store", "s.db")
    document = json.loads(completed.stdout)
    assert completed.returncode == (1 if document["check_failed"] else 0), completed.stderr
    assert (document["base"]["run_id"], document["current"]["run_id"]) == (1, 2)
    verdicts = {v["benchmark"]: v for v in document["verdicts"]}
    assert set(verdicts) == {"sum_small", "build_list"}
    for verdict in verdicts.values():
        assert verdict["status"] in ("slower", "faster", "same", "unsure")
        assert verdict["base_processes"] == verdict["current_processes"] == 3
        assert verdict["low"] <= verdict["change"] <= verdict["high"]
