"""The domain model (results, statistics, verdicts, the store) imports and works without the
compiled core: reading and judging stored results must not need the measurement engine."""

from __future__ import annotations

import subprocess
import sys
import textwrap


def test_model_statistics_verdicts_and_store_import_without_the_core(tmp_path) -> None:
    program = textwrap.dedent("""
        import sys
        sys.modules["perfbench._core"] = None  # any import of the core now raises ImportError
        import perfbench
        from perfbench.model import Measurement, BenchmarkResult, pool_measurements
        from perfbench.analysis.stats import summarize
        from perfbench.sla import rule
        from perfbench.store import open_store
        m = pool_measurements([Measurement(samples_ns=[1.0, 2.0, 3.0] * 5, iterations_per_sample=1, overhead_ns=0.0,
                                           overhead_subtracted=False, clock="steady_clock", ticks_per_ns=1.0)] * 2)
        result = BenchmarkResult(lane="l", benchmark="b", kind="python", measurement=m)
        verdict = rule("median < 1s").evaluate(result)
        print(m.stats.n, verdict.status, perfbench.__version__ != "")
    """)
    completed = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, cwd=tmp_path)
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.split() == ["30", "pass", "True"]
