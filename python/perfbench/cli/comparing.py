"""What `compare` and `run --baseline` share: the comparison flags, each benchmark's settings
from them and the config, the table of verdicts, and the exit code a comparison gives."""

from __future__ import annotations

import argparse
import dataclasses
import json
import shlex
from collections.abc import Sequence

from rich.table import Table
from rich.text import Text

from perfbench.analysis.comparison import DEFAULT_THRESHOLD, FAMILY_ERROR, ChangeVerdict, threshold_problem
from perfbench.analysis.run_identity import current_host_id
from perfbench.cli.console import stderr_console, stdout_console
from perfbench.cli.stored_run import open_existing_store
from perfbench.config import Config
from perfbench.config.fields import MAX_WHOLE_NUMBER
from perfbench.definition.suite import BenchmarkDefinition
from perfbench.errors import ExitCode, UnitError, UsageError
from perfbench.execution.session import RunOutcome
from perfbench.execution.settle import SettleBudget, SettleOutcome, settle
from perfbench.model import BenchmarkResult
from perfbench.run_comparison import (
    RegressionSettings, ResolvedRun, RunComparison, compare_runs, refuse_mixed_hosts, regression_settings,
    resolve_reference,
)
from perfbench.units import format_duration_ns, parse_duration, parse_percent


def threshold_flag(args: argparse.Namespace) -> float | None:
    text = args.threshold
    if text is None:
        return None
    try:
        fraction = parse_percent(text)
    except UnitError as error:
        raise UsageError(f"--threshold: {error}") from None
    problem = threshold_problem(fraction)
    if problem:
        raise UsageError(f"--threshold: {text!r}: {problem}")
    return fraction


def settings_for(definitions: Sequence[BenchmarkDefinition], config: Config | None,
                 args: argparse.Namespace) -> RegressionSettings:
    """Each benchmark's threshold and severity: ``--threshold``, else the project's
    definitions, else the config's lane (run_comparison.RegressionSettings)."""
    return regression_settings(definitions, config, threshold=threshold_flag(args))


def reproduce_command(compared: RunComparison, args: argparse.Namespace) -> str:
    """The `compare` command that makes this comparison again from the store: the two runs by
    id (a baseline may move on), with the flags that changed the verdicts."""
    flags = ""
    if getattr(args, "threshold", None):
        flags += f" --threshold {args.threshold}"
    if getattr(args, "allow_mixed_hosts", False):
        flags += " --allow-mixed-hosts"
    store = getattr(args, "store", None)
    if store:
        flags += f" --store {shlex.quote(str(store))}"
    return f"python -m perfbench compare {compared.base.run.id} {compared.current.run.id}{flags}"


def comparison_exit_code(compared: RunComparison) -> int:
    """1 if a benchmark is slower beyond its threshold at error severity or worse, else 0."""
    return int(ExitCode.CHECK_FAILED if compared.check_failed else ExitCode.OK)


# --- the table ---------------------------------------------------------------------------

_SHOWN = ("slower", "unsure", "faster")  # in this order; the rest are counted
_STYLE = {"slower": "red", "unsure": "cyan", "faster": "green"}


def _percent(fraction: float | None, *, signed: bool = False) -> str:
    if fraction is None:
        return "-"
    return f"{100 * fraction:+.1f} %" if signed else f"{100 * fraction:.2g} %"


def _change(verdict: ChangeVerdict) -> str:
    if verdict.change is None:
        return "-"
    if verdict.low is None or verdict.high is None:
        return f"{_percent(verdict.change, signed=True)} (no interval)"
    return f"{_percent(verdict.change, signed=True)} [{_percent(verdict.low, signed=True)}, " \
           f"{_percent(verdict.high, signed=True)}]"


def _verdict_text(verdict: ChangeVerdict) -> Text:
    """slower (red), or with its severity where that is not error: slower (warning) in yellow,
    as it does not fail the check."""
    if verdict.status != "slower" or verdict.severity == "error":
        return Text(verdict.status, style=_STYLE[verdict.status])
    return Text(f"slower ({verdict.severity})", style="red" if verdict.regression else "yellow")


def _threshold(verdict: ChangeVerdict) -> str:
    """As set; else the default, 5 %, or the MDE where the noise resolves no less."""
    if verdict.threshold_requested:
        return _percent(verdict.threshold)
    if verdict.threshold == DEFAULT_THRESHOLD:
        return f"{_percent(verdict.threshold)} (default)"
    if verdict.mde is not None and verdict.mde > verdict.threshold:  # no threshold reaches -100 %: capped
        return f"{_percent(verdict.threshold)} (capped; MDE above)"
    return f"{_percent(verdict.threshold)} (= MDE)"


def _what(verdict: ChangeVerdict) -> str:
    """For unsure: what would settle it (a threshold below the MDE is said once, below the table)."""
    return verdict.settle if verdict.status == "unsure" else ""


def print_comparison(compared: RunComparison, *, as_json: bool = False) -> None:
    """The verdicts as a table on stdout (slower, then unsure, then faster; the rest counted),
    or the comparison as JSON."""
    if as_json:
        print(json.dumps(compared.to_dict(), indent=2, allow_nan=False))
        return
    out = stdout_console()
    comparison = compared.comparison
    out.print(f"base:    {compared.base.description}", highlight=False)
    out.print(f"current: {compared.current.description}", highlight=False)
    if compared.mixed_hosts:
        out.print(Text("warning: ", style="yellow") + Text(
            f"the runs come from different hosts ({compared.base.host_id}, {compared.current.host_id}), compared as "
            "asked (--allow-mixed-hosts): a difference between machines reads as a change"))
    rows = [v for status in _SHOWN for v in comparison.of(status)]
    if rows:
        table = Table(title="compared with the base (median time per iteration)",
                      caption="change: current / base - 1 and its 95 % interval; slower / faster: the whole "
                              f"interval beyond ± the threshold at the suite's {_percent(comparison.family_error)} "
                              f"error over {comparison.compared} benchmarks (Holm); MDE: the smallest change this "
                              "benchmark's noise can resolve; processes: base / current")
        notes = any(_what(v) for v in rows)
        columns = [("benchmark", "left"), ("verdict", "left"), ("base", "right"), ("current", "right"),
                   ("change [95 % interval]", "right"), ("threshold", "right"), ("MDE", "right"),
                   ("processes", "right")] + ([("what would settle it", "left")] if notes else [])
        for column, justify in columns:
            table.add_column(column, justify=justify)  # type: ignore[arg-type]
        for v in rows:
            table.add_row(v.key, _verdict_text(v), format_duration_ns(v.base_median),
                          format_duration_ns(v.current_median), _change(v), _threshold(v), _percent(v.mde),
                          f"{v.base_processes} / {v.current_processes}", *((_what(v),) if notes else ()))
        out.print(table)
    counts = comparison.counts()
    out.print(", ".join(f"{counts[s]} {s.replace('-', ' ')}" for s in
                        ("slower", "unsure", "faster", "same", "only-in-base", "only-in-current", "not-compared")
                        if counts[s] or s in _SHOWN or s == "same"), highlight=False)
    for v in comparison.of("not-compared"):
        out.print(f"  not compared: {v.key}: {v.reason}", highlight=False)
    below = [v for v in comparison.verdicts if v.note]
    if below:
        out.print(Text("note: ", style="cyan") + Text(
            f"the requested threshold is below what the noise can resolve for {len(below)} benchmark(s) ("
            + ", ".join(f"{v.key}: {_percent(v.threshold)} < MDE {_percent(v.mde)}" for v in below[:5])
            + (", ..." if len(below) > 5 else "") + "): a change that small reads unsure, not same"))
    err = stderr_console()
    regressions = comparison.regressions
    if regressions:
        err.print(Text(f"regression: {len(regressions)} benchmark(s) slower beyond their threshold", style="red")
                  + Text(": " + ", ".join(v.key for v in regressions)))
    warned = [v for v in comparison.slower if not v.regression]
    if warned:
        err.print(Text(f"{len(warned)} benchmark(s) slower at warning severity (not failing): ", style="yellow")
                  + Text(", ".join(v.key for v in warned)))


# --- run --baseline ----------------------------------------------------------------------


def settle_budget_flag(text: str | None) -> SettleBudget | None:
    """``--until-sure [BUDGET]``: a duration (``2m``) or a number of processes (``20``)."""
    if text is None:
        return None
    if text.strip().isdigit():
        count = int(text)
        if not 1 <= count <= MAX_WHOLE_NUMBER:
            raise UsageError(f"--until-sure: {count} processes; give 1 to {MAX_WHOLE_NUMBER:,}, or a duration such as 2m")
        return SettleBudget(processes=count)
    try:
        seconds = parse_duration(text)
    except UnitError as error:
        raise UsageError(f"--until-sure: {error}, or a number of processes such as 20") from None
    if not seconds > 0:
        raise UsageError(f"--until-sure: {text!r} must be longer than zero, e.g. 2m")
    return SettleBudget(seconds=seconds)


@dataclasses.dataclass(frozen=True, slots=True)
class BaselineCheck:
    """What `run --baseline NAME` compares the run with, resolved before anything runs."""

    base: ResolvedRun
    settings: RegressionSettings
    allow_mixed_hosts: bool
    settle_budget: SettleBudget | None


def baseline_check(args: argparse.Namespace, store_location: str, definitions: Sequence[BenchmarkDefinition],
                   config: Config | None) -> BaselineCheck | None:
    """The comparison `run` makes at its end, checked up front: a bad baseline, threshold or
    budget costs nothing measured. Comparison flags without ``--baseline`` are refused."""
    if args.baseline is None:
        for flag, value in (("--threshold", args.threshold), ("--allow-mixed-hosts", args.allow_mixed_hosts),
                            ("--until-sure", args.until_sure)):
            if value:
                raise UsageError(f"{flag}: only with --baseline NAME, which it applies to (or compare stored runs "
                                 "with `python -m perfbench compare`)")
        return None
    budget = settle_budget_flag(args.until_sure)
    settings = settings_for(definitions, config, args)
    with open_existing_store(store_location) as store:
        base = resolve_reference(store, args.baseline, role="--baseline")
    if not args.allow_mixed_hosts:
        refuse_mixed_hosts(base, "this run (here)", current_host_id())
    return BaselineCheck(base, settings, args.allow_mixed_hosts, budget)


def compare_with_baseline(check: BaselineCheck, outcome: RunOutcome, store_location: str,
                          definitions: Sequence[BenchmarkDefinition]) -> tuple[RunComparison, SettleOutcome | None]:
    """The finished run against the baseline; with ``--until-sure``, settled (execution/settle.py)."""
    with open_existing_store(store_location) as store:
        this_run = store.run(outcome.run_id)
        assert this_run is not None
        current = ResolvedRun(this_run, "", "this run")

        def judge(results: Sequence[BenchmarkResult], family_error: float) -> RunComparison:
            return compare_runs(store, check.base, current, settings=check.settings,
                                allow_mixed_hosts=check.allow_mixed_hosts, family_error=family_error,
                                current_results=results)

        if check.settle_budget is None:
            return judge(outcome.results, FAMILY_ERROR), None
        settled = settle(judge, outcome.results, definitions, check.settle_budget, store=store,
                         result_rows=outcome.result_rows)
        return settled.comparison, settled


def print_settling(settled: SettleOutcome) -> None:
    """What --until-sure did: looks, processes added, the wall time it took."""
    out = stdout_console()
    unsure_first = len(settled.first.comparison.unsure)
    if not unsure_first:
        out.print(f"--until-sure: nothing read unsure (first look at the suite's "
                  f"{_percent(settled.looks[0].family_error)} error): no process added", highlight=False)
        return
    per_benchmark = ", ".join(f"{key} +{count}" for key, count in settled.added.items()) or "none"
    now = settled.comparison.comparison.counts()
    out.print(f"--until-sure: {unsure_first} unsure after the run; {len(settled.looks) - 1} more look(s) added "
              f"{settled.processes_added} process(es) ({per_benchmark}) in {settled.wall_seconds:.1f} s of a budget "
              f"of {settled.budget.describe()}; now {now['slower']} slower, {now['faster']} faster, {now['same']} "
              f"same, {now['unsure']} unsure ({settled.stopped}); looks read at the suite's error "
              + ", ".join(_percent(look.family_error) for look in settled.looks)
              + f" (together under {_percent(settled.comparison.comparison.family_error)})", highlight=False)
    for key, problem in settled.problems.items():
        out.print(Text("warning: ", style="yellow") + Text(f"{key}: {problem}"))
