"""Two stored runs compared: what ``compare`` and ``run --baseline`` both do, and what
``perfbench.compare`` gives from Python.

* ``resolve_reference``: a baseline name, a run id or ``latest`` to a stored run, with a
  description of what it resolved to (a bad reference is a ``ComparisonError``, one line);
* ``regression_settings``: each benchmark's threshold and severity, from a ``--threshold``
  (which wins), the project's definitions (decorator, ``[[benchmark]]``), else the config's
  lane or global setting;
* ``compare_runs``: both runs' results from the store, each benchmark's history on the
  current run's host as the variation between runs, and ``analysis.comparison.compare_results``;
  runs from different hosts are refused unless allowed.

No printing here: the CLI renders a ``RunComparison`` (cli/comparison_table.py).
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from perfbench.analysis.comparison import DEFAULT_SEVERITY, FAMILY_ERROR, ChangeVerdict, Comparison, compare_results
from perfbench.analysis.run_identity import RunIdentity, run_identity
from perfbench.config import Config
from perfbench.definition.suite import BenchmarkDefinition
from perfbench.errors import ComparisonError
from perfbench.model import BenchmarkResult
from perfbench.store import ResultStore, StoredRun, open_store

if TYPE_CHECKING:
    import pandas as pd

LATEST = "latest"


@dataclasses.dataclass(frozen=True, slots=True)
class ResolvedRun:
    """A stored run and how it was asked for."""

    run: StoredRun
    reference: str  # as given: "main", "12", "latest", or "" for the default
    how: str  # what the reference resolved by: "baseline 'main'", "latest", "the run before run 15", ...

    @property
    def identity(self) -> RunIdentity:
        """Commit, branch, dirty flag and host: the run's metadata, else derived from its environment."""
        return run_identity(self.run)

    @property
    def host_id(self) -> str | None:
        return self.identity.host_id

    @property
    def description(self) -> str:
        """e.g. ``baseline 'main' = run 12 (2026-11-30T10:02:11, commit 1a2b3c4, host 5d6e7f)``."""
        identity = self.identity
        details = [self.run.started_at]
        if identity.commit:
            details.append(f"commit {identity.commit[:10]}{' (dirty)' if identity.dirty else ''}")
        if identity.host_id:
            details.append(f"host {identity.host_id}")
        named = f"run {self.run.id}"
        return f"{named if self.how == named else f'{self.how} = {named}'} ({', '.join(details)})"

    def to_dict(self) -> dict[str, Any]:
        identity = self.identity
        return {"run_id": self.run.id, "reference": self.reference, "resolved_by": self.how,
                "started_at": self.run.started_at, "status": self.run.status, "git_commit": identity.commit,
                "git_branch": identity.branch, "git_dirty": identity.dirty, "host_id": identity.host_id}


def _known(store: ResultStore) -> str:
    runs = [r.id for r in store.runs()]
    shown = ", ".join(map(str, runs[-10:])) if runs else "none"
    names = [b.name for b in store.baselines()]
    return (f"runs {shown} (or '{LATEST}'); baselines "
            f"{', '.join(repr(n) for n in names) if names else 'none (save one with run --save-baseline NAME)'}")


def resolve_reference(store: ResultStore, reference: str | int | None, *, before: StoredRun | None = None,
                      role: str = "reference") -> ResolvedRun:
    """A run id (digits), ``latest``, or a baseline's name, to the stored run it names.
    ``reference=None`` means the default: the run before ``before`` if given, else the latest.
    ``role`` names the reference in messages (``BASE``, ``--baseline``)."""
    if reference is None:
        if before is None:
            return resolve_reference(store, LATEST, role=role)
        earlier = [r for r in store.runs() if r.id < before.id]
        if not earlier:
            raise ComparisonError(f"{role}: {store.location} holds no run before run {before.id} to compare it "
                                  "with; name one (a run id or a baseline)")
        return ResolvedRun(earlier[-1], "", f"the run before run {before.id}")
    text = str(reference).strip()
    if text == LATEST:
        latest = store.latest_run_id()
        if latest is None:
            raise ComparisonError(f"{role}: {store.location} holds no runs yet; run `python -m perfbench run` first")
        found = store.run(latest)
        assert found is not None
        return ResolvedRun(found, text, LATEST)
    if text.isdigit():
        found = store.run(int(text))
        if found is None:
            raise ComparisonError(f"{role}: no run {text} in {store.location}; it holds {_known(store)}")
        return ResolvedRun(found, text, f"run {text}")
    baseline = store.baseline(text)
    if baseline is None:
        raise ComparisonError(f"{role}: {text!r} is neither a baseline nor a run id in {store.location}; it holds "
                              f"{_known(store)}")
    found = store.run(baseline.run_id)
    if found is None:  # the store never deletes a run a baseline points at; a damaged store might
        raise ComparisonError(f"{role}: baseline {text!r} points at run {baseline.run_id}, which {store.location} "
                              "no longer holds; save the baseline again")
    return ResolvedRun(found, text, f"baseline {text!r}")


@dataclasses.dataclass(frozen=True, slots=True)
class RegressionSettings:
    """Each benchmark's threshold (None: the comparison's default, max(5 %, MDE)) and the
    severity of a slower verdict, by ``lane/benchmark`` key: ``everywhere`` (``--threshold``)
    wins; then ``thresholds`` / ``severities`` (from the project's definitions: decorator,
    ``[[benchmark]]``, lane, global); then, for a benchmark they do not hold (a built-in one,
    or one no longer defined), its lane's in ``config``."""

    thresholds: Mapping[str, float | None] = dataclasses.field(default_factory=dict)
    severities: Mapping[str, str] = dataclasses.field(default_factory=dict)
    everywhere: float | None = None
    config: Config | None = None

    def threshold(self, lane: str, benchmark: str) -> float | None:
        key = f"{lane}/{benchmark}"
        if self.everywhere is not None:
            return self.everywhere
        if key in self.thresholds:
            return self.thresholds[key]
        return self.config.lane(lane).regression_threshold if self.config is not None else None

    def severity(self, lane: str, benchmark: str) -> str:
        key = f"{lane}/{benchmark}"
        if key in self.severities:
            return self.severities[key]
        return self.config.lane(lane).regression_severity if self.config is not None else DEFAULT_SEVERITY


def regression_settings(definitions: Sequence[BenchmarkDefinition], config: Config | None, *,
                        threshold: float | None = None) -> RegressionSettings:
    """The settings of the project's own ``definitions`` (built-in ones carry none: their
    lanes' come from the config), under ``threshold`` (``--threshold``) if given."""
    return RegressionSettings(thresholds={d.key: d.regression_threshold for d in definitions},
                              severities={d.key: d.regression_severity for d in definitions},
                              everywhere=threshold, config=config)


@dataclasses.dataclass(frozen=True, slots=True)
class RunComparison:
    """Two stored runs compared benchmark by benchmark (``comparison``), and which runs."""

    base: ResolvedRun
    current: ResolvedRun
    comparison: Comparison
    mixed_hosts: bool  # the runs come from different hosts, compared as asked (allow_mixed_hosts)

    @property
    def verdicts(self) -> tuple[ChangeVerdict, ...]:
        return self.comparison.verdicts

    @property
    def check_failed(self) -> bool:
        """A benchmark slower beyond its threshold at error severity or worse."""
        return self.comparison.check_failed

    def to_dict(self) -> dict[str, Any]:
        return {"base": self.base.to_dict(), "current": self.current.to_dict(), "mixed_hosts": self.mixed_hosts,
                "counts": self.comparison.counts(), "check_failed": self.check_failed, **self.comparison.to_dict()}

    def to_dataframe(self) -> pd.DataFrame:
        """One row per benchmark: ``key`` and every ``ChangeVerdict`` field (``status``,
        ``change``, ``low``, ``high``, ``threshold``, ``base_median``, ``current_median``, ...)."""
        return self.comparison.to_dataframe()

    def _repr_html_(self) -> str:
        from perfbench.frames.html_views import comparison_html

        hosts = " (measured on different hosts)" if self.mixed_hosts else ""
        return comparison_html(self.comparison, f"{self.base.description} → {self.current.description}{hosts}")


def mixed_hosts(base: ResolvedRun, current_host: str | None) -> bool:
    """Whether the base was measured on another host than ``current_host``. A run stored
    without a host (an import that had none) is not known to differ."""
    return base.host_id is not None and current_host is not None and base.host_id != current_host


def refuse_mixed_hosts(base: ResolvedRun, current: str, current_host: str | None) -> None:
    """ComparisonError when ``base`` and ``current`` (e.g. "run 15 (latest)", "this host")
    were measured on different hosts."""
    if mixed_hosts(base, current_host):
        raise ComparisonError(
            f"run {base.run.id} ({base.how}) was measured on host {base.host_id} and {current} on host "
            f"{current_host}: timings from different machines differ by more than any change worth finding; "
            "compare runs of one host, or pass --allow-mixed-hosts")


def past_medians(store: ResultStore, keys: Iterable[str], host_id: str | None, hosts: Mapping[int, str | None],
                 leave_out: Iterable[int]) -> dict[str, list[float]]:
    """Each benchmark's (``keys``: lane/name) median in every other run on ``host_id``
    (``hosts``: each run's host, from ``analysis.run_identity``, so that a run stored without
    metadata still counts as its host's), in run order, without the runs in ``leave_out``
    (the two compared). One read of the stored statistics: no sample is decoded."""
    left_out = set(leave_out)
    medians: dict[str, list[float]] = {key: [] for key in keys}
    for summary in store.result_summaries():
        if (summary.key in medians and summary.run_id not in left_out and hosts.get(summary.run_id) == host_id
                and summary.ok and summary.median is not None):
            medians[summary.key].append(summary.median)
    return medians


def compare_runs(store: ResultStore, base: ResolvedRun, current: ResolvedRun, *,
                 settings: RegressionSettings | None = None, allow_mixed_hosts: bool = False,
                 family_error: float = FAMILY_ERROR,
                 current_results: Sequence[BenchmarkResult] | None = None) -> RunComparison:
    """``current`` against ``base``, both read from ``store`` (``current_results``: the
    current run's results when the caller holds them already, e.g. pooled with more
    processes by ``execution.settle``). The variation between runs comes from each
    benchmark's history on the current run's host."""
    if base.run.id == current.run.id:
        raise ComparisonError(f"both sides are run {base.run.id} ({base.how}, {current.how}); name two runs")
    mixed = mixed_hosts(base, current.host_id)
    if not allow_mixed_hosts:
        refuse_mixed_hosts(base, f"run {current.run.id} ({current.how})", current.host_id)
    settings = settings or RegressionSettings()
    base_results = [stored.result for stored in store.results(base.run.id)]
    if current_results is None:
        current_results = [stored.result for stored in store.results(current.run.id)]
    base_keys = {r.key for r in base_results}
    hosts = {run.id: run_identity(run).host_id for run in store.runs()}
    history = past_medians(store, [r.key for r in current_results if r.key in base_keys], current.host_id, hosts,
                           (base.run.id, current.run.id))
    both = {r.key: r for r in [*base_results, *current_results]}
    thresholds = {key: settings.threshold(r.lane, r.benchmark) for key, r in both.items()}
    comparison = compare_results(base_results, current_results,
                                 thresholds={key: value for key, value in thresholds.items() if value is not None},
                                 severities={key: settings.severity(r.lane, r.benchmark) for key, r in both.items()},
                                 run_history=history, family_error=family_error)
    return RunComparison(base, current, comparison, mixed)


def compare(base: str | int | None = None, current: str | int | None = None, *,
            store: str | os.PathLike[str] | None = None, threshold: float | None = None,
            thresholds: Mapping[str, float] | None = None, severities: Mapping[str, str] | None = None,
            allow_mixed_hosts: bool = False, family_error: float = FAMILY_ERROR) -> RunComparison:
    """Compare two stored runs, as ``python -m perfbench compare BASE CURRENT`` does.

    ``base`` and ``current`` are each a baseline's name, a run id or ``"latest"``
    (defaults: ``current`` the latest run, ``base`` the run before it). ``store``: a path or
    URL (default ``.perfbench/results.db``). ``threshold``: the relative change that counts
    for every benchmark (0.05 for 5 %), over ``thresholds`` per ``"lane/benchmark"``; a
    benchmark with neither gets the larger of 5 % and its minimum detectable effect (the
    CLI also reads the project's config; this function reads only what it is given).
    ``severities``: per key, ``"warning"`` for a slowdown that should not fail the check.

    Returns a ``RunComparison``: ``.comparison.verdicts`` (one ``ChangeVerdict`` per
    benchmark: status slower / faster / same / unsure / only-in-base / only-in-current /
    not-compared, the change with its 95 % interval, threshold, MDE, what would settle an
    unsure one), ``.check_failed``, ``.to_dict()``. Raises ``ComparisonError`` for a bad
    reference or runs from different hosts (unless ``allow_mixed_hosts``).

        >>> import perfbench
        >>> result = perfbench.compare("main", "latest", threshold=0.05)
        >>> [(v.key, v.status, v.change) for v in result.comparison.slower]
    """
    from perfbench.store import DEFAULT_STORE_PATH

    with open_store(store if store is not None else DEFAULT_STORE_PATH, create=False) as opened:
        return compare_in(opened, base, current, threshold=threshold, thresholds=thresholds, severities=severities,
                          allow_mixed_hosts=allow_mixed_hosts, family_error=family_error)


def compare_in(store: ResultStore, base: str | int | None = None, current: str | int | None = None, *,
               threshold: float | None = None, thresholds: Mapping[str, float] | None = None,
               severities: Mapping[str, str] | None = None, allow_mixed_hosts: bool = False,
               family_error: float = FAMILY_ERROR) -> RunComparison:
    """``compare`` on a store already open (``perfbench.open_store(...).compare``)."""
    current_run = resolve_reference(store, current if current is not None else LATEST, role="current")
    base_run = resolve_reference(store, base, before=current_run.run, role="base")
    settings = RegressionSettings(thresholds=dict(thresholds or {}), severities=dict(severities or {}),
                                  everywhere=threshold)
    return compare_runs(store, base_run, current_run, settings=settings, allow_mixed_hosts=allow_mixed_hosts,
                        family_error=family_error)
