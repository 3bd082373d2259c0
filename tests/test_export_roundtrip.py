"""`perfbench export --format json` and its import: a run exported and imported into another
store is the same run (results, samples, verdicts, times); the format carries its version and
a newer one is refused; the README documents every field the export writes."""

from __future__ import annotations

import gzip
import json
import re
import sqlite3
from pathlib import Path

import pytest

from conftest import assert_one_line_error
from perfbench.interchange import FORMAT, VERSION, run_document, serialize
from perfbench.sla import rule
from perfbench.store import open_store
from perfbench.store.interface import RunMetadata
from test_store import baseline_result, command_result, python_result, store_run, sweep_result

README = Path(__file__).resolve().parents[1] / "README.md"

PROJECT = """
import perfbench

@perfbench.benchmark(lane="a", budget="10ms", sla=["median < 10s", "mean < 1ns"])
def summing():
    sum(range(100))

@perfbench.benchmark(lane="b", budget="10ms", sla=[{"rule": "median < 1ns", "severity": "warning"}])
def joining():
    "-".join(["x"] * 20)
"""


def comparable(store: Path, run_id: int) -> dict:
    """The run as the export writes it, less what an import must change: its id in the store,
    the moment of export, and the import's own record of where the run came from."""
    with open_store(store, create=False) as opened:
        run = opened.run(run_id)
        document = run_document(run, [r.result for r in opened.results(run_id)], opened.verdicts(run_id))
    document = json.loads(serialize(document))
    del document["exported_at"], document["run"]["id"]
    document["run"]["environment"].pop("imported", None)
    return document


def test_a_real_run_exported_and_imported_is_the_same_run(tmp_path: Path, write_module, run_cli) -> None:
    write_module("benchmarks/bench_small.py", PROJECT)
    assert run_cli("run", "--quick", "--processes", "3").returncode == 1  # "mean < 1ns" is an error-severity violation
    exported = run_cli("export", "--format", "json", "--output", "run.json")
    assert exported.returncode == 0, exported.stderr
    document = json.loads((tmp_path / "run.json").read_text())
    assert (document["format"], document["version"]) == (FORMAT, VERSION) == ("perfbench-run", 2)
    samples = document["results"][0]["iterations"][0]["measurement"]["samples_ns"]
    assert len(samples) > 0 and {it["process"] for it in document["results"][0]["iterations"]} == {0, 1, 2}

    completed = run_cli("import", "run.json", "--store", "other.db")
    assert completed.returncode == 0, completed.stderr
    original, copy = comparable(tmp_path / ".perfbench" / "results.db", 1), comparable(tmp_path / "other.db", 1)
    assert copy == original
    assert len(copy["verdicts"]) == 3 and copy["results"][0]["stats"]["intervals"]
    # and every command reads the imported run as the native one: the same verdicts, the same exit code
    assert run_cli("validate-sla", "--store", "other.db").returncode == 1
    assert run_cli("analyze", "--store", "other.db").returncode == 0


METADATA = RunMetadata(config_hash="c0ffee", git_commit="abc123", git_branch="main", git_dirty=True,
                       host={"cpu_model": "Test CPU", "logical_cores": 2}, host_id="0123456789ab")


def test_every_kind_of_result_survives_the_round_trip(tmp_path: Path, run_cli) -> None:
    """A sweep, a side-by-side baseline, a command with a failed iteration, a python benchmark
    over two processes with a warm-up, their verdicts, the run's metadata and noise; compressed
    on the way."""
    with open_store(tmp_path / "a.db") as store:
        store_run(store, python_result())
        run_id = store.begin_run({"perfbench_version": "test"}, "perfbench run", METADATA,
                                 started_at="2026-01-02T03:04:05.678+00:00")
        for definition, _, result in (python_result(), sweep_result(), baseline_result(), command_result()):
            store.finish_result(store.begin_result(run_id, definition.lane, definition.name, definition.kind, {}),
                                result)
            store.add_verdicts(run_id, [rule("median < 1s").evaluate(result)])
        store.set_run_noise(run_id, {"load_average": [0.5, 0.4, 0.3], "warnings": ["turbo boost is on"]})
        store.finish_run(run_id, "failed")
    assert run_cli("export", "--store", "a.db", "--run", str(run_id), "--output", "run.json.gz").returncode == 0
    assert gzip.decompress((tmp_path / "run.json.gz").read_bytes()).startswith(b'{"format":"perfbench-run"')
    assert run_cli("import", "run.json.gz", "--store", "b.db").returncode == 0
    assert comparable(tmp_path / "b.db", 1) == comparable(tmp_path / "a.db", run_id)
    with open_store(tmp_path / "b.db") as store:
        copy = store.run(1)
    assert copy.metadata == METADATA and copy.noise["warnings"] == ["turbo boost is on"]
    assert (copy.started_at, copy.status) == ("2026-01-02T03:04:05.678+00:00", "failed")
    # to stdout, the same document
    printed = run_cli("export", "--store", "b.db")
    assert printed.returncode == 0 and json.loads(printed.stdout)["results"] == comparable(tmp_path / "a.db", run_id)["results"]


def test_a_version_1_file_still_imports(tmp_path: Path, run_cli) -> None:
    """Version 2 only added the optional ``comparison``: files written as version 1 read as before."""
    with open_store(tmp_path / "a.db") as store:
        store_run(store, python_result())
    assert run_cli("export", "--store", "a.db", "--output", "run.json").returncode == 0
    document = json.loads((tmp_path / "run.json").read_text())
    assert "comparison" not in document
    document["version"] = 1
    (tmp_path / "v1.json").write_text(json.dumps(document))
    completed = run_cli("import", "v1.json", "--store", "b.db")
    assert completed.returncode == 0, completed.stderr
    with open_store(tmp_path / "b.db", create=False) as store:
        assert len(store.runs()) == 1


def test_a_newer_format_version_is_refused_and_nothing_written(tmp_path: Path, run_cli) -> None:
    with open_store(tmp_path / "a.db") as store:
        store_run(store, python_result())
    assert run_cli("export", "--store", "a.db", "--output", "run.json").returncode == 0
    document = json.loads((tmp_path / "run.json").read_text())
    document["version"] = VERSION + 1
    (tmp_path / "newer.json").write_text(json.dumps(document))
    before = (tmp_path / "a.db").read_bytes()
    completed = run_cli("import", "run.json", "newer.json", "--store", "a.db")
    assert_one_line_error(completed, "newer.json", f"format version {VERSION + 1}", "newer perfbench",
                          "nothing was imported")
    assert (tmp_path / "a.db").read_bytes() == before
    with sqlite3.connect(tmp_path / "a.db") as db:
        assert db.execute("SELECT COUNT(*) FROM runs").fetchone()[0] == 1


@pytest.mark.parametrize("change, fragments", [
    (lambda d: d["results"][0]["iterations"][1]["measurement"].update(samples_ns=[]),
     ["results[0].iterations[1]", "at least one sample"]),
    (lambda d: d["results"][0].update(stats=None), ["results[0]"]),
    (lambda d: d["run"].update(status="finished"), ["run.status", "finished"]),
    (lambda d: d.update(version="one"), ["version", "'one'"]),
])
def test_a_malformed_export_is_refused_with_its_place(tmp_path: Path, run_cli, change, fragments) -> None:
    with open_store(tmp_path / "a.db") as store:
        store_run(store, python_result())
    assert run_cli("export", "--store", "a.db", "--output", "run.json").returncode == 0
    document = json.loads((tmp_path / "run.json").read_text())
    change(document)
    (tmp_path / "bad.json").write_text(json.dumps(document))
    assert_one_line_error(run_cli("import", "bad.json", "--store", "b.db"), "bad.json", "perfbench JSON", *fragments)
    assert not (tmp_path / "b.db").exists()


def test_export_refusals(tmp_path: Path, run_cli) -> None:
    assert_one_line_error(run_cli("export", "--store", "none.db"), "none.db", "no result store")
    with open_store(tmp_path / "a.db") as store:
        store_run(store, python_result())
    assert_one_line_error(run_cli("export", "--store", "a.db", "--run", "9"), "--run", "9")
    assert_one_line_error(run_cli("export", "--store", "a.db", "--format", "xml"), "--format", "xml")
    assert_one_line_error(run_cli("export", "--store", "a.db", "--output", "missing/dir/run.json"),
                          "--output", "missing/dir/run.json")
    assert run_cli("export", "--store", "a.db", "--output", "run.json").returncode == 0
    assert_one_line_error(run_cli("import", "run.json", "--lane", "x", "--store", "a.db"), "run.json", "--lane")


def _section(text: str, heading: str) -> str:
    start = text.index(heading)
    end = text.find("\n## ", start + len(heading))
    return text[start:end if end != -1 else None]


def test_the_readme_documents_every_field_of_the_export(tmp_path: Path) -> None:
    with open_store(tmp_path / "a.db") as store:
        run_id = store_run(store, python_result(), sweep_result(), baseline_result(), command_result())
        document = json.loads(serialize(run_document(store.run(run_id), [r.result for r in store.results(run_id)],
                                                     store.verdicts(run_id))))
    documented = set(re.findall(r"`([a-z_0-9.]+)`", _section(README.read_text(), "## JSON export format")))
    results = document["results"]
    iterations = [it for r in results for it in r["iterations"]]
    fields = {
        "document": set(document), "run": set(document["run"]), "run.metadata": set(document["run"]["metadata"]),
        "result": {key for r in results for key in r},
        "stats": {key for r in results if r["stats"] for key in r["stats"]},
        "measurement": {key for it in iterations if it["measurement"] for key in it["measurement"]},
        "iteration": {key for it in iterations for key in it},
        "verdict": {key for v in document["verdicts"] for key in v},
    }
    missing = {level: sorted(keys - documented) for level, keys in fields.items() if keys - documented}
    assert not missing, f"README's 'JSON export format' does not name these fields: {missing}"
