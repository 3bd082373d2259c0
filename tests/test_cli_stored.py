"""validate-sla, analyze and optimize over a stored run (the ``stored_project`` fixture: conftest)."""

from __future__ import annotations

from pathlib import Path

import dataclasses

import numpy as np
import pytest

from conftest import assert_one_line_error
from perfbench.analysis.plausibility import find_measurement_errors
from perfbench.model import BenchmarkResult, IterationRecord, Measurement, Metric
from perfbench.store import open_store

def test_validate_sla_exits_1_on_an_error_violation(stored_project, run_cli) -> None:
    completed = run_cli("validate-sla")
    assert completed.returncode == 1
    assert "ERROR" in completed.stdout and "WARNING" in completed.stdout and "PASS" in completed.stdout


def test_warnings_alone_pass_unless_asked(stored_project, run_cli) -> None:
    assert run_cli("validate-sla", "--lane", "a").returncode == 0
    assert run_cli("validate-sla", "--lane", "a", "--fail-on", "warning").returncode == 1


def test_validate_a_named_run(stored_project, run_cli) -> None:
    assert run_cli("validate-sla", "--run", "1", "--lane", "a").returncode == 0
    assert_one_line_error(run_cli("validate-sla", "--run", "7"), "--run", "7")
    assert_one_line_error(run_cli("validate-sla", "--run", "yesterday"), "--run", "yesterday")
    assert_one_line_error(run_cli("validate-sla", "--lane", "zzz"), "--lane", "zzz")


def test_analyze_prints_statistics_lanes_and_resources(stored_project, run_cli) -> None:
    completed = run_cli("analyze")
    assert completed.returncode == 0, completed.stderr
    for fragment in ("statistics per benchmark", "lane to lane", "warns", "errs", "resources"):
        assert fragment in completed.stdout


def advice(stdout: str) -> dict[str, str]:
    """optimize's output, one entry per recommendation: its heading line -> its whole block."""
    blocks = [block.strip() for block in stdout.split("\n\n")[1:]]
    return {block.splitlines()[0]: block for block in blocks if block}


def test_optimize_starts_from_the_violated_rules(stored_project, run_cli) -> None:
    completed = run_cli("optimize")
    assert completed.returncode == 0, completed.stderr
    found = advice(completed.stdout)
    headings = list(found)
    assert headings[0].startswith("P1  SLA rules violated (error, critical)  (1 benchmark")
    assert headings[1].startswith("P2  SLA rules violated (warning)  (1 benchmark")
    assert "b/errs: 'median < 1ns': median = " in found[headings[0]] and "beyond the limit" in found[headings[0]]
    assert "a/warns: 'median < 1ns'" in found[headings[1]]
    violations = "\n".join(block for heading, block in found.items() if "violated" in heading)
    assert "passes" not in violations  # its rule passed


def stored(tmp_path: Path, results: list[BenchmarkResult]) -> Path:
    path = tmp_path / "constructed.db"
    with open_store(path) as store:
        run_id = store.begin_run({}, "constructed")
        for result in results:
            # samples are stored once, in the iterations: the constructed measurement is one iteration's
            iteration = IterationRecord(index=0, warmup=False, wall_ns=0.0, measurement=result.measurement)
            store.finish_result(store.begin_result(run_id, result.lane, result.benchmark, result.kind, {}),
                                dataclasses.replace(result, iterations=(iteration,)))
        store.finish_run(run_id, "complete")
    return path


def constructed(name: str, samples: np.ndarray, metrics: tuple[Metric, ...] = ()) -> BenchmarkResult:
    m = Measurement(samples_ns=samples, iterations_per_sample=1, overhead_ns=0.0, overhead_subtracted=False,
                    clock="clock_monotonic", ticks_per_ns=1.0)
    result = BenchmarkResult(lane="c", benchmark=name, kind="workload", measurement=m, metrics=metrics)
    return dataclasses.replace(result, measurement_errors=find_measurement_errors(result, cpus=2))


def test_optimize_merges_the_same_advice_and_reports_impossible_figures(tmp_path: Path, run_cli) -> None:
    rng = np.random.default_rng(3)
    noisy = [constructed(f"noisy_{i}", rng.normal(1e6, 3e5, 400).clip(1e5)) for i in range(3)]
    steady = constructed("steady", rng.normal(1e6, 1e3, 400))
    impossible = constructed("pool", rng.normal(1e6, 1e3, 400), (Metric("efficiency", 1.22, "ratio", 1.15, 1.3),))
    completed = run_cli("optimize", "--store", str(stored(tmp_path, [*noisy, steady, impossible])))
    assert completed.returncode == 0, completed.stderr
    found = advice(completed.stdout)
    (noise,) = [block for heading, block in found.items() if "Noisy measurements" in heading]
    assert "(3 benchmarks" in noise and all(f"noisy_{i}" in noise for i in range(3))
    (errors,) = [block for heading, block in found.items() if "Impossible figures" in heading]
    assert "c/pool: efficiency 1.22" in errors
    assert "steady" not in completed.stdout  # nothing to advise on a steady, possible result


def test_commands_without_a_store_give_exit_2(run_cli) -> None:
    for command in ("validate-sla", "analyze", "optimize"):
        assert_one_line_error(run_cli(command), "no result store")


def test_analyze_shows_an_impossible_figure_as_an_error(tmp_path: Path, run_cli) -> None:
    steady = np.random.default_rng(4).normal(1e6, 1e3, 400)
    impossible = constructed("sampled", steady, (Metric("cpu_avg", 0.475, "fraction"),
                                                 Metric("cpu_max", 0.449, "fraction")))
    possible = constructed("fine", steady, (Metric("cpu_avg", 0.30, "fraction"), Metric("cpu_max", 0.40, "fraction")))
    completed = run_cli("analyze", "--store", str(stored(tmp_path, [impossible, possible])))
    assert completed.returncode == 0, completed.stderr
    (sampled_row,) = [line for line in completed.stdout.splitlines() if "c/sampled" in line and "│" in line]
    assert "44.9 %" not in sampled_row and "47.5 %" not in sampled_row and sampled_row.count("error") == 2
    (fine_row,) = [line for line in completed.stdout.splitlines() if "c/fine" in line and "│" in line]
    assert "30 %" in fine_row and "40 %" in fine_row
    assert "c/sampled: cpu_max 0.449 is below cpu_avg 0.475" in completed.stdout
