"""What a run records beside its results: its metadata (config hash, git state, host), the
noise seen while it ran; history on one host; writes made atomically."""

from __future__ import annotations

from pathlib import Path

import pytest

from test_store import python_result, store_run

from perfbench.resources.host_fingerprint import describes_a_host, host_fingerprint, host_id
from perfbench.store import open_store
from perfbench.store.interface import RunMetadata

ENVIRONMENT = {"perfbench_version": "test", "cpu": {"model": "Zen 4", "logical_cores": 16, "frequency_mhz": 4100.0},
               "memory_bytes": 64 << 30, "kernel": "6.8.0", "hostname": "ci-7", "load_average": [0.5, 0.4, 0.3],
               "python": {"version": "3.11.7", "implementation": "CPython", "executable": "/usr/bin/python3"},
               "build": {"version": "0.1.0", "compiler": "GCC 12.2.0", "cxx_flags": "-O3", "build_type": "Release",
                         "cxx_standard": 202002}}


def test_run_metadata_reads_back_as_written(tmp_path: Path) -> None:
    host = host_fingerprint(ENVIRONMENT)
    metadata = RunMetadata(config_hash="c0ffee", git_commit="abc", git_branch="main", git_dirty=True, host=host,
                           host_id=host_id(host), source="pyperf")
    with open_store(tmp_path / "s.db") as store:
        run_id = store.begin_run(ENVIRONMENT, "run", metadata, started_at="2026-01-02T03:04:05.000+00:00")
        plain = store.begin_run({"git": {"commit": "def"}}, "run")
    with open_store(tmp_path / "s.db") as store:
        run, other = store.run(run_id), store.run(plain)
    assert run.metadata == metadata and run.started_at == "2026-01-02T03:04:05.000+00:00"
    assert (run.config_hash, run.git_branch, run.git_dirty, run.source) == ("c0ffee", "main", True, "pyperf")
    # without metadata: the commit from the environment, the rest unknown
    assert other.metadata == RunMetadata(git_commit="def") and dict(other.noise) == {}


def test_the_noise_seen_is_set_at_the_end_of_a_run(tmp_path: Path) -> None:
    noise = {"load_average": {"start": [1.0, 0.5, 0.2], "end": [2.0, 1.0, 0.4]}, "steal_share": 0.01,
             "warnings": ["only 2 logical CPU(s)"]}
    with open_store(tmp_path / "s.db") as store:
        run_id = store_run(store, python_result())
        store.set_run_noise(run_id, noise)
        assert store.run(run_id).noise == noise


def test_the_host_fingerprint_is_what_identifies_a_machine() -> None:
    host = host_fingerprint(ENVIRONMENT)
    assert host == {"cpu_model": "Zen 4", "logical_cores": 16, "memory_bytes": 64 << 30, "kernel": "6.8.0",
                    "python_implementation": "CPython", "python_version": "3.11.7",
                    "build": {"compiler": "GCC 12.2.0", "cxx_flags": "-O3", "build_type": "Release",
                              "cxx_standard": 202002}}
    # what varies on one machine, or names it only, does not change its id
    same = {**ENVIRONMENT, "hostname": "renamed", "load_average": [9.0, 9.0, 9.0],
            "cpu": {**ENVIRONMENT["cpu"], "frequency_mhz": 1200.0}}
    assert host_id(host_fingerprint(same)) == host_id(host)
    for changed in ({"kernel": "6.9.1"}, {"memory_bytes": 32 << 30}, {"cpu": {**ENVIRONMENT["cpu"], "model": "Zen 3"}},
                    {"python": {**ENVIRONMENT["python"], "version": "3.12.1"}},
                    {"build": {**ENVIRONMENT["build"], "cxx_flags": "-O0"}}):
        assert host_id(host_fingerprint({**ENVIRONMENT, **changed})) != host_id(host), changed
    assert describes_a_host(ENVIRONMENT) and not describes_a_host({})


def test_history_on_one_host_leaves_the_others_out(tmp_path: Path) -> None:
    hosts = [RunMetadata(host_id="aaaa"), RunMetadata(host_id="bbbb"), RunMetadata(host_id="aaaa")]
    with open_store(tmp_path / "s.db") as store:
        for metadata in hosts:
            run_id = store.begin_run({}, "run", metadata)
            _, records, result = python_result()
            result_id = store.begin_result(run_id, "l", "b", "python", {})
            store.finish_result(result_id, result)
            store.finish_run(run_id, "complete")
        assert [s.run_id for s in store.history("l", "b")] == [1, 2, 3]
        assert [s.run_id for s in store.history("l", "b", host_id="aaaa")] == [1, 3]
        assert store.history("l", "b", host_id="cccc") == []


def test_writes_made_atomically_commit_together_or_not_at_all(tmp_path: Path) -> None:
    with open_store(tmp_path / "s.db") as store:
        with pytest.raises(RuntimeError), store.atomically():
            run_id = store.begin_run({}, "import")
            store.finish_run(run_id, "complete", finished_at="2026-01-02T03:04:06.000+00:00")
            raise RuntimeError("the file turned out malformed")
        assert store.runs() == []
        with store.atomically():
            run_id = store.begin_run({}, "import")
            store.finish_run(run_id, "complete", finished_at="2026-01-02T03:04:06.000+00:00")
        assert store.run(run_id).finished_at == "2026-01-02T03:04:06.000+00:00"
