"""perfbench.open_store: a real SQLite store, written through the store interface with
constructed results (nothing is timed, so every figure asserted is one the test wrote), read
back as DataFrames; and the Jupyter views of stored runs, comparisons and measurements, with
hostile benchmark names."""

from __future__ import annotations

import dataclasses
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from history_runs import HOST_A, store_history
from perfbench.analysis.aggregate import assemble_result
from perfbench.analysis.comparison import compare_results
from perfbench.definition.suite import BenchmarkDefinition, PythonTarget
from perfbench.errors import ComparisonError, StoreError
from perfbench.frames import columns
from perfbench.frames.store_frames import StoreFrames
from perfbench.model import Failure, IterationRecord, Measurement
from perfbench.resources.host_fingerprint import host_fingerprint, host_id
from perfbench.resources.resource_sampler import ResourceSample
from perfbench.run_comparison import RunComparison
from perfbench.sla import Verdict
from perfbench.store import open_store as open_result_store
from perfbench.store.interface import RunMetadata

import perfbench

HOSTILE = "<img src=x onerror=alert(1)>"
PIPED = "a|b `c` | d"
STEP_AT = 6  # the 0-based position of the first run at the new level in STEPPED
STEPPED = [v * (1.3 if i >= STEP_AT else 1.0) for i, v in
           enumerate(1000.0 * np.exp(np.random.default_rng(7).normal(0.0, 0.01, 12)))]
TICKS = 3  # resource samples per iteration
PROCESSES = 3
SAMPLES = (10, 12, 14)  # samples per process: unequal, so that a wrong process column shows


def _tick(t: float, process: int) -> dict[str, object]:
    return ResourceSample(t=t, cpu_core_percent=50.0 + process, cpu_total_percent=25.0, system_cpu_percent=30.0,
                          rss_bytes=(100 + process) << 20, read_bytes=0, write_bytes=4096, machine_net_sent_bytes=0,
                          machine_net_recv_bytes=0, ctx_switches=3, threads=1, processes=1).to_dict()


def _records(median: float) -> list[IterationRecord]:
    return [IterationRecord(
        index=p, warmup=False, wall_ns=1e6, process=p, resources={"timeseries": [_tick(0.1 * k, p) for k in range(TICKS)]},
        measurement=Measurement(samples_ns=[median + p + 0.01 * k for k in range(SAMPLES[p])], iterations_per_sample=10,
                                overhead_ns=0.0, overhead_subtracted=True, clock="steady_clock", ticks_per_ns=1.0,
                                segments=[(p, SAMPLES[p])])) for p in range(PROCESSES)]


def _store_hostile_run(store, median: float) -> int:
    """A run of lane 'x' whose benchmark names and command would break HTML and Markdown."""
    environment = {"perfbench_version": "test", **HOST_A, "git": {"commit": "h0", "dirty": False}}
    fingerprint = host_fingerprint(environment)
    run_id = store.begin_run(environment, f"perfbench run --lane {HOSTILE}",
                             RunMetadata(git_commit="h0", git_branch="main", git_dirty=False, host=fingerprint,
                                         host_id=host_id(fingerprint)))
    for name, records in ((HOSTILE, _records(median)), (PIPED, _records(2 * median)),
                          ("broken", [IterationRecord(index=0, warmup=False, wall_ns=None,
                                                      failure=Failure("timeout", f"timed out {HOSTILE}"))])):
        definition = BenchmarkDefinition(name=name, lane="x", target=PythonTarget("bench.py", "f"),
                                         iterations=len(records), warmup_iterations=0, processes=len(records))
        result_id = store.begin_result(run_id, "x", name, definition.kind, {})
        for record in records:
            store.add_iteration(result_id, record)
        store.finish_result(result_id, assemble_result(definition, records))
    store.add_verdicts(run_id, [
        Verdict(rule="fast", benchmark=f"x/{HOSTILE}", expression="median < 1ms", metric="median", measured=median,
                unit="ns", status="pass", severity=None, message="ok", limit=1e6),
        Verdict(rule="tail", benchmark=f"x/{PIPED}", expression="p99 < 1ns", metric="p99", measured=median,
                unit="ns", status="violated", severity="warning", message=f"p99 {HOSTILE}", limit=1.0)])
    store.set_run_noise(run_id, {"load_average": {"start": [1.5, 1.0, 0.5], "end": [2.0, 1.0, 0.5]},
                                 "steal": {"mean": 0.01, "max": 0.02}, "interference_share": 0.03,
                                 "warnings": ["running in a VM", HOSTILE], "notes": {}})
    store.finish_run(run_id, "failed")
    return run_id


@pytest.fixture(scope="module")
def store_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """12 runs of 'ops/parse' (a step at run 7) and 'ops/render', then two hostile runs;
    baseline 'main' at run 1, moved once to run 2."""
    path = tmp_path_factory.mktemp("frames") / "results.db"
    with open_result_store(path) as store:
        store_history(store, {"ops/parse": STEPPED, "ops/render": [500.0] * 12})
        _store_hostile_run(store, 100.0)
        _store_hostile_run(store, 101.0)
        store.save_baseline("main", 1, by="ada", reason="release")
        store.accept_baseline("main", 2, by="bob", reason=f"on purpose {HOSTILE}")
    return path


@pytest.fixture
def frames(store_path: Path):
    with perfbench.open_store(store_path) as opened:
        yield opened


def documented(method) -> list[str]:
    """The ``names`` a method's docstring documents, in order."""
    return re.findall(r"``([a-z_0-9.]+)``", method.__doc__)


@pytest.mark.parametrize("method, frame_columns", [
    (StoreFrames.runs, columns.RUN_COLUMNS), (StoreFrames.results, columns.RESULT_COLUMNS),
    (StoreFrames.samples, columns.SAMPLE_COLUMNS), (StoreFrames.resources, columns.RESOURCE_COLUMNS),
    (StoreFrames.sla, columns.SLA_COLUMNS), (StoreFrames.baselines, columns.BASELINE_COLUMNS),
], ids=lambda value: getattr(value, "__name__", "columns"))
def test_every_column_is_documented_on_its_method_and_in_the_readme(method, frame_columns) -> None:
    assert set(frame_columns) <= set(documented(method)), method.__name__
    readme = (Path(__file__).parents[1] / "README.md").read_text()
    section = readme.split("## From Python and notebooks", 1)[1].split("\n## ", 1)[0]
    missing = [c for c in frame_columns if f"`{c}`" not in section]
    assert not missing, f"README's 'From Python and notebooks' lacks {missing}"


def test_open_store_is_public_lazy_and_names_a_missing_store(tmp_path: Path) -> None:
    assert "open_store" in perfbench.__all__
    with pytest.raises(StoreError, match=re.escape(str(tmp_path / "none.db"))):
        perfbench.open_store(tmp_path / "none.db")
    assert not (tmp_path / "none.db").exists()  # reading never leaves an empty store behind
    code = "import sys, perfbench, perfbench.execution.worker, perfbench.model; print('pandas' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True).stdout.strip() == "False"


def test_runs_frame_has_a_row_per_stored_run(frames, store_path: Path) -> None:
    runs = frames.runs()
    stored = frames.store.runs()
    assert list(runs.columns) == list(columns.RUN_COLUMNS)
    assert list(runs["run_id"]) == [r.id for r in stored] == list(range(1, 15))
    assert list(runs["benchmarks"]) == [len(frames.store.results(r.id)) for r in stored]
    assert list(runs["failed"]) == [0] * 12 + [1, 1]
    assert list(runs["commit"][:3]) == ["c0", "c1", "c2"] and runs["branch"].iloc[0] == "main"
    assert runs["started_at"].dt.tz is not None and runs["finished_at"].notna().all()
    hostile = runs.iloc[-1]
    assert (hostile["status"], hostile["load_start"], hostile["load_end"], hostile["steal_max"],
            hostile["interference_share"], hostile["noise_warnings"]) == ("failed", 1.5, 2.0, 0.02, 0.03,
                                                                          ["running in a VM", HOSTILE])
    assert pd.isna(runs["load_start"].iloc[0])  # not recorded is missing, not 0


def test_results_frame_matches_the_stored_summaries(frames) -> None:
    everything = frames.results()
    summaries = frames.store.result_summaries()
    assert list(everything.columns) == list(columns.RESULT_COLUMNS)
    assert len(everything) == len(summaries) == 12 * 2 + 2 * 3
    assert list(everything["median"].fillna(-1)) == [s.median if s.median is not None else -1 for s in summaries]
    latest = frames.results("latest")
    assert list(latest["benchmark"]) == [HOSTILE, PIPED, "broken"] and set(latest["run_id"]) == {14}
    measured = latest.iloc[0]
    stats = frames.store.results(14)[0].result.measurement.stats
    assert (measured["n"], measured["median"], measured["p99"], measured["ci_low"], measured["processes"],
            measured["unit"], measured["noise_kind"]) == (sum(SAMPLES), stats.median, stats.p99, stats.ci_low,
                                                          PROCESSES, "ns", "processes")
    broken = latest.iloc[2]
    assert broken["status"] == "timeout" and pd.isna(broken["median"]) and broken["processes"] == 0
    assert list(frames.results(lane="ops")["run_id"]) == [i for i in range(1, 13) for _ in range(2)]
    assert len(frames.results(3, lane="ops")) == 2 and len(frames.results("main")) == 2  # main: run 2
    with pytest.raises(ComparisonError, match="no run 99 in .*results.db"):
        frames.results(99)


def test_samples_frame_is_every_sample_with_its_process(frames) -> None:
    samples = frames.samples("latest", HOSTILE)
    measurement = frames.store.results(14)[0].result.measurement
    assert list(samples.columns) == list(columns.SAMPLE_COLUMNS)
    assert np.array_equal(samples["ns"].to_numpy(), measurement.samples_ns)
    assert list(samples["sample"]) == list(range(sum(SAMPLES)))
    assert samples.groupby("process").size().to_dict() == dict(enumerate(SAMPLES))
    assert set(samples["benchmark"]) == {HOSTILE} and set(samples["lane"]) == {"x"}
    whole_run = frames.samples(14)
    assert len(whole_run) == 2 * sum(SAMPLES)  # the failed benchmark measured nothing
    assert len(frames.samples(14, f"x/{PIPED}")) == sum(SAMPLES)
    assert frames.samples(1, "nothing").empty and list(frames.samples(1, "nothing").columns) == list(columns.SAMPLE_COLUMNS)


def test_resources_frame_is_each_iterations_time_series(frames) -> None:
    resources = frames.resources(13)
    assert list(resources.columns) == list(columns.RESOURCE_COLUMNS)
    assert len(resources) == 2 * PROCESSES * TICKS  # two measured benchmarks; the timeout sampled nothing
    one = resources[(resources["benchmark"] == HOSTILE) & (resources["process"] == 2)]
    assert list(one["t"]) == pytest.approx([0.0, 0.1, 0.2]) and set(one["rss_bytes"]) == {102 << 20}
    assert set(one["cpu_core_percent"]) == {52.0} and not one["warmup"].any()
    assert frames.resources(1).empty  # the constructed history sampled none


def test_sla_frame_and_matrix(frames) -> None:
    sla = frames.sla("latest")
    assert list(sla.columns) == list(columns.SLA_COLUMNS)
    assert len(sla) == len(frames.store.verdicts(14)) == 2
    assert list(sla["label"]) == ["PASS", "WARNING"] and list(sla["benchmark"]) == [HOSTILE, PIPED]
    matrix = frames.sla_matrix("latest")
    assert matrix.loc[f"x/{HOSTILE}", "fast"] == "PASS" and matrix.loc[f"x/{PIPED}", "tail"] == "WARNING"
    assert pd.isna(matrix.loc[f"x/{HOSTILE}", "tail"])
    assert frames.sla(1).empty and frames.sla_matrix(1).empty


def test_baselines_frame(frames) -> None:
    baselines = frames.baselines()
    assert list(baselines.columns) == list(columns.BASELINE_COLUMNS)
    (row,) = baselines.itertuples(index=False)
    assert (row.name, row.run_id, row.created_by, row.reason, row.acceptances, row.moved_by, row.moved_from_run_id,
            row.moved_reason) == ("main", 2, "ada", "release", 1, "bob", 1, f"on purpose {HOSTILE}")


def test_history_and_trend_frames_place_the_step(frames) -> None:
    history = frames.history("ops", "parse")
    assert list(history["run_id"]) == list(range(1, 13))
    assert list(history["median"]) == pytest.approx(STEPPED, rel=1e-9)
    steps = frames.trend("ops", "parse")
    assert list(steps["run_id"]) == [STEP_AT + 1] and list(steps["previous_commit"]) == [f"c{STEP_AT - 1}"]
    assert steps["change"].iloc[0] == pytest.approx(np.median(STEPPED[STEP_AT:]) / np.median(STEPPED[:STEP_AT]) - 1)
    assert frames.trend("ops", "render").empty
    # the last 4 runs are 11 to 14; the two hostile ones did not run ops/parse
    assert list(frames.history("ops", "parse", last=4)["run_id"]) == [11, 12]


def test_compare_gives_the_run_comparison_with_a_frame(frames) -> None:
    comparison = frames.compare("main", 12)
    assert isinstance(comparison, RunComparison)
    assert (comparison.base.run.id, comparison.current.run.id) == (2, 12)
    frame = comparison.to_dataframe()
    assert list(frame.columns) == list(columns.CHANGE_COLUMNS)
    assert list(frame["key"]) == [v.key for v in comparison.verdicts] == ["ops/parse", "ops/render"]
    assert list(frame["status"]) == [v.status for v in comparison.verdicts]
    assert frame["change"].iloc[0] == pytest.approx(STEPPED[11] / STEPPED[1] - 1, rel=1e-6)
    assert comparison.comparison.to_dataframe().equals(frame)
    loose = frames.compare("main", 12, threshold=0.5).to_dataframe()
    assert list(loose["threshold"]) == [0.5, 0.5] and loose["threshold_requested"].all()
    assert frames.compare().current.run.id == 14 and frames.compare().base.run.id == 13  # latest and the one before


def text_of(html: str) -> str:
    """What a browser shows: tags dropped, entities decoded."""
    import html as html_module

    return html_module.unescape(re.sub(r"<[^>]+>", "", html))


def assert_safe(html: str) -> None:
    """No markup but the table's own: a name shows as text, nothing runs."""
    tags = set(re.findall(r"<\s*/?\s*([a-zA-Z0-9]+)", html))
    assert tags <= {"div", "p", "table", "thead", "tbody", "tr", "th", "td", "code"}, tags
    assert "onerror" not in re.sub(r"&lt;img src=x onerror=alert\(1\)&gt;", "", html)


def test_a_stored_run_shows_hostile_names_as_text(frames) -> None:
    run = frames.run("latest")
    html = run._repr_html_()
    assert_safe(html)
    shown = text_of(html)
    assert HOSTILE in shown and PIPED in shown and f"timed out {HOSTILE}" in shown
    assert shown.startswith("latest = run 14: failed") and "3 benchmarks, 1 failed" in shown
    assert "SLA 1 PASS, 1 WARNING" in shown and "2 noise warnings" in shown
    assert run.to_dataframe().equals(frames.results(14))
    assert repr(run).startswith("<RunResults latest = run 14: failed") and len(repr(run)) < 300  # not every iteration
    assert run.result(HOSTILE).benchmark == HOSTILE and run.result(f"x/{PIPED}").benchmark == PIPED
    with pytest.raises(KeyError, match="is not in it"):
        run.result("nope")
    store_html = frames._repr_html_()
    assert_safe(store_html)
    assert f"perfbench run --lane {HOSTILE}" in text_of(store_html)


def test_a_comparison_shows_hostile_names_as_text(frames) -> None:
    comparison = frames.compare(13, 14)
    html = comparison._repr_html_()
    assert_safe(html)
    shown = text_of(html)
    assert HOSTILE in shown and PIPED in shown and "run 13" in shown and "run 14" in shown
    rows = re.findall(r"<tr>", html)
    assert len(rows) == 1 + len(comparison.verdicts) == 4  # the header and one row per benchmark
    assert_safe(comparison.comparison._repr_html_())


def test_a_measurement_shows_its_statistics_and_gives_its_samples() -> None:
    records = _records(50.0)
    definition = BenchmarkDefinition(name="m", lane="l", target=PythonTarget("bench.py", "f"), iterations=PROCESSES,
                                     warmup_iterations=0, processes=PROCESSES)
    measurement = assemble_result(definition, records).measurement
    frame = measurement.to_dataframe()
    assert list(frame.columns) == ["sample", "process", "ns"] and len(frame) == sum(SAMPLES)
    assert frame.groupby("process").size().to_dict() == dict(enumerate(SAMPLES))
    html = measurement._repr_html_()
    assert_safe(html)
    shown = text_of(html)
    assert shown.startswith("Measurement: median") and f"{sum(SAMPLES)} samples" in shown
    assert "from 3 processes" in shown and len(re.findall("<tr>", html)) == 1 + 8


def test_an_in_memory_comparison_has_the_same_views() -> None:
    definition = BenchmarkDefinition(name=HOSTILE, lane="x", target=PythonTarget("bench.py", "f"),
                                     iterations=PROCESSES, warmup_iterations=0, processes=PROCESSES)
    base = assemble_result(definition, _records(100.0))
    current = assemble_result(definition, _records(150.0))
    comparison = compare_results([base], [current])
    frame = comparison.to_dataframe()
    assert list(frame["key"]) == [f"x/{HOSTILE}"] and frame["status"].iloc[0] == comparison.verdicts[0].status
    html = comparison._repr_html_()
    assert_safe(html)
    assert f"x/{HOSTILE}" in text_of(html)
    assert dataclasses.asdict(comparison.verdicts[0])["change"] == frame["change"].iloc[0]


def test_a_stored_result_shows_its_measurement_or_why_it_failed(frames) -> None:
    measured, _, broken = (stored.result for stored in frames.store.results(14))
    html = measured._repr_html_()
    assert_safe(html)
    assert text_of(html).startswith(f"x/{HOSTILE}: median")
    assert measured.to_dataframe().equals(measured.measurement.to_dataframe())
    failed = broken._repr_html_()
    assert_safe(failed)
    assert text_of(failed) == f"x/broken: timeout: timed out {HOSTILE} (iteration 1 of 1)"
    assert broken.to_dataframe().empty and list(broken.to_dataframe().columns) == ["sample", "process", "ns"]
