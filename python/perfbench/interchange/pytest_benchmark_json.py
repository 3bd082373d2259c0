"""pytest-benchmark's JSON: ``--benchmark-json FILE``, and the files ``--benchmark-save`` /
``--benchmark-autosave`` keep under ``.benchmarks/``.

pytest-benchmark times each test's function in *rounds*, all in the one pytest process;
``stats.data`` (when present) holds each round's time per iteration, in seconds, over
``stats.iterations`` iterations. With it, each round is one sample of process 0: the
intervals are those of samples from one process (batches of rounds), which say that a rerun
in a new process may differ by more.

``--benchmark-json`` always writes the rounds; a saved file has them only with
``--benchmark-save-data``. Without them the file holds summary statistics alone (mean,
median, stddev, min, max over the rounds): those benchmarks become aggregate-only results
(imported_run.aggregate_only_result), their figures kept as metrics without intervals and
no samples invented, so that no interval or verdict pretends to more than the file holds.
The run's notes say which benchmarks were so.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from perfbench.interchange.document_reading import Malformed, in_ns, iso_time, take
from perfbench.interchange.imported_run import (AGGREGATE_ONLY, FileSource, ImportedRun, aggregate_only_result,
                                                figure, result_from_iterations, run_status)
from perfbench.model import BenchmarkResult, IterationRecord

NAME = "pytest-benchmark JSON"
SOURCE = "pytest-benchmark"

# stats key -> the figure it is, in seconds
_SUMMARY = (("mean", "mean"), ("median", "median"), ("stddev", "stdev"), ("min", "min"), ("max", "max"))


def is_pytest_benchmark(document: Mapping[str, Any]) -> bool:
    return "machine_info" in document and "benchmarks" in document


def read_pytest_benchmark(document: Mapping[str, Any], source: FileSource, lane: str) -> ImportedRun:
    machine = take(document, "machine_info", "object", "")
    commit = take(document, "commit_info", "object", "", {})
    entries = take(document, "benchmarks", "list", "")
    if not entries:
        raise Malformed("benchmarks", "no benchmarks to import")
    cpu = machine.get("cpu") if isinstance(machine.get("cpu"), dict) else {}
    cpus = cpu.get("count") if isinstance(cpu.get("count"), int) else None
    results = tuple(_result(lane, entry, f"benchmarks[{i}]", cpus) for i, entry in enumerate(entries))
    summarised = [r.benchmark for r in results if r.failure is not None and r.failure.kind == AGGREGATE_ONLY]
    notes = (f"{len(summarised)} of {len(results)} benchmark(s) have only summary statistics in the file (saved "
             "without --benchmark-save-data): stored as aggregate-only results, their mean, median, stdev, min and "
             "max as metrics without intervals, no samples",) if summarised else ()
    when = take(document, "datetime", "text", "", None)
    commit_id = commit.get("id")
    environment = {
        "hostname": machine.get("node"),
        "cpu": {"model": cpu.get("brand_raw"), "logical_cores": cpus},
        "kernel": machine.get("release"),
        "os": " ".join(str(machine[k]) for k in ("system", "release") if machine.get(k)) or None,
        "python": {"version": machine.get("python_version"),
                   "implementation": machine.get("python_implementation")},
        # pytest-benchmark writes "unversioned" outside a repository
        "git": {"commit": commit_id, "dirty": commit.get("dirty"), "branch": commit.get("branch")}
        if isinstance(commit_id, str) and commit_id != "unversioned" else None,
        "imported": source.provenance(NAME, document.get("version"), SOURCE,
                                      {"name": "pytest-benchmark", "version": document.get("version"),
                                       "machine_info": dict(machine), "commit_info": dict(commit)}),
    }
    project = commit.get("project")
    return ImportedRun(file=source.path, format=NAME, source=SOURCE,
                       started_at=iso_time(when, "datetime") if when else None, finished_at=None,
                       status=run_status(results), command=f"{SOURCE}: pytest" + (f" ({project})" if project else ""),
                       environment=environment, results=results, notes=notes)


def _result(lane: str, entry: Any, where: str, cpus: int | None) -> BenchmarkResult:
    if not isinstance(entry, dict):
        raise Malformed(where, "expected an object")
    name = take(entry, "fullname", "text", where, None) or take(entry, "name", "text", where)
    params = take(entry, "params", "object", where, {})
    labels = {key: value if isinstance(value, str) else json.dumps(value)
              for key, value in take(entry, "extra_info", "object", where, {}).items()}
    group = take(entry, "group", "text", where, None)
    if group:
        labels["group"] = group
    stats = take(entry, "stats", "object", where)
    rounds = take(stats, "rounds", "count", f"{where}.stats")
    data = take(stats, "data", "numbers", f"{where}.stats", None)
    if data is None:
        return aggregate_only_result(
            lane, name, "python", count=rounds, where="rounds in one process", params=params, labels=labels,
            figures_ns={figure_name: _summary_figure(stats, key, f"{where}.stats") for key, figure_name in _SUMMARY},
            missing="save with --benchmark-save-data (or write --benchmark-json) to keep every round")
    if len(data) != rounds:
        raise Malformed(f"{where}.stats.data", f"expected {rounds} times (stats.rounds), got {len(data)}")
    iterations = take(stats, "iterations", "count", f"{where}.stats", 1)
    options = entry.get("options") if isinstance(entry.get("options"), dict) else {}
    samples_ns = [in_ns(v, 1e9, f"{where}.stats.data[{k}]") for k, v in enumerate(data)]
    record = IterationRecord(index=0, warmup=False, wall_ns=sum(samples_ns) * iterations, process=0,
                             measurement=figure(samples_ns, iterations, str(options.get("timer", "pytest-benchmark")), 0))
    return result_from_iterations(lane, name, "python", [record], params=params, labels=labels, cpus=cpus)


def _summary_figure(stats: Mapping[str, Any], key: str, where: str) -> float:
    value = take(stats, key, "number", where)
    # a spread may be zero; the times themselves may not
    return abs(value) * 1e9 if key == "stddev" else in_ns(value, 1e9, f"{where}.{key}")
