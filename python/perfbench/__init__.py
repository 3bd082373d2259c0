"""perfbench: precise performance benchmarks.

    >>> import perfbench
    >>> m = perfbench.measure(sorted, list(range(1000)), budget="0.2s")
    >>> m.median, m.stats.ci_low, m.stats.ci_high        # ns per call

Did it get slower? Two stored runs compared, as ``python -m perfbench compare`` does:

    >>> c = perfbench.compare("main", "latest")          # a baseline, a run id or "latest"
    >>> [(v.key, v.status, v.change, v.low, v.high) for v in c.comparison.verdicts]
    >>> c.check_failed, c.to_dict()

or two sets of results measured in one job (``perfbench.compare_results(base, current)``).

A store's runs, results, samples, resource time series, SLA verdicts, baselines and
histories as pandas DataFrames (``notebooks/`` has examples):

    >>> with perfbench.open_store(".perfbench/results.db") as store:
    ...     store.results("latest"), store.samples("latest"), store.compare("main", "latest")

A load test at a target rate, with tail latencies measured from the intended send times:

    >>> r = perfbench.load_test("http://127.0.0.1:8080/", rate=2000, duration="10s")
    >>> r.corrected_spectrum, r.uncorrected_spectrum, r.verdict, r.to_dict()

The public names are imported on first use (PEP 562): ``python -m perfbench.execution.worker``
imports this package too, and must not pay for numpy (see worker.py). No submodule may
share a public name (``perfbench.measure`` is a function, defined in perfbench.measuring.timing):
importing a submodule sets the package attribute of its name.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from perfbench._version import __version__
    from perfbench.definition.decorator import benchmark
    from perfbench.errors import ConfigError, DefinitionError, ExitCode, PerfbenchError, StoreError, UsageError
    from perfbench.measuring.timing import check_workload, clock_info, measure, measure_workload, workload_catalog
    from perfbench.model import BenchmarkResult, Failure, Measurement
    from perfbench.measuring.sampling import SamplingOptions
    from perfbench.analysis.stats import SampleStats, summarize
    from perfbench.analysis.comparison import ChangeVerdict, Comparison, compare_results
    from perfbench.errors import ComparisonError
    from perfbench.run_comparison import RunComparison, compare
    from perfbench.frames.store_frames import open_store
    from perfbench.load.api import LoadTest, load_test, start_load_test
    from perfbench.load.result import LoadResult

_HOMES = {
    "__version__": "perfbench._version",  # lazily too: importlib.metadata costs a worker ~19 ms
    "benchmark": "perfbench.definition.decorator",
    **dict.fromkeys(("ComparisonError", "ConfigError", "DefinitionError", "ExitCode", "PerfbenchError", "StoreError",
                     "UsageError"), "perfbench.errors"),
    **dict.fromkeys(("check_workload", "clock_info", "measure", "measure_workload", "workload_catalog"),
                    "perfbench.measuring.timing"),
    **dict.fromkeys(("BenchmarkResult", "Failure", "Measurement"), "perfbench.model"),
    "SamplingOptions": "perfbench.measuring.sampling",
    **dict.fromkeys(("SampleStats", "summarize"), "perfbench.analysis.stats"),
    **dict.fromkeys(("ChangeVerdict", "Comparison", "compare_results"), "perfbench.analysis.comparison"),
    **dict.fromkeys(("RunComparison", "compare"), "perfbench.run_comparison"),
    "open_store": "perfbench.frames.store_frames",
    **dict.fromkeys(("LoadTest", "load_test", "start_load_test"), "perfbench.load.api"),
    "LoadResult": "perfbench.load.result",
}

__all__ = sorted(_HOMES)


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'perfbench' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_HOMES})
