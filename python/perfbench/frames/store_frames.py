"""``perfbench.open_store(path_or_url)``: a result store's content as pandas DataFrames.

    >>> import perfbench
    >>> with perfbench.open_store(".perfbench/results.db") as store:
    ...     runs = store.runs()                      # one row per run
    ...     latest = store.results("latest")         # one row per benchmark of the latest run
    ...     samples = store.samples("latest", "core/hash_lookup_1k")
    ...     change = store.compare("main", "latest") # a RunComparison; .to_dataframe()

Read through the store interface only (``store/interface.py``), so a PostgreSQL store gives
the same frames. A run is named as ``compare`` names one: its id, ``"latest"``, or a
baseline's name. Times are ns per iteration; dates are UTC timestamps; a figure that was
not measured is missing (NaN / None), never 0.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

import pandas as pd

from perfbench.analysis.change_points import DEFAULT_MAX_P_VALUE, DEFAULT_MIN_SEGMENT
from perfbench.analysis.comparison import FAMILY_ERROR
from perfbench.analysis.history import benchmark_history
from perfbench.analysis.trend import trend as find_trend
from perfbench.frames import columns
from perfbench.frames.html_table import html_table
from perfbench.frames.run_results import RunResults
from perfbench.run_comparison import LATEST, RunComparison, compare_in, resolve_reference
from perfbench.store import DEFAULT_STORE_PATH, ResultStore
from perfbench.store import open_store as open_result_store

RunReference = int | str  # a run id, "latest", or a baseline's name


class StoreFrames:
    """A result store read as DataFrames; a context manager that closes the store.

    ``store``: the underlying ``ResultStore``, for anything the frames do not show."""

    def __init__(self, store: ResultStore) -> None:
        self.store = store

    @property
    def location(self) -> str:
        return self.store.location

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> StoreFrames:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"StoreFrames({self.location!r})"

    # -- runs
    def runs(self) -> pd.DataFrame:
        """One row per run, oldest first. Columns:

        ``run_id``; ``started_at``, ``finished_at`` (UTC timestamps; NaT while running);
        ``status`` (running, complete, failed, interrupted); ``command`` (the command line);
        ``commit``, ``branch``, ``dirty`` (git state; None where unknown); ``host_id`` (the
        machine's short fingerprint: comparisons and histories group by it); ``source``
        ("perfbench" or the tool an imported run came from); ``perfbench_version``;
        ``config_hash``; ``benchmarks``, ``failed`` (results stored, and how many failed);
        ``load_start``, ``load_end`` (1-minute load average when the run started and ended);
        ``steal_mean``, ``steal_max`` (the hypervisor's steal, fraction of the machine);
        ``interference_share`` (share of samples an interrupt or preemption hit);
        ``noise_warnings`` (list of the warnings printed about the machine).
        """
        return columns.runs_frame(self.store.runs(), self.store.result_summaries())

    def run(self, run: RunReference = LATEST) -> RunResults:
        """One run read whole (results with their samples, SLA verdicts): a ``RunResults``,
        which shows as a table in Jupyter and has ``to_dataframe()``, ``samples()``,
        ``resources()``, ``sla()``. ComparisonError for a reference the store does not hold."""
        resolved = resolve_reference(self.store, run, role="run")
        return RunResults(resolved.run, resolved.how, tuple(self.store.results(resolved.run.id)),
                          tuple(self.store.verdicts(resolved.run.id)))

    def _run_id(self, run: RunReference) -> int:
        return resolve_reference(self.store, run, role="run").run.id

    # -- results and what they are made of
    def results(self, run: RunReference | None = None, lane: str | None = None) -> pd.DataFrame:
        """One row per run x benchmark (every run's when ``run`` is None), in run order, read
        without decoding samples. Columns:

        ``run_id``, ``lane``, ``benchmark``, ``kind`` (workload, python, command);
        ``status`` ("ok", or the failure's kind: timeout, crash, exception, ...);
        ``unit`` ("ns": every figure below is ns per iteration); ``n`` (samples);
        ``median``, ``ci_low``, ``ci_high`` (the median and its 95 % interval);
        ``mean``, ``stdev``, ``min``, ``max``, ``p90``, ``p95``, ``p99``, ``p99.9``, ``mad``;
        ``cv`` (stdev / mean); ``interval_from`` (where the interval's noise was measured,
        e.g. "between 3 processes"), ``noise_kind`` (processes, batches, independent,
        single), ``noise_units``; ``processes`` (worker processes that took the samples);
        ``interference`` (samples an interrupt or preemption landed in); ``recorded_at``.
        A benchmark that produced no measurement has its statistics missing.
        """
        summaries = (self.store.result_summaries() if run is None
                     else self.store.result_summaries(run_id=self._run_id(run)))
        return columns.results_frame(s for s in summaries if lane is None or s.lane == lane)

    def samples(self, run: RunReference = LATEST, benchmark: str | None = None) -> pd.DataFrame:
        """Every sample of a run's measurements (one benchmark's with ``benchmark``:
        ``lane/name`` or name), long form, one row per sample, warm-ups left out. Columns:
        ``run_id``, ``lane``, ``benchmark``, ``process`` (which worker process took it,
        numbered from 0 within the benchmark: the unit of noise), ``sample`` (its index in
        the benchmark's pooled samples), ``ns`` (per iteration). A sweep's samples are its
        largest size's."""
        return self.run(run).samples(benchmark)

    def resources(self, run: RunReference = LATEST, benchmark: str | None = None) -> pd.DataFrame:
        """The resource time series sampled while each iteration ran (CPU, memory, disk,
        network of the benchmark's process tree), long form. Columns: ``run_id``, ``lane``,
        ``benchmark``, ``iteration`` (index in run order, warm-ups first), ``warmup``,
        ``process``; then one tick's figures: ``t`` (s since the iteration started),
        ``cpu_core_percent`` (% of one core), ``cpu_total_percent`` (% of the machine),
        ``system_cpu_percent`` (whole system), ``rss_bytes`` (the tree's resident memory),
        ``read_bytes``, ``write_bytes`` (the tree's storage I/O since the start),
        ``machine_net_sent_bytes``, ``machine_net_recv_bytes`` (machine-wide: no counter
        exists per process), ``ctx_switches`` (since the start), ``threads``, ``processes``
        (alive in the tree at ``t``), ``machine_steal_percent``."""
        return self.run(run).resources(benchmark)

    def sla(self, run: RunReference = LATEST) -> pd.DataFrame:
        """The SLA verdicts recorded with a run, one row per rule x benchmark. Columns:
        ``run_id``, ``lane``, ``benchmark``, ``rule``, ``metric``, ``expression`` (what was
        checked), ``status`` (pass, violated, unsure, insufficient, ...), ``label`` (PASS,
        WARNING, ERROR, CRITICAL, UNSURE, ...), ``severity``, ``measured`` with its 95 %
        interval ``low``/``high``, ``limit``, ``unit``, ``noise`` (where the interval came
        from), ``message``."""
        run_id = self._run_id(run)
        return columns.verdicts_frame(run_id, self.store.verdicts(run_id))

    def sla_matrix(self, run: RunReference = LATEST) -> pd.DataFrame:
        """The SLO compliance matrix: one row per ``lane/benchmark``, one column per rule,
        each cell the verdict's label (PASS, WARNING, ERROR, UNSURE, ...), empty where the
        rule does not apply."""
        verdicts = self.sla(run)
        verdicts["key"] = verdicts["lane"] + "/" + verdicts["benchmark"]
        matrix = verdicts.pivot_table(index="key", columns="rule", values="label", aggfunc="first")
        matrix.columns.name = None
        return matrix

    def baselines(self) -> pd.DataFrame:
        """One row per baseline, by name. Columns: ``name``, ``run_id`` (the run it points
        at), ``created_at``, ``created_by``, ``reason``, ``acceptances`` (how often it was
        moved), and its last move: ``moved_at``, ``moved_by``, ``moved_from_run_id``,
        ``moved_reason`` (missing if never moved)."""
        return columns.baselines_frame(self.store.baselines())

    # -- over time
    def history(self, lane: str, benchmark: str, *, host_id: str | None = None,
                last: int | None = None) -> pd.DataFrame:
        """One benchmark's figure in every run (on ``host_id`` only, if given; the last
        ``last`` runs), oldest first. Columns (``analysis.history.RunPoint``): ``run_id``,
        ``date`` (UTC), ``commit``, ``branch``, ``dirty``, ``host_id``, ``status``,
        ``median``, ``ci_low``, ``ci_high`` (ns), ``processes``, ``noise``."""
        return benchmark_history(self.store, lane, benchmark, host_id=host_id, last=last).to_frame()

    def trend(self, lane: str, benchmark: str, *, host_id: str | None = None, last: int | None = None,
              min_segment: int = DEFAULT_MIN_SEGMENT, max_p_value: float = DEFAULT_MAX_P_VALUE) -> pd.DataFrame:
        """The step changes found in ``history(lane, benchmark)`` (as ``python -m perfbench
        trend`` finds them), one row per step. Columns (``analysis.trend.TrendStep``):
        ``run_id`` (the first run at the new level), ``date``, ``commit``, ``dirty``,
        ``previous_run_id``, ``previous_commit`` (the last run before it: the commits between
        the two are where to look), ``index`` (among the measured runs), ``before``,
        ``after`` (the neighbouring segments' medians, ns), ``change`` with ``change_low``,
        ``change_high`` (relative, 95 % interval), ``p_value``, ``runs_before``,
        ``runs_after``. Empty when there is no step, or fewer than ``2 * min_segment``
        measured runs to find one in."""
        history = benchmark_history(self.store, lane, benchmark, host_id=host_id, last=last)
        return find_trend(history, min_segment=min_segment, max_p_value=max_p_value).steps_frame()

    def compare(self, base: RunReference | None = None, current: RunReference | None = None, *,
                threshold: float | None = None, thresholds: Mapping[str, float] | None = None,
                severities: Mapping[str, str] | None = None, allow_mixed_hosts: bool = False,
                family_error: float = FAMILY_ERROR) -> RunComparison:
        """Two runs compared, as ``perfbench.compare`` does (the same arguments; defaults:
        ``current`` the latest run, ``base`` the run before it), on this store. The ``RunComparison`` shows as a table in Jupyter; ``.to_dataframe()`` has one
        row per benchmark with every ``ChangeVerdict`` field (``status``, ``change``, ``low``,
        ``high``, ``threshold``, ``base_median``, ``current_median``, ...)."""
        return compare_in(self.store, base, current, threshold=threshold, thresholds=thresholds,
                          severities=severities, allow_mixed_hosts=allow_mixed_hosts, family_error=family_error)

    def _repr_html_(self) -> str:
        runs = self.store.runs()
        baselines = self.store.baselines()
        summary = (f"{self.location}: {len(runs)} run{'s' if len(runs) != 1 else ''}; baselines "
                   f"{', '.join(f'{b.name} (run {b.run_id})' for b in baselines) or 'none'}")
        return html_table(summary, ("run", "started", "status", "command"),
                          [(r.id, r.started_at, r.status, r.command) for r in reversed(runs)], max_rows=10)


def open_store(path_or_url: str | os.PathLike[str] = DEFAULT_STORE_PATH) -> StoreFrames:
    """The result store at ``path_or_url`` (a SQLite path, or a URL such as
    ``sqlite:///results.db``; default ``.perfbench/results.db``) as DataFrames. Reading only:
    a missing or damaged store is a ``StoreError`` naming it, never an empty new store."""
    return StoreFrames(open_result_store(path_or_url, create=False))

