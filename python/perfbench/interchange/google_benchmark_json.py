"""Google Benchmark's JSON (``--benchmark_out=FILE --benchmark_out_format=json``).

The file has a ``context`` (date, host, CPUs, load, library version) and one row per
``benchmarks`` entry. A row of ``run_type`` "iteration" is one repetition: the benchmark ran
``iterations`` times in one go and ``real_time`` is the time per iteration, in
``time_unit``. Here each repetition is one sample (``iterations_per_sample`` = its
iterations), in one iteration record, as a perfbench sampling round is.

All repetitions run in the one process of the benchmark binary, so they are recorded as
process 0: their intervals are those of samples from one process (batches of repetitions,
from 15 repetitions on), which say that a rerun in a new process may differ by more. Google
Benchmark does not vary the process, so the file cannot say more than that.

Rows of ``run_type`` "aggregate" (``_mean``, ``_median``, ``_stddev``, ``_cv``, BigO, RMS)
are skipped: they are summaries of the repetitions that are here, and perfbench computes its
own. They are used for nothing, except for a benchmark the file has no repetitions of
(``--benchmark_report_aggregates_only``): its time aggregates are kept as an aggregate-only
result (imported_run.aggregate_only_result), the only figures there are, without samples. ``cpu_time`` and the user counters of each repetition
(``items_per_second`` as ``items_per_s``, ``bytes_per_second`` as ``bytes_per_s``, any other
as a plain number, since the JSON does not carry a counter's unit) become the workload's
figures, with an interval over the repetitions where there are enough. A row with
``error_occurred`` is an iteration that failed with its ``error_message``; one with a message
but no error, a repetition the benchmark skipped.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from perfbench.interchange.document_reading import Malformed, in_ns, iso_time, take
from perfbench.interchange.imported_run import (FileSource, ImportedRun, aggregate_only_result, figure,
                                                result_from_iterations, run_status)
from perfbench.model import BenchmarkResult, Failure, IterationRecord

NAME = "Google Benchmark JSON"
SOURCE = "google-benchmark"

_TIME_UNITS = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}
# Keys of a row that are not user counters.
_ROW_KEYS = {"name", "family_index", "per_family_instance_index", "run_name", "run_type", "repetitions",
             "repetition_index", "threads", "iterations", "real_time", "cpu_time", "time_unit", "aggregate_name",
             "aggregate_unit", "error_occurred", "error_message", "label", "big_o", "rms", "complexity_n"}
_RATES = {"items_per_second": ("items_per_s", "per_s"), "bytes_per_second": ("bytes_per_s", "bytes_per_s")}


def is_google_benchmark(document: Mapping[str, Any]) -> bool:
    return isinstance(document.get("context"), dict) and "benchmarks" in document


def read_google_benchmark(document: Mapping[str, Any], source: FileSource, lane: str) -> ImportedRun:
    context = take(document, "context", "object", "")
    rows = take(document, "benchmarks", "list", "")
    repetitions: dict[str, list[tuple[int, Mapping[str, Any]]]] = {}  # run name -> its rows, in run order
    aggregates: dict[str, dict[str, tuple[int, Mapping[str, Any]]]] = {}  # run name -> aggregate name -> row
    for i, row in enumerate(rows):
        where = f"benchmarks[{i}]"
        if not isinstance(row, dict):
            raise Malformed(where, "expected an object")
        name = take(row, "run_name", "text", where, None) or take(row, "name", "text", where)
        if take(row, "run_type", "text", where, "iteration") == "aggregate":
            aggregates.setdefault(name, {})[take(row, "aggregate_name", "text", where)] = (i, row)
        else:
            repetitions.setdefault(name, []).append((i, row))
    if not repetitions and not aggregates:
        raise Malformed("benchmarks", "no benchmark rows to import")
    cpus = take(context, "num_cpus", "count", "context", None)
    results = tuple(_result(lane, name, repetitions[name], cpus) if name in repetitions
                    else _aggregate_only(lane, name, aggregates[name]) for name in {**repetitions, **aggregates})
    date = take(context, "date", "text", "context", None)
    executable = take(context, "executable", "text", "context", "the benchmark binary")
    load = context.get("load_avg")
    environment = {
        "hostname": context.get("host_name"),
        "cpu": {"logical_cores": cpus, "frequency_mhz": context.get("mhz_per_cpu"),
                "scaling": context.get("cpu_scaling_enabled")},
        "load_average": load if isinstance(load, list) and load else None,
        "imported": source.provenance(NAME, context.get("json_schema_version"), SOURCE,
                                      {"name": "Google Benchmark", "version": context.get("library_version"),
                                       "context": dict(context)}),
    }
    return ImportedRun(file=source.path, format=NAME, source=SOURCE,
                       started_at=iso_time(date, "context.date") if date else None, finished_at=None,
                       status=run_status(results), command=f"{SOURCE}: {executable}",
                       environment=environment, results=results)


def _result(lane: str, name: str, rows: list[tuple[int, Mapping[str, Any]]], cpus: int | None) -> BenchmarkResult:
    records = []
    threads = 1
    for index, (i, row) in enumerate(rows):  # in the order they ran (random interleaving included)
        where = f"benchmarks[{i}]"
        threads = take(row, "threads", "count", where, 1)
        if take(row, "error_occurred", "flag", where, False) or "error_message" in row:
            # error_occurred false with a message: skipped by the benchmark (SkipWithMessage)
            kind = "exception" if row.get("error_occurred") else "skipped"
            message = take(row, "error_message", "text", where, "error_occurred")
            records.append(IterationRecord(index=index, warmup=False, wall_ns=None, process=0,
                                           failure=Failure(kind, f"Google Benchmark: {message}")))
            continue
        scale = _time_scale(row, where)
        iterations = take(row, "iterations", "count", where)
        real = in_ns(take(row, "real_time", "number", where), scale, f"{where}.real_time")
        records.append(IterationRecord(index=index, warmup=False, wall_ns=real * iterations, process=0,
                                       measurement=figure([real], iterations, "google-benchmark", 0,
                                                          _figures(row, where, scale))))
    label = rows[-1][1].get("label")
    return result_from_iterations(lane, name, "workload", records, cpus=cpus,
                                  params={"threads": threads} if threads != 1 else {},
                                  labels={"label": label} if isinstance(label, str) else {})


def _aggregate_only(lane: str, name: str, rows: Mapping[str, tuple[int, Mapping[str, Any]]]) -> BenchmarkResult:
    """A benchmark the file has only aggregates of (``--benchmark_report_aggregates_only``)."""
    figures: dict[str, float | None] = {}
    count = 0
    for aggregate, (i, row) in rows.items():
        where = f"benchmarks[{i}]"
        if aggregate in ("mean", "median", "stddev", "min", "max") and row.get("aggregate_unit", "time") == "time":
            value, scale = take(row, "real_time", "number", where), _time_scale(row, where)
            # a spread may be zero; the times themselves may not
            figures["stdev" if aggregate == "stddev" else aggregate] = (
                abs(value) * scale if aggregate == "stddev" else in_ns(value, scale, f"{where}.real_time"))
            count = take(row, "repetitions", "count", where, count)
    if not figures:
        raise Malformed(f"benchmarks[{next(iter(rows.values()))[0]}]",
                        f"{name}: neither repetitions nor a time aggregate (mean, median, ...) to import")
    return aggregate_only_result(lane, name, "workload", figures_ns=figures, count=count,
                                 where="repetitions in one process",
                                 missing="run without --benchmark_report_aggregates_only to keep each repetition")


def _time_scale(row: Mapping[str, Any], where: str) -> float:
    unit = take(row, "time_unit", "text", where, "ns")
    if unit not in _TIME_UNITS:
        raise Malformed(f"{where}.time_unit", f"expected one of {', '.join(_TIME_UNITS)}, got {unit!r}")
    return _TIME_UNITS[unit]


def _figures(row: Mapping[str, Any], where: str, scale: float) -> list[dict[str, Any]]:
    """A repetition's CPU time and counters, as the figures a workload reports."""
    found = []
    if "cpu_time" in row:
        found.append({"name": "cpu_time", "value": take(row, "cpu_time", "number", where) * scale, "unit": "ns"})
    for key in sorted(set(row) - _ROW_KEYS):
        name, unit = _RATES.get(key, (key, "count"))
        found.append({"name": name, "value": take(row, key, "number", where), "unit": unit})
    return found
