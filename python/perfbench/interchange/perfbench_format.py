"""perfbench's own JSON format for one run: what ``export`` writes and ``import`` reads back.

A run is exported whole: its fields and metadata (environment, git, host), every result
as the store keeps it (statistics with their intervals, metrics, sweep, baseline, labels,
failure, impossible figures) with its iterations, which hold the raw samples once (each
iteration's own, with the process that took them), and the SLA verdicts recorded with it.
Reading pools the iterations' samples again exactly as the store does
(``store/documents.py``), so an exported run imported elsewhere is the same run. The README's
section "JSON export format" documents every field.

Format history (``VERSION``):
  1  the first: ``format``, ``version``, ``exported_at``, ``exported_by``, ``run`` (its fields,
     ``metadata`` and ``environment``), ``results`` (each with its ``iterations``), ``verdicts``.
  2  adds ``comparison`` (optional): what ``report --format json --baseline NAME`` compared the
     run with, as ``compare --json`` prints it. Importing ignores it (a comparison is made
     again from the stored runs); version 1 files read as before.

A reader refuses a version newer than it knows (the file needs a newer perfbench) rather
than guessing at fields it does not understand.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Mapping, Sequence
from typing import Any

from perfbench import __version__
from perfbench.analysis.stats import SampleStats
from perfbench.interchange.document_reading import Malformed, check_fields, iso_time, located, take
from perfbench.interchange.imported_run import SOURCES, FileSource, ImportedRun
from perfbench.model import BenchmarkResult, Failure, IterationRecord, Metric
from perfbench.sla import Verdict
from perfbench.store import StoredRun
from perfbench.store import documents

FORMAT = "perfbench-run"
VERSION = 2
NAME = "perfbench JSON"

RUN_STATUSES = ("running", "complete", "failed", "interrupted")
# run.metadata's fields beside ``source`` (store/interface.py RunMetadata), each of what kind
_METADATA_FIELDS = {"config_hash": "text", "git_commit": "text", "git_branch": "text", "git_dirty": "flag",
                    "host": "object", "host_id": "text"}


def run_document(run: StoredRun, results: Sequence[BenchmarkResult], verdicts: Sequence[Verdict],
                 comparison: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """One stored run as the format's document (plain JSON-able values); ``comparison``: a
    ``RunComparison.to_dict()`` to carry along (version 2)."""
    document = {
        "format": FORMAT, "version": VERSION,
        "exported_at": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "exported_by": f"perfbench {__version__}",
        "run": {"id": run.id, "started_at": run.started_at, "finished_at": run.finished_at, "status": run.status,
                "perfbench_version": run.perfbench_version, "command": run.command,
                "metadata": run_metadata(run), "noise": dict(run.noise), "environment": dict(run.environment)},
        "results": [{**documents.result_document(r), "iterations": [record.to_dict() for record in r.iterations]}
                    for r in results],
        "verdicts": [documents.verdict(v) for v in verdicts],
    }
    if comparison is not None:
        document["comparison"] = dict(comparison)
    return document


def run_metadata(run: StoredRun) -> dict[str, Any]:
    """The run's RunMetadata (store/interface.py), field by field."""
    return {"source": run.source, "config_hash": run.config_hash, "git_commit": run.git_commit,
            "git_branch": run.git_branch, "git_dirty": run.git_dirty, "host": dict(run.host), "host_id": run.host_id}


def serialize(document: Mapping[str, Any]) -> bytes:
    """The document as compact UTF-8 JSON (the samples make it megabytes; indenting would
    double that), keys in the order written. Non-finite figures (a CV of a zero mean) are
    written as JSON's common extension NaN / Infinity, which Python's json module reads back."""
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode() + b"\n"


def is_perfbench(document: Mapping[str, Any]) -> bool:
    return document.get("format") == FORMAT


def read_perfbench(document: Mapping[str, Any], source: FileSource) -> ImportedRun:
    """An exported run, read back. Raises Malformed naming the place that is wrong."""
    version = document.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise Malformed("version", f"expected a whole number >= 1, got {version!r}")
    if version > VERSION:
        raise Malformed("version", f"format version {version} was written by a newer perfbench; this one "
                                   f"({__version__}) reads version {VERSION} and older: upgrade perfbench to import it")
    run = take(document, "run", "object", "")
    status = take(run, "status", "text", "run")
    if status not in RUN_STATUSES:
        raise Malformed("run.status", f"expected one of {', '.join(RUN_STATUSES)}, got {status!r}")
    metadata = take(run, "metadata", "object", "run", {})
    origin = take(metadata, "source", "text", "run.metadata", "perfbench")
    if origin not in SOURCES:
        raise Malformed("run.metadata.source", f"expected one of {', '.join(SOURCES)}, got {origin!r}")
    for key, kind in _METADATA_FIELDS.items():
        take(metadata, key, kind, "run.metadata", None)
    noise = take(run, "noise", "object", "run", {})
    environment = dict(take(run, "environment", "object", "run"))
    provenance = source.provenance(NAME, version, origin, {"exported_by": document.get("exported_by"),
                                                          "exported_at": document.get("exported_at"),
                                                          "run_id": run.get("id")})
    # a run imported before keeps where it came from first: a re-export and re-import adds the hop
    environment["imported"] = {**provenance, "previous": environment.get("imported")}
    results = tuple(_result(entry, f"results[{i}]")
                    for i, entry in enumerate(take(document, "results", "list", "")))
    verdicts = []
    for i, entry in enumerate(take(document, "verdicts", "list", "")):
        with located(f"verdicts[{i}]"):
            verdicts.append(documents.verdict_from(check_fields(Verdict, entry, f"verdicts[{i}]")))
    # the times as written (checked, not rewritten): the run imported is the run exported
    started_at, finished_at = take(run, "started_at", "text", "run"), take(run, "finished_at", "text", "run", None)
    for key, value in (("started_at", started_at), ("finished_at", finished_at)):
        if value is not None:
            iso_time(value, f"run.{key}")
    return ImportedRun(file=source.path, format=NAME, source=origin, started_at=started_at, finished_at=finished_at,
                       status=status, command=take(run, "command", "text", "run"), environment=environment,
                       results=results, verdicts=tuple(verdicts),
                       metadata={key: metadata.get(key) for key in _METADATA_FIELDS}, noise=noise)


def _result(entry: Any, where: str) -> BenchmarkResult:
    if not isinstance(entry, dict):
        raise Malformed(where, "expected an object")
    iterations = []
    for i, record in enumerate(take(entry, "iterations", "list", where)):
        at = f"{where}.iterations[{i}]"
        _check_failure(check_fields(IterationRecord, record, at), at)
        with located(at):
            iterations.append(IterationRecord.from_dict(record))
            iterations[-1].to_dict()  # as the store will write it: a value of the wrong shape shows here
    for key in ("lane", "benchmark", "kind"):
        take(entry, key, "text", where)
    for key in ("params", "labels"):
        take(entry, key, "object", where)
    _check_failure(entry, where)
    for i, metric in enumerate(take(entry, "metrics", "list", where)):
        check_fields(Metric, metric, f"{where}.metrics[{i}]")
    summaries = [(where, entry)] + [(f"{where}.sweep[{i}]", p) for i, p in enumerate(take(entry, "sweep", "list", where))]
    summaries += [(f"{where}.baseline", entry["baseline"])] if entry.get("baseline") is not None else []
    for at, summary in summaries:
        if summary is not entry or summary.get("stats") is not None:
            check_fields(SampleStats, take(summary, "stats", "object", at), f"{at}.stats")
    with located(where):
        result = documents.result_from(entry, iterations)
        documents.check_pooled(result)
        documents.result_document(result)  # as the store will write it
    return result


def _check_failure(document: Mapping[str, Any], where: str) -> None:
    if document.get("failure") is not None:
        check_fields(Failure, document["failure"], f"{where}.failure")
