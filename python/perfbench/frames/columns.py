"""How stored objects become DataFrame rows: each frame's columns, in order, and the one
function that fills them. What each column means is documented where users read it, on the
methods of ``StoreFrames`` (store_frames.py) and in the README ("From Python and notebooks").

Times are in ns per iteration (the unit every stored statistic has), dates are parsed to
UTC timestamps, and a figure that was not measured is missing (NaN / None), never 0.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from perfbench.analysis.comparison import ChangeVerdict
from perfbench.analysis.run_identity import run_identity
from perfbench.model import Measurement
from perfbench.resources.resource_sampler import ResourceSample
from perfbench.sla import Verdict
from perfbench.store import ResultSummary, StoredResult, StoredRun
from perfbench.store.interface import Baseline

RUN_COLUMNS = (
    "run_id", "started_at", "finished_at", "status", "command", "commit", "branch", "dirty", "host_id", "source",
    "perfbench_version", "config_hash", "benchmarks", "failed", "load_start", "load_end", "steal_mean",
    "steal_max", "interference_share", "noise_warnings",
)
RESULT_COLUMNS = (
    "run_id", "lane", "benchmark", "kind", "status", "unit", "n", "median", "ci_low", "ci_high", "mean", "stdev",
    "min", "max", "p90", "p95", "p99", "p99.9", "mad", "cv", "interval_from", "noise_kind", "noise_units",
    "processes", "interference", "recorded_at",
)
MEASUREMENT_COLUMNS = ("sample", "process", "ns")
SAMPLE_COLUMNS = ("run_id", "lane", "benchmark", *MEASUREMENT_COLUMNS)
RESOURCE_COLUMNS = ("run_id", "lane", "benchmark", "iteration", "warmup", "process",
                    *(f.name for f in dataclasses.fields(ResourceSample)))
BASELINE_COLUMNS = ("name", "run_id", "created_at", "created_by", "reason", "acceptances", "moved_at",
                    "moved_by", "moved_from_run_id", "moved_reason")
SLA_COLUMNS = ("run_id", "lane", "benchmark", "rule", "metric", "expression", "status", "label", "severity",
               "measured", "low", "high", "limit", "unit", "noise", "message")
CHANGE_COLUMNS = ("key", *(f.name for f in dataclasses.fields(ChangeVerdict)))


def _dates(frame: pd.DataFrame, *columns: str) -> pd.DataFrame:
    for column in columns:
        frame[column] = pd.to_datetime(frame[column], utc=True, format="ISO8601")
    return frame


def _load_1m(noise: Mapping[str, Any], when: str) -> float | None:
    loads = (noise.get("load_average") or {}).get(when)
    return float(loads[0]) if loads else None


def runs_frame(runs: Sequence[StoredRun], summaries: Iterable[ResultSummary]) -> pd.DataFrame:
    """One row per run (oldest first); ``summaries``: every stored result's, for the counts."""
    counted: dict[int, list[int]] = {}
    for summary in summaries:
        counts = counted.setdefault(summary.run_id, [0, 0])
        counts[0] += 1
        counts[1] += not summary.ok
    rows = []
    for run in runs:
        identity = run_identity(run)  # older runs carry git and host in their environment only
        noise = run.noise
        steal = noise.get("steal") or {}
        benchmarks, failed = counted.get(run.id, (0, 0))
        rows.append({
            "run_id": run.id, "started_at": run.started_at, "finished_at": run.finished_at, "status": run.status,
            "command": run.command, "commit": identity.commit, "branch": identity.branch, "dirty": identity.dirty,
            "host_id": identity.host_id, "source": run.source, "perfbench_version": run.perfbench_version,
            "config_hash": run.config_hash, "benchmarks": benchmarks, "failed": failed,
            "load_start": _load_1m(noise, "start"), "load_end": _load_1m(noise, "end"),
            "steal_mean": steal.get("mean"), "steal_max": steal.get("max"),
            "interference_share": noise.get("interference_share"), "noise_warnings": list(noise.get("warnings") or ()),
        })
    return _dates(pd.DataFrame(rows, columns=RUN_COLUMNS), "started_at", "finished_at")


def summary_of(stored: StoredResult) -> ResultSummary:
    """A stored result's statistics as ``ResultStore.result_summaries`` gives them, for a result
    already read whole (a run's object holds its results with their samples)."""
    result = stored.result
    m = result.measurement
    return ResultSummary(run_id=stored.run_id, lane=result.lane, benchmark=result.benchmark, kind=result.kind,
                         status=result.failure.kind if result.failure else "ok", stats=m.stats if m else None,
                         processes=len({process for process, _ in m.segments}) if m else 0,
                         recorded_at=stored.recorded_at)


def results_frame(summaries: Iterable[ResultSummary]) -> pd.DataFrame:
    """One row per run x benchmark, in run order."""
    rows = []
    for summary in summaries:
        row: dict[str, Any] = {"run_id": summary.run_id, "lane": summary.lane, "benchmark": summary.benchmark,
                               "kind": summary.kind, "status": summary.status, "unit": "ns",
                               "processes": summary.processes, "recorded_at": summary.recorded_at or None}
        s = summary.stats
        if s is not None:
            row.update(n=s.n, median=s.median, ci_low=s.ci_low, ci_high=s.ci_high, mean=s.mean, stdev=s.stdev,
                       min=s.min, max=s.max, p90=s.p90, p95=s.p95, p99=s.p99, mad=s.mad, cv=s.cv,
                       interval_from=s.noise, noise_kind=s.noise_kind, noise_units=s.noise_units,
                       interference=s.interference, **{"p99.9": s.p999})
        rows.append(row)
    return _dates(pd.DataFrame(rows, columns=RESULT_COLUMNS), "recorded_at")


def measurement_frame(measurement: Measurement) -> pd.DataFrame:
    """One row per sample in the order taken: its index, the process that took it (from the
    measurement's segments) and its ns per iteration."""
    samples = measurement.samples_ns
    processes = np.repeat([p for p, _ in measurement.segments], [count for _, count in measurement.segments])
    return pd.DataFrame({"sample": np.arange(samples.size), "process": processes, "ns": samples},
                        columns=MEASUREMENT_COLUMNS)


def samples_frame(results: Iterable[StoredResult]) -> pd.DataFrame:
    """Every sample of each result's measurement (warm-ups are not in it), long form."""
    parts = []
    for stored in results:
        m = stored.result.measurement
        if m is None:
            continue
        part = measurement_frame(m)
        part.insert(0, "benchmark", stored.result.benchmark)
        part.insert(0, "lane", stored.result.lane)
        part.insert(0, "run_id", stored.run_id)
        parts.append(part)
    if not parts:
        return pd.DataFrame(columns=SAMPLE_COLUMNS)
    return pd.concat(parts, ignore_index=True)


def resources_frame(results: Iterable[StoredResult]) -> pd.DataFrame:
    """The resource time series of every iteration that sampled one, long form."""
    rows = []
    for stored in results:
        result = stored.result
        for record in result.iterations:
            for tick in (record.resources or {}).get("timeseries", ()):
                sample = ResourceSample.from_dict(tick)  # also renames the network counters of older stores
                rows.append({"run_id": stored.run_id, "lane": result.lane, "benchmark": result.benchmark,
                             "iteration": record.index, "warmup": record.warmup, "process": record.process,
                             **sample.to_dict()})
    return pd.DataFrame(rows, columns=RESOURCE_COLUMNS)


def baselines_frame(baselines: Iterable[Baseline]) -> pd.DataFrame:
    """One row per baseline, by name, with its last move (if it was ever moved)."""
    rows = []
    for baseline in baselines:
        last = baseline.acceptances[-1] if baseline.acceptances else None
        rows.append({"name": baseline.name, "run_id": baseline.run_id, "created_at": baseline.created_at,
                     "created_by": baseline.created_by, "reason": baseline.reason,
                     "acceptances": len(baseline.acceptances), "moved_at": last.at if last else None,
                     "moved_by": last.by if last else None, "moved_from_run_id": last.previous_run_id if last else None,
                     "moved_reason": last.reason if last else None})
    return _dates(pd.DataFrame(rows, columns=BASELINE_COLUMNS), "created_at", "moved_at")


def verdicts_frame(run_id: int, verdicts: Iterable[Verdict]) -> pd.DataFrame:
    """One row per SLA rule x benchmark, as judged when the run was made."""
    rows = []
    for v in verdicts:
        lane, _, benchmark = v.benchmark.partition("/")
        rows.append({"run_id": run_id, "lane": lane, "benchmark": benchmark, "rule": v.rule, "metric": v.metric,
                     "expression": v.expression, "status": v.status, "label": v.label, "severity": v.severity,
                     "measured": v.measured, "low": v.low, "high": v.high, "limit": v.limit, "unit": v.unit,
                     "noise": v.noise, "message": v.message})
    return pd.DataFrame(rows, columns=SLA_COLUMNS)


def changes_frame(verdicts: Iterable[ChangeVerdict]) -> pd.DataFrame:
    """One row per benchmark of a comparison: ``ChangeVerdict``'s fields, ``key`` first."""
    return pd.DataFrame([{"key": v.key, **v.to_dict()} for v in verdicts], columns=CHANGE_COLUMNS)
