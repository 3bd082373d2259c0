"""``result_summaries``: results' statistics read without their samples, for histories and
the run-to-run noise of comparisons. They must say what the full read says."""

from __future__ import annotations

from pathlib import Path

from history_runs import PROCESSES, store_history
from perfbench.store import open_store


def test_summaries_agree_with_the_full_results_without_decoding_samples(tmp_path: Path) -> None:
    with open_store(tmp_path / "results.db") as store:
        runs = store_history(store, {"lane/a": [100.0, None, 120.0], "lane/b": [50.0, 55.0, 60.0]})
        full = {(s.run_id, s.result.key): s.result for run in runs for s in store.results(run)}
        by_benchmark = store.result_summaries(lane="lane", benchmark="a")
        by_run = store.result_summaries(run_id=runs[2])
        everything = store.result_summaries()
    assert [s.run_id for s in by_benchmark] == runs
    assert [s.status for s in by_benchmark] == ["ok", "timeout", "ok"]
    assert [s.key for s in by_run] == ["lane/a", "lane/b"]
    assert len(everything) == 6
    for summary in everything:
        result = full[(summary.run_id, summary.key)]
        if result.measurement is None:
            assert summary.median is None and summary.processes == 0 and not summary.ok
        else:
            assert summary.median == result.measurement.median
            assert summary.stats.ci_low == result.measurement.stats.ci_low
            assert summary.processes == PROCESSES
