"""pyperf's JSON (``-o FILE``, ``--append FILE``, ``pyperf dump``): format version "1.0",
plain or gzip-compressed (``FILE.json.gz``; reading.py unpacks it).

A pyperf file holds benchmarks; each holds *runs*, and each run is one worker process:
its ``values`` are the times per iteration it measured (seconds, already divided by
``loops`` x ``inner_loops``), after its ``warmups``. Each run becomes one iteration record
of its own process, its values that process's samples, so perfbench's intervals stand
between processes exactly as for a native run spread over processes (three or more
processes: a Student-t interval over the per-process figures). Warm-up values are not
samples: they are counted (``warmup_samples``) and left out, as pyperf leaves them out of
its own statistics. A calibration run (warm-ups only, no values) measures nothing counted
and is skipped.

Metadata is read as pyperf means it: a run's own, else its benchmark's, else the file's
(pyperf moves a key up when every run shares it). ``mem_max_rss`` becomes each process's
peak RSS. A benchmark whose unit is not ``second`` (``--track-memory``) is no timing; it is
skipped with a note.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any

from perfbench.interchange.document_reading import Malformed, in_ns, iso_time, take
from perfbench.interchange.imported_run import FileSource, ImportedRun, figure, result_from_iterations, run_status
from perfbench.model import BenchmarkResult, IterationRecord, Metric

NAME = "pyperf JSON"
SOURCE = "pyperf"
FORMAT_VERSIONS = ("1.0",)


def is_pyperf(document: Mapping[str, Any]) -> bool:
    return isinstance(document.get("version"), str) and isinstance(document.get("benchmarks"), list) \
        and "machine_info" not in document


def read_pyperf(document: Mapping[str, Any], source: FileSource, lane: str) -> ImportedRun:
    version = document["version"]
    if version not in FORMAT_VERSIONS:
        raise Malformed("version", f"pyperf format version {version!r} is not one this perfbench reads "
                                   f"({', '.join(FORMAT_VERSIONS)}); convert it with a current pyperf "
                                   "(`python -m pyperf convert --stdout FILE`)")
    common = take(document, "metadata", "object", "", {})
    results: list[BenchmarkResult] = []
    notes: list[str] = []
    dates: list[datetime.datetime] = []
    for i, benchmark in enumerate(take(document, "benchmarks", "list", "")):
        where = f"benchmarks[{i}]"
        if not isinstance(benchmark, dict):
            raise Malformed(where, "expected an object")
        metadata = {**common, **take(benchmark, "metadata", "object", where, {})}
        name = take(metadata, "name", "text", f"{where}.metadata")
        unit = take(metadata, "unit", "text", f"{where}.metadata", "second")
        if unit != "second":
            notes.append(f"{name}: skipped, its values are in {unit!r}, not a time (pyperf --track-memory or "
                         "--tracemalloc); perfbench imports timings")
            continue
        results.append(_result(lane, name, benchmark, metadata, where, dates))
    if not results:
        raise Malformed("benchmarks", "no timing benchmark to import" + (f" ({notes[0]})" if notes else ""))
    cpus = common.get("cpu_count")
    python = str(common.get("python_version", "")).split(" ")[0] or None
    environment = {
        "hostname": common.get("hostname"),
        "cpu": {"model": common.get("cpu_model_name"), "logical_cores": cpus if isinstance(cpus, int) else None},
        "os": common.get("platform"),
        "python": {"version": python, "implementation": common.get("python_implementation"),
                   "executable": common.get("python_executable")},
        "imported": source.provenance(NAME, version, SOURCE, {"name": "pyperf", "version": common.get("perf_version"),
                                                              "metadata": dict(common)}),
    }
    names = ", ".join(r.benchmark for r in results)
    return ImportedRun(file=source.path, format=NAME, source=SOURCE,
                       started_at=min(dates).isoformat() if dates else None,
                       finished_at=max(dates).isoformat() if dates else None, status=run_status(results),
                       command=f"{SOURCE}: {common.get('python_executable', 'python')} ({names})",
                       environment=environment, results=tuple(results), notes=tuple(notes))


def _result(lane: str, name: str, benchmark: Mapping[str, Any], metadata: Mapping[str, Any], where: str,
            dates: list[datetime.datetime]) -> BenchmarkResult:
    records: list[IterationRecord] = []
    for j, run in enumerate(take(benchmark, "runs", "list", where)):
        at = f"{where}.runs[{j}]"
        if not isinstance(run, dict):
            raise Malformed(at, "expected an object")
        values = take(run, "values", "numbers", at, [])
        own = take(run, "metadata", "object", at, {})
        meta = {**metadata, **own}
        _remember_date(meta, at, dates)
        if not values:  # a calibration run: warm-ups only
            continue
        loops = take(meta, "loops", "count", f"{at}.metadata") * take(meta, "inner_loops", "count",
                                                                      f"{at}.metadata", 1)
        warmups = take(run, "warmups", "list", at, [])
        process = len(records)
        samples_ns = [in_ns(v, 1e9, f"{at}.values[{k}]") for k, v in enumerate(values)]
        duration = take(meta, "duration", "number", f"{at}.metadata", None)
        rss = take(meta, "mem_max_rss", "count", f"{at}.metadata", None)
        records.append(IterationRecord(
            index=process, warmup=False, process=process,
            wall_ns=duration * 1e9 if duration is not None else sum(samples_ns) * loops,
            measurement=figure(samples_ns, loops, "pyperf", process, warmup_samples=len(warmups)),
            resource_metrics=(Metric("max_rss", float(rss), "bytes"),) if rss else ()))
    if not records:
        raise Malformed(f"{where}.runs", f"{name}: no run with values (only calibration runs)")
    cpus = metadata.get("cpu_count")
    return result_from_iterations(lane, name, "python", records, cpus=cpus if isinstance(cpus, int) else None)


def _remember_date(meta: Mapping[str, Any], where: str, dates: list[datetime.datetime]) -> None:
    """A run's start (pyperf's ``date``, local time) and end (``date`` + ``duration``)."""
    date = meta.get("date")
    if not isinstance(date, str):
        return
    start = datetime.datetime.fromisoformat(iso_time(date, f"{where}.metadata.date"))
    dates.append(start)
    duration = take(meta, "duration", "number", f"{where}.metadata", None)
    if duration is not None:
        dates.append(start + datetime.timedelta(seconds=duration))
