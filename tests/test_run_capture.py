"""What a real run records about itself: the config hash (the same for the same configuration,
in any process), the project's git commit, branch and dirty flag, the host, the noise seen,
and the baseline it was saved as."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from perfbench.definition.config_hash import config_hash
from perfbench.definition.suite import BenchmarkDefinition, PythonTarget
from perfbench.execution.session import RunSession, SessionRequest
from perfbench.measuring.sampling import SamplingOptions
from perfbench.resources.host_fingerprint import host_fingerprint, host_id
from perfbench.sla import rule
from perfbench.store import open_store

BENCHMARKS = """
def fine():
    return sum(range(100))

def raises():
    raise ValueError("never valid")
"""


def _git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=cwd, check=True,
                          capture_output=True, text=True).stdout.strip()


def _definition(path: Path, function: str = "fine", **options) -> BenchmarkDefinition:
    options = {"sla": (rule("median < 10s"),), **options}
    return BenchmarkDefinition(name=function, lane="capture", target=PythonTarget(str(path), function),
                               sampling=SamplingOptions(budget_seconds=0.02), **options)


def _run(store: Path, *definitions: BenchmarkDefinition, **options):
    outcome = RunSession(SessionRequest(definitions=definitions, store=store, command="test",
                                        handle_signals=False, **options)).run()
    with open_store(store) as opened:
        return outcome, opened.run(outcome.run_id)


@pytest.fixture
def checkout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    project = tmp_path / "project"
    project.mkdir()
    (project / "bench_capture.py").write_text(textwrap.dedent(BENCHMARKS))
    _git(project, "init", "-q", "-b", "feature")
    _git(project, "add", "bench_capture.py")
    _git(project, "commit", "-q", "-m", "first")
    monkeypatch.chdir(project)
    return project


def test_a_run_records_its_commit_branch_and_dirty_flag(checkout: Path, tmp_path: Path) -> None:
    bench = checkout / "bench_capture.py"
    _, clean = _run(tmp_path / "s.db", _definition(bench))
    assert (clean.git_commit, clean.git_branch, clean.git_dirty) == (_git(checkout, "rev-parse", "HEAD"), "feature",
                                                                     False)
    bench.write_text(bench.read_text() + "\n# an uncommitted change\n")
    _, dirty = _run(tmp_path / "s.db", _definition(bench))
    assert (dirty.git_commit, dirty.git_dirty) == (clean.git_commit, True)
    _git(checkout, "checkout", "-q", "--detach")
    _, detached = _run(tmp_path / "s.db", _definition(bench))
    assert (detached.git_commit, detached.git_branch) == (clean.git_commit, None)


def test_a_run_outside_a_checkout_records_no_git_state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    outside = tmp_path / "plain"
    outside.mkdir()
    (outside / "bench_capture.py").write_text(textwrap.dedent(BENCHMARKS))
    monkeypatch.chdir(outside)
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))  # in case the temporary directory is in one
    _, run = _run(tmp_path / "s.db", _definition(outside / "bench_capture.py"))
    assert (run.git_commit, run.git_branch, run.git_dirty) == (None, None, None)


def test_the_config_hash_is_the_configurations_not_the_runs(checkout: Path, tmp_path: Path) -> None:
    bench = checkout / "bench_capture.py"
    _, first = _run(tmp_path / "s.db", _definition(bench))
    _, again = _run(tmp_path / "s.db", _definition(bench))
    _, changed = _run(tmp_path / "s.db", _definition(bench, iterations=2))
    assert first.config_hash == again.config_hash == config_hash([_definition(bench)])
    assert len(first.config_hash) == 64 and changed.config_hash != first.config_hash
    assert config_hash([_definition(bench, sla=(rule("median < 9s"),))]) != first.config_hash


PRINT_HASH = """
import sys
from perfbench.definition.config_hash import config_hash
from perfbench.definition.suite import BenchmarkDefinition, CommandTarget
env = {f"VAR{i}": str(i) for i in range(20)}
print(config_hash([BenchmarkDefinition(name="c", lane="l", target=CommandTarget("true", env=env), env=env)]))
"""


def test_the_config_hash_is_the_same_in_every_process() -> None:
    hashes = {subprocess.run([sys.executable, "-c", PRINT_HASH], capture_output=True, text=True, check=True,
                             env={**os.environ, "PYTHONHASHSEED": seed}).stdout for seed in ("1", "2", "3")}
    assert len(hashes) == 1


def test_a_run_records_its_host_and_the_noise_it_saw(checkout: Path, tmp_path: Path) -> None:
    outcome, run = _run(tmp_path / "s.db", _definition(checkout / "bench_capture.py", iterations=2))
    assert dict(run.host) == host_fingerprint(run.environment) and run.host_id == host_id(run.host)
    assert run.host["logical_cores"] == os.cpu_count() and run.source == "perfbench"
    assert run.environment["process"]["pid"] == os.getpid()  # the session runs in this process
    noise = run.noise
    assert noise["load_average"]["start"] == run.environment["load_average"]
    assert len(noise["load_average"]["end"]) == 3
    assert noise["warnings"] == list(outcome.noise_warnings)
    samples = outcome.results[0].measurement.stats
    assert noise["interference_share"] == samples.interference / samples.n
    assert set(noise["notes"]) <= {"capture/fine"} and set(noise) == {"load_average", "steal", "interference_share",
                                                                      "warnings", "notes"}


def test_a_run_is_saved_as_a_baseline_only_if_it_completed(checkout: Path, tmp_path: Path) -> None:
    bench = checkout / "bench_capture.py"
    outcome, _ = _run(tmp_path / "s.db", _definition(bench), save_baseline="main", saved_by="ada")
    assert outcome.status == "complete" and outcome.saved_baseline == "main"
    failed, _ = _run(tmp_path / "s.db", _definition(bench), _definition(bench, "raises"), save_baseline="main",
                     saved_by="bob")
    assert failed.status == "failed" and failed.saved_baseline is None
    with open_store(tmp_path / "s.db") as store:
        baseline = store.baseline("main")
    assert (baseline.name, baseline.run_id, baseline.created_by, baseline.acceptances) == (
        "main", outcome.run_id, "ada", ())
