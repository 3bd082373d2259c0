"""The session's timings as one stored run, saved as a baseline or compared with one.

One run per session (execution/whole_run.py: the run's metadata, git state and host as a
lane's run has them), each timed call as a result of lane ``pytest`` named by its test's node
id (its one iteration, then the result), with the SLA verdicts asserted. The
comparison is the CLI's (run_comparison.compare_runs): the same verdict rule, with this
host's history as the variation between runs. Nothing here prints or exits: the outcome goes
to the summary, and a regression to the session's exit status.
"""

from __future__ import annotations

from collections.abc import Sequence

from perfbench.pytest_plugin.options import PluginSettings
from perfbench.pytest_plugin.records import CallRecord, SessionOutcome


def check_references(settings: PluginSettings) -> str:
    """Before any test runs: the store opens and the baseline to compare with exists
    (a typo found after a ten-minute session costs the session). "" when fine, else one line."""
    if not settings.stores:
        return ""
    from perfbench.errors import ComparisonError, StoreError
    from perfbench.run_comparison import resolve_reference
    from perfbench.store import open_store

    try:
        with open_store(settings.store, create=settings.compare is None) as store:  # type: ignore[arg-type]
            if settings.compare is not None:
                resolve_reference(store, settings.compare, role="--perfbench-compare")
    except (StoreError, ComparisonError) as error:
        return str(error)
    return ""


def store_session(settings: PluginSettings, records: Sequence[CallRecord], command: str,
                  tests_failed: bool) -> SessionOutcome:
    """Stores the timed calls as one run, compares it with ``settings.compare``, then saves
    it as ``settings.save`` (comparing first: saving over the baseline compared with is
    allowed), unless a test failed or the comparison found a regression."""
    timed = [r for r in records if r.result is not None]
    if not timed:
        asked = [flag for flag, value in (("--perfbench-save", settings.save), ("--perfbench-compare",
                                                                              settings.compare)) if value]
        note = f"nothing was timed, so nothing was stored{' (' + ', '.join(asked) + ' skipped)' if asked else ''}"
        return SessionOutcome(notes=(note,))
    from perfbench.cli.baselines import current_user
    from perfbench.errors import ComparisonError, StoreError
    from perfbench.execution.whole_run import store_whole_run
    from perfbench.run_comparison import ResolvedRun, compare_runs, resolve_reference
    from perfbench.store import open_store

    results = [r.result for r in timed]
    try:
        with open_store(settings.store) as store:  # type: ignore[arg-type]
            run_id = store_whole_run(store, results, [v for r in timed for v in r.verdicts],  # type: ignore[arg-type]
                                     command)
            current = store.run(run_id)
            assert current is not None
            comparison, notes, saved = None, [], None
            if settings.compare is not None:
                base = resolve_reference(store, settings.compare, role="--perfbench-compare")
                comparison = compare_runs(store, base, ResolvedRun(current, "", "this session"))
            if settings.save is not None:
                if tests_failed:
                    notes.append(f"baseline {settings.save!r} not saved: a test failed (fix it, then save)")
                elif comparison is not None and comparison.check_failed:
                    # Saving would accept the regression unseen; `baseline accept` does it on purpose.
                    notes.append(f"baseline {settings.save!r} not saved: the comparison found a regression "
                                 f"(to accept it: python -m perfbench baseline accept {settings.save} "
                                 f"--run {run_id} --store {store.location} --reason WHY)")
                else:
                    saved = store.save_baseline(settings.save, run_id, by=current_user()).name
            return SessionOutcome(run_id=run_id, store=store.location, saved=saved, comparison=comparison,
                                  notes=tuple(notes))
    except (StoreError, ComparisonError) as error:
        return SessionOutcome(error=str(error))
