"""Results made outside a lane run (a pytest session's timed calls, a load test from Python)
stored as one run: the run's metadata and environment as ``run`` records them, each result
with its iterations, the SLA verdicts, the noise seen, and the run finished ``complete``."""

from __future__ import annotations

from collections.abc import Sequence

from perfbench.model import BenchmarkResult
from perfbench.sla import Verdict
from perfbench.store.interface import ResultStore


def store_whole_run(store: ResultStore, results: Sequence[BenchmarkResult], verdicts: Sequence[Verdict],
                    command: str) -> int:
    """Writes the run through the store interface; returns its id."""
    from perfbench.analysis.interference import run_noise
    from perfbench.execution.session import run_metadata
    from perfbench.resources.environment import collect_environment, load_average, noise_warnings

    environment = collect_environment()
    run_id = store.begin_run(environment, command, run_metadata(environment, ()))
    for result in results:
        row = store.begin_result(run_id, result.lane, result.benchmark, result.kind, dict(result.params))
        store.finish_result(row, result)  # its iterations with it
    store.add_verdicts(run_id, list(verdicts))
    store.set_run_noise(run_id, run_noise(list(results), noise_warnings(environment), environment["load_average"],
                                          load_average()))
    store.finish_run(run_id, "complete")
    return run_id
