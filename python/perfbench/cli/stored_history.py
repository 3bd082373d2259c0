"""What `history` and `trend` look at: the host whose runs count, and the benchmarks asked for.

``--host``: a host id (or a unique prefix of one), ``current`` (this machine), or ``all``.
By default this machine where the store has runs from it, otherwise every host, and the
description says which, so a reader never mistakes a mixed-host series for one machine's.

BENCHMARK: ``lane/name`` or ``name`` exactly, or a glob on either (as `run --benchmark`).
"""

from __future__ import annotations

import argparse
import dataclasses
import difflib
import fnmatch
from collections import Counter
from collections.abc import Sequence

from perfbench.analysis.history import BenchmarkHistory, all_histories, benchmark_history
from perfbench.analysis.run_identity import current_host_id, run_identity
from perfbench.cli.project_config import config_from, store_path
from perfbench.cli.stored_run import open_existing_store
from perfbench.errors import StoreError, UsageError
from perfbench.store import ResultStore

_GLOB_CHARACTERS = frozenset("*?[")
SHORT_COMMIT = 8


@dataclasses.dataclass(frozen=True, slots=True)
class HostChoice:
    host_id: str | None  # None: every host
    description: str

    def to_dict(self) -> dict[str, str | None]:
        return {"host_id": self.host_id, "description": self.description}


def choose_host(store: ResultStore, requested: str | None) -> HostChoice:
    runs = store.runs()
    if not runs:
        raise StoreError(f"{store.location}: holds no runs yet; run `python -m perfbench run` first")
    known = Counter(run_identity(run).host_id for run in runs)
    listed = ", ".join(f"{host} ({_runs(count)})" for host, count in known.most_common() if host is not None)
    if requested == "all":
        return HostChoice(None, f"all hosts ({len(known)})")
    if requested in (None, "current"):
        here = current_host_id()
        if here in known:
            return HostChoice(here, f"host {here} (this machine, {_runs(known[here])})")
        if requested == "current":
            raise UsageError(f"--host current: {store.location} holds no runs from this machine (host {here}); "
                             f"it holds {listed or 'runs without a host'}; use --host all or one of those")
        return HostChoice(None, f"all hosts: this machine (host {here}) has no runs in {store.location}")
    matching = [host for host in known if host is not None and host.startswith(requested)]
    if len(matching) != 1:
        why = "matches several hosts" if matching else "is no host in the store"
        raise UsageError(f"--host {requested}: {why}; {store.location} holds {listed or 'runs without a host'} "
                         "(or use current, all)")
    (host,) = matching
    return HostChoice(host, f"host {host} ({_runs(known[host])})")


def _runs(count: int) -> str:
    return f"{count} run" + ("" if count == 1 else "s")


def _matches(key: str, pattern: str) -> bool:
    name = key.split("/", 1)[1]
    # exact first: parameterised names hold [ ], which a glob reads as a character class
    return pattern in (key, name) or fnmatch.fnmatchcase(key, pattern) or fnmatch.fnmatchcase(name, pattern)


def select_histories(store: ResultStore, patterns: Sequence[str], host: HostChoice,
                     last: int | None) -> list[BenchmarkHistory]:
    """The histories of the benchmarks the patterns name (every one without patterns), over
    the last ``last`` runs on the host. A pattern that names nothing is a usage error
    naming the closest benchmarks the store holds."""
    exact = [p for p in patterns if "/" in p and not _GLOB_CHARACTERS & set(p)]
    if patterns and len(exact) == len(patterns):  # read only these benchmarks' rows
        histories = [benchmark_history(store, *p.split("/", 1), host_id=host.host_id, last=last) for p in exact]
        found = [h for h in histories if h.points]
    else:
        found = all_histories(store, lambda key: not patterns or any(_matches(key, p) for p in patterns),
                              host_id=host.host_id, last=last)
    for pattern in patterns:
        if not any(_matches(h.key, pattern) for h in found):
            raise UsageError(_unknown(store, pattern, host, last))
    return found


def _unknown(store: ResultStore, pattern: str, host: HostChoice, last: int | None) -> str:
    here = [h.key for h in all_histories(store, host_id=host.host_id, last=last)]
    where = f"in {store.location}" + ("" if host.host_id is None else f" on host {host.host_id}") + \
        (f" in the last {last} runs" if last else "")
    if last and any(_matches(h.key, pattern) for h in all_histories(store, host_id=host.host_id)):
        return f"benchmark {pattern!r}: no runs of it {where}; it ran earlier: raise --last or leave it out"
    if host.host_id is not None and any(_matches(h.key, pattern) for h in all_histories(store)):
        return f"benchmark {pattern!r}: no runs of it {where}; it ran on other hosts: try --host all"
    names = {**{key.split("/", 1)[1]: key for key in here}, **{key: key for key in here}}
    close = dict.fromkeys(names[c] for c in difflib.get_close_matches(pattern, list(names), n=3, cutoff=0.5))
    hint = (f"did you mean {', '.join(close)}?" if close
            else f"it holds {len(here)} benchmarks (`python -m perfbench history` shows them)")
    return f"benchmark {pattern!r}: no benchmark matches {where}; {hint}"


def short_commit(commit: str | None, dirty: bool | None) -> str:
    """"1a2b3c4d", "1a2b3c4d+dirty" (uncommitted changes were measured), or "-"."""
    if commit is None:
        return "-"
    return commit[:SHORT_COMMIT] + ("+dirty" if dirty else "")


def short_date(date: str) -> str:
    """"2026-11-30 14:05" from the stored ISO time (UTC)."""
    return date[:16].replace("T", " ")


def last_runs(args: argparse.Namespace) -> int | None:
    if args.last is not None and args.last < 1:
        raise UsageError(f"--last: expected a number of runs of at least 1, got {args.last}")
    return args.last


def histories_asked_for(args: argparse.Namespace) -> tuple[HostChoice, list[BenchmarkHistory], str]:
    """The host, the histories the arguments name, and the store they came from."""
    last = last_runs(args)
    location = store_path(args, config_from(args))
    with open_existing_store(location) as store:
        host = choose_host(store, args.host)
        return host, select_histories(store, args.benchmarks, host, last), store.location
