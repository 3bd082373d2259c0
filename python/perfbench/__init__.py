"""perfbench: precise performance benchmarks.

    >>> import perfbench
    >>> m = perfbench.measure(sorted, list(range(1000)), budget="0.2s")
    >>> m.median, m.stats.ci_low, m.stats.ci_high        # ns per call
"""

from perfbench._core import __version__
from perfbench.decorator import benchmark
from perfbench.errors import ConfigError, DefinitionError, ExitCode, PerfbenchError, StoreError, UsageError
from perfbench.measure import check_workload, clock_info, measure, measure_workload, workload_catalog
from perfbench.model import BenchmarkResult, Failure, Measurement
from perfbench.sampling import SamplingOptions
from perfbench.stats import SampleStats, summarize

__all__ = [
    "BenchmarkResult", "ConfigError", "DefinitionError", "ExitCode", "Failure", "Measurement",
    "PerfbenchError", "SampleStats", "SamplingOptions", "StoreError", "UsageError", "__version__",
    "benchmark", "check_workload", "clock_info", "measure", "measure_workload", "summarize", "workload_catalog",
]
