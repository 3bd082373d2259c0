"""The store interface: opened by path or URL, written as a run happens, read back as the
same model objects; nothing outside store/ knows the backend."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from perfbench.analysis.aggregate import assemble_result
from perfbench.definition.suite import BenchmarkDefinition, CommandTarget, PythonTarget, Sweep, WorkloadTarget
from perfbench.errors import StoreError
from perfbench.model import Failure, IterationRecord, Measurement, SweepPoint
from perfbench.sla import rule
from perfbench.store import ResultStore, open_store

PACKAGE = Path(__file__).resolve().parents[1] / "python" / "perfbench"


def measurement(samples: list[float], process: int = 0) -> Measurement:
    return Measurement(samples_ns=samples, iterations_per_sample=10, overhead_ns=1.5, overhead_subtracted=True,
                       clock="steady_clock", ticks_per_ns=1.0, wall_seconds=0.01, counters={"available": False},
                       segments=[(process, len(samples))])


def spread(base: float, i: int, n: int = 30) -> list[float]:
    return [base + i + (k % 7) * 0.5 for k in range(n)]


def python_result(name: str = "b", iterations: int = 2, lane: str = "l"):
    definition = BenchmarkDefinition(name=name, lane=lane, target=PythonTarget("bench.py", name),
                                     iterations=iterations, warmup_iterations=1)
    records = [IterationRecord(index=i, warmup=i == 0, wall_ns=1e6, process=i % 2,
                               measurement=measurement(spread(10.0, i), i % 2))
               for i in range(iterations + 1)]
    return definition, records, assemble_result(definition, records, setup_ns=5.0)


def sweep_result(name: str = "s"):
    """Two processes, each measuring every size in each of its iterations."""
    sizes = (10.0, 100.0, 1000.0)
    definition = BenchmarkDefinition(name=name, lane="l", target=WorkloadTarget("w", {"n": 1}), iterations=4,
                                     processes=2, sweep=Sweep("n", sizes))
    records = [IterationRecord(index=i, warmup=False, wall_ns=1e6, process=i // 2,
                               sweep=tuple(SweepPoint(n, measurement(spread(n, i), i // 2)) for n in sizes))
               for i in range(4)]
    return definition, records, assemble_result(definition, records)


def baseline_result(name: str = "vs"):
    definition = BenchmarkDefinition(name=name, lane="l", target=WorkloadTarget("w"), iterations=3,
                                     baseline=WorkloadTarget("w0"))
    records = [IterationRecord(index=i, warmup=False, wall_ns=1e6, process=0, measurement=measurement(spread(20.0, i)),
                               baseline=measurement(spread(10.0, i))) for i in range(3)]
    return definition, records, assemble_result(definition, records)


def command_result(name: str = "c"):
    definition = BenchmarkDefinition(name=name, lane="l", target=CommandTarget("true"), iterations=3,
                                     warmup_iterations=0)
    records = [IterationRecord(index=i, warmup=False, wall_ns=1e6 * (i + 1), process=i, exit_code=0,
                               cpu_user_seconds=0.001, cpu_system_seconds=0.0, io_read_bytes=0, io_write_bytes=0)
               for i in range(2)]
    records.append(IterationRecord(index=2, warmup=False, wall_ns=None, process=2, exit_code=1,
                                   failure=Failure("exit", "exited with status 1", "stderr tail")))
    return definition, records, assemble_result(definition, records, spawn_overhead_ns=700.0)


def store_run(store: ResultStore, *results) -> int:
    run_id = store.begin_run({"perfbench_version": "test", "git": {"commit": "abc"}}, "test")
    for definition, records, result in results:
        result_id = store.begin_result(run_id, definition.lane, definition.name, definition.kind, {})
        for record in records:
            store.add_iteration(result_id, record)
        store.finish_result(result_id, result)
    store.add_verdicts(run_id, [rule("median < 1s").evaluate(r) for _, _, r in results])
    store.finish_run(run_id, "complete")
    return run_id


def test_a_path_and_a_sqlite_url_open_the_same_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with open_store("x.db") as store:
        run_id = store_run(store, python_result())
    with open_store("sqlite:///x.db") as store:
        assert [r.id for r in store.runs()] == [run_id] and store.location == "sqlite:///x.db"
    with open_store(f"sqlite:///{tmp_path / 'x.db'}") as store:  # four slashes: an absolute path
        assert store.latest_run_id() == run_id
    with open_store(tmp_path / "x.db") as store:
        assert store.schema_version() >= 1


@pytest.mark.parametrize("location", ["postgresql://localhost/perfbench", "sqlite://x.db"])
def test_a_location_no_backend_understands_is_a_store_error(tmp_path: Path, location: str) -> None:
    with pytest.raises(StoreError, match=location.replace("/", ".")):
        open_store(location)


def test_a_store_that_is_not_there_is_not_created_for_reading(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="no result store here"):
        open_store(tmp_path / "missing.db", create=False)
    assert list(tmp_path.iterdir()) == []


def test_results_read_back_as_written(tmp_path: Path) -> None:
    written = [python_result(), command_result(), sweep_result(), baseline_result()]
    assert [len(r.sweep) for _, _, r in written] == [0, 0, 3, 0] and written[3][2].baseline is not None
    with open_store(tmp_path / "s.db") as store:
        run_id = store_run(store, *written)
    with open_store(tmp_path / "s.db", create=False) as store:
        read = [stored.result for stored in store.results(run_id)]
        verdicts = store.verdicts(run_id)
        (run,) = store.runs()
    assert run.status == "complete" and run.git_commit == "abc" and run.command == "test"
    for (_, records, expected), result in zip(written, read, strict=True):
        assert result.key == expected.key and result.failure == expected.failure
        assert [r.to_dict() for r in result.iterations] == [r.to_dict() for r in records]
        assert result.measurement.to_dict() == expected.measurement.to_dict()
        assert result.measurement.stats == expected.measurement.stats
        assert [(p.value, p.measurement.to_dict(), p.measurement.stats) for p in result.sweep] == [
            (p.value, p.measurement.to_dict(), p.measurement.stats) for p in expected.sweep]
        assert (result.baseline and (result.baseline.to_dict(), result.baseline.stats)) == (
            expected.baseline and (expected.baseline.to_dict(), expected.baseline.stats))
        assert result.metrics == expected.metrics and result.labels == expected.labels
    assert verdicts == [rule("median < 1s").evaluate(r) for _, _, r in written]  # every field, intervals too
    assert verdicts[0].status == "pass" and verdicts[0].high is not None


def test_the_history_of_one_benchmark_spans_runs(tmp_path: Path) -> None:
    with open_store(tmp_path / "s.db") as store:
        first = store_run(store, python_result("b"), python_result("other"))
        store_run(store, python_result("other"))
        third = store_run(store, python_result("b", iterations=3))
        history = store.history("l", "b")
    assert [h.run_id for h in history] == [first, third]
    assert [len(h.result.counted_iterations) for h in history] == [2, 3]


def test_nothing_outside_the_store_package_knows_its_backend() -> None:
    offenders = [str(path.relative_to(PACKAGE)) for path in PACKAGE.rglob("*.py")
                 if "store" not in path.relative_to(PACKAGE).parts[:1]
                 and ("SqliteStore" in path.read_text() or "store.sqlite" in path.read_text()
                      or "import sqlite3" in path.read_text())]
    assert offenders == []


def test_the_cli_takes_a_sqlite_url_for_the_store(write_module, run_cli, tmp_path: Path) -> None:
    write_module("benchmarks/bench_one.py", """
        import perfbench

        @perfbench.benchmark(lane="a", budget="20ms")
        def one():
            sum(range(10))
    """)
    completed = run_cli("run", "--quick", "--store", "sqlite:///s.db", "--output-dir", "out")
    assert completed.returncode == 0, completed.stderr
    assert "stored run 1 in sqlite:///s.db" in completed.stderr
    assert (tmp_path / "s.db").is_file()
    analyzed = run_cli("analyze", "--store", "s.db")
    assert analyzed.returncode == 0 and "one" in analyzed.stdout
