"""One stored run read whole: its metadata, its results with their samples, and its SLA
verdicts, as ``perfbench.open_store(...).run(...)`` gives it, with the frames and the
Jupyter view of that run."""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Iterator

import pandas as pd

from perfbench.analysis.run_identity import run_identity
from perfbench.frames import columns
from perfbench.frames.html_table import html_table
from perfbench.model import BenchmarkResult
from perfbench.sla import Verdict
from perfbench.store import StoredResult, StoredRun
from perfbench.units import format_duration_ns


@dataclasses.dataclass(frozen=True, slots=True, repr=False)  # the default repr would print every iteration
class RunResults:
    """A stored run (``run``: its metadata), asked for as ``how`` says ("latest", "run 12",
    "baseline 'main'"), with ``results`` in the order they ran and the SLA ``verdicts``
    recorded with it."""

    run: StoredRun
    how: str
    results: tuple[StoredResult, ...]
    verdicts: tuple[Verdict, ...]

    @property
    def id(self) -> int:
        return self.run.id

    def _selected(self, benchmark: str | None) -> Iterator[StoredResult]:
        for stored in self.results:
            if benchmark is None or benchmark in (stored.result.key, stored.result.benchmark):
                yield stored

    def result(self, benchmark: str) -> BenchmarkResult:
        """The result of ``benchmark`` (``lane/name``, or a name only one lane has);
        KeyError naming the run's benchmarks when it has none such."""
        found = [stored.result for stored in self._selected(benchmark)]
        if len(found) != 1:
            why = "names several results, give lane/name" if found else "is not in it"
            raise KeyError(f"{benchmark!r} {why}; run {self.id} holds "
                           f"{', '.join(s.result.key for s in self.results) or 'no results'}")
        return found[0]

    def to_dataframe(self) -> pd.DataFrame:
        """One row per benchmark: the columns of ``StoreFrames.results``."""
        return columns.results_frame(columns.summary_of(stored) for stored in self.results)

    def samples(self, benchmark: str | None = None) -> pd.DataFrame:
        """The samples of every benchmark (or one: ``lane/name`` or name): ``StoreFrames.samples``."""
        return columns.samples_frame(self._selected(benchmark))

    def resources(self, benchmark: str | None = None) -> pd.DataFrame:
        """The resource time series: ``StoreFrames.resources``."""
        return columns.resources_frame(self._selected(benchmark))

    def sla(self) -> pd.DataFrame:
        """The SLA verdicts: ``StoreFrames.sla``."""
        return columns.verdicts_frame(self.id, self.verdicts)

    def summary(self) -> str:
        """One line: which run, when, which commit and host, what it holds."""
        run, identity = self.run, run_identity(self.run)
        named = f"run {run.id}" if self.how == f"run {run.id}" else f"{self.how} = run {run.id}"
        where = [f"started {run.started_at}"]
        if identity.commit:
            where.append(f"commit {identity.commit[:10]}{' (dirty)' if identity.dirty else ''}"
                         + (f" on {identity.branch}" if identity.branch else ""))
        if identity.host_id:
            where.append(f"host {identity.host_id}")
        failed = sum(not stored.result.ok for stored in self.results)
        labels = Counter(v.label for v in self.verdicts)
        sla = f"; SLA {', '.join(f'{n} {label}' for label, n in labels.most_common())}" if labels else ""
        warnings = len(run.noise.get("warnings") or ())
        noise = f"; {warnings} noise warning{'s' if warnings != 1 else ''}" if warnings else ""
        return (f"{named}: {run.status}, {', '.join(where)}; {len(self.results)} benchmarks"
                f"{f', {failed} failed' if failed else ''}{sla}{noise}")

    def __repr__(self) -> str:
        return f"<RunResults {self.summary()}>"

    def _repr_html_(self) -> str:
        rows = []
        for stored in self.results:
            result, m = stored.result, stored.result.measurement
            s = m.stats if m else None
            rows.append((result.lane, result.benchmark, "ok" if result.ok else result.failure.kind,  # type: ignore[union-attr]
                         format_duration_ns(s.median) if s else None,
                         f"[{format_duration_ns(s.ci_low)}, {format_duration_ns(s.ci_high)}]"
                         if s and s.ci_low is not None else None,
                         s.n if s else None, result.failure.message if result.failure else (s.noise if s else None)))
        return html_table(self.summary(), ("lane", "benchmark", "status", "median", "95 % interval", "samples",
                                           "interval from / failure"), rows)
