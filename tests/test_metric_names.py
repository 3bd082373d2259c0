"""Every figure a project's benchmark produces is in the metric-name table the SLA parser
checks rules against (analysis/metric_names.py), with the unit it is reported in: a figure
added without an entry would make a rule on it fail as a 'typo'."""

from __future__ import annotations

import sys
from pathlib import Path

from perfbench.analysis import metric_names
from perfbench.definition.suite import BenchmarkDefinition, CommandTarget, PythonTarget
from perfbench.execution.runner import results_of, run_benchmarks
from perfbench.measuring.sampling import SamplingOptions


def test_every_figure_of_a_command_and_a_python_benchmark_is_a_known_metric(tmp_path: Path) -> None:
    bench = tmp_path / "bench_names.py"
    bench.write_text("def work():\n    sum(range(100))\n\ndef setup():\n    pass\n")
    definitions = [
        BenchmarkDefinition(name="cmd", lane="l", target=CommandTarget((sys.executable, "-c", "pass")), iterations=2),
        BenchmarkDefinition(name="py", lane="l", target=PythonTarget(str(bench), "work", setup="setup"),
                            sampling=SamplingOptions(budget_seconds=0.02), iterations=2),
    ]
    results = results_of(run_benchmarks(definitions))
    assert [r.ok for r in results] == [True, True]
    for result in results:
        assert result.metrics
        for metric in result.metrics:
            assert metric_names.unit_of(metric.name) == metric.unit, (result.key, metric)


def test_statistics_percentiles_and_ticks_are_known_and_typos_are_not() -> None:
    assert metric_names.unit_of("p99.9") == "ns" and metric_names.unit_of("p75") == "ns"
    assert metric_names.unit_of("ticks_median") == "ticks"
    assert metric_names.unit_of("ticks_banana") is None and metric_names.unit_of("medain") is None
    assert metric_names.did_you_mean("medain") == "median"
