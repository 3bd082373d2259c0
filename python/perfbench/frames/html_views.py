"""What a measurement, a comparison and a stored run show in a Jupyter cell (their
``_repr_html_``): one summary line and one small table, in the units a reader scans (µs, %),
built on html_table (which escapes every text)."""

from __future__ import annotations

from collections.abc import Sequence

from perfbench.analysis.comparison import ChangeVerdict, Comparison
from perfbench.frames.html_table import html_table
from perfbench.model import BenchmarkResult, Measurement
from perfbench.units import format_duration_ns

_STATISTICS = ("median", "mean", "stdev", "min", "p90", "p99", "p99.9", "max")


def _interval(low: float | None, high: float | None) -> str:
    return f"[{format_duration_ns(low)}, {format_duration_ns(high)}]" if low is not None else "none"


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:+.1f} %"


def measurement_html(m: Measurement, lead: str = "Measurement") -> str:
    s = m.stats
    processes = len({process for process, _ in m.segments})
    summary = (f"{lead}: median {format_duration_ns(s.median)} per call, 95 % interval "
               f"{_interval(s.ci_low, s.ci_high)} ({s.noise or 'no interval'}); {s.n} samples of "
               f"{m.iterations_per_sample} iterations from {processes} process{'es' if processes != 1 else ''}, "
               f"clock {m.clock}")
    rows = []
    for name in _STATISTICS:
        value = getattr(s, name.replace(".", ""))
        bounds = s.interval(name)
        rows.append((name, format_duration_ns(value), _interval(*bounds) if bounds else "-"))
    return html_table(summary, ("statistic", "per call", "95 % interval"), rows)


def result_html(result: BenchmarkResult) -> str:
    """The measurement's view headed by the benchmark, and why it failed if it did (a failed
    benchmark may still carry what its finished iterations measured)."""
    failed = f"{result.failure.kind}: {result.failure.message}" if result.failure else ""
    if result.measurement is None:
        return html_table(f"{result.key}: {failed}", (), ())
    return measurement_html(result.measurement, f"{result.key} ({failed})" if failed else result.key)


def change_rows(verdicts: Sequence[ChangeVerdict]) -> list[tuple[object, ...]]:
    return [(v.key, v.status, _percent(v.change),
             f"[{_percent(v.low)}, {_percent(v.high)}]" if v.low is not None else "-",
             f"±{100 * v.threshold:.1f} %", format_duration_ns(v.base_median), format_duration_ns(v.current_median),
             f"{v.base_processes} / {v.current_processes}", v.settle or v.reason or v.note) for v in verdicts]


CHANGE_HEADER = ("benchmark", "verdict", "change", "95 % interval", "threshold", "base median", "current median",
                 "processes (base / current)", "note")


def counts_line(comparison: Comparison) -> str:
    counts = ", ".join(f"{count} {status}" for status, count in comparison.counts().items() if count)
    return (f"{counts or 'nothing compared'} (at most {100 * comparison.family_error:g} % chance of any false "
            f"slower/faster call over {comparison.compared} compared)")


def comparison_html(comparison: Comparison, lead: str = "Comparison") -> str:
    return html_table(f"{lead}: {counts_line(comparison)}", CHANGE_HEADER, change_rows(comparison.verdicts))
