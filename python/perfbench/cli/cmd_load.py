"""`load URL`: a load test from the command line, with live progress on stderr (one line per
second), then the percentile spectrum, corrected and uncorrected side by side, the errors by
kind and the verdicts; `--json` prints the whole result as JSON on stdout instead.

Exit codes: 0 done; 1 an `--sla` rule broke (the run is then stopped early with
`--abort-on-fail`); 2 bad input; 130 Ctrl-C (the summary of what finished is still printed).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping, Sequence
from typing import Any

from rich.console import Console
from rich.table import Table

from perfbench.cli.console import stderr_console, stdout_console
from perfbench.errors import ExitCode, UsageError
from perfbench.load.result import ERROR_KINDS, LoadResult, percentile_label
from perfbench.load.target_shortfall import TOLERANCE
from perfbench.units import format_duration_ns


def _stages(text: str) -> list[dict[str, str]]:
    """'1000:10s,5000:30s' -> [{'rate': '1000', 'duration': '10s'}, ...]."""
    stages = []
    for part in text.split(","):
        rate, sep, duration = part.partition(":")
        if not sep:
            raise UsageError(f"--stages: {part!r} is not RATE:DURATION; write e.g. --stages 1000:10s,5000:30s")
        stages.append({"rate": _number_or_text(rate), "duration": duration.strip()})
    return stages


def _burst(text: str) -> dict[str, Any]:
    parts = text.split(":")
    if len(parts) != 5:
        raise UsageError(f"--burst: {text!r} is not BASELINE:RATE:BEFORE:DURING:AFTER; "
                         "write e.g. --burst 1000:50000:5s:2s:10s")
    baseline, rate, before, during, after = parts
    return {"baseline": _number_or_text(baseline), "rate": _number_or_text(rate), "before": before,
            "during": during, "after": after}


def _number_or_text(text: str) -> float | str:
    try:
        return float(text)
    except ValueError:
        return text.strip()


def _headers(values: Sequence[str] | None) -> dict[str, str] | None:
    if not values:
        return None
    headers = {}
    for value in values:
        name, sep, content = value.partition(":")
        if not sep or not name.strip():
            raise UsageError(f"--header: {value!r} is not 'Name: value'")
        headers[name.strip()] = content.strip()
    return headers


def _progress_line(row: Mapping[str, Any]) -> str:
    errors = sum(row[k] for k in ERROR_KINDS) + row["rate_limited"] + row["status_4xx"] + row["status_5xx"]
    # A partial window (the tail after sending, or the second a stop fell in) shows its responses,
    # never a rate over its span (see result.with_rates).
    done = (f"done {row['completed']:>5} in {format_duration_ns(row['span_s'] * 1e9)} (last window, partial: no rate)"
            if row["partial"] else f"done {row['rate']:>9.0f}/s")
    return (f"{row['second'] + 1:>4}s  sent {row['sent']:>7}  {done}  errors {errors:>5}  "
            f"p99 {format_duration_ns(row['corrected_p99']):>9} (uncorrected {format_duration_ns(row['uncorrected_p99'])})"
            f"  lag p99 {format_duration_ns(row['lag_p99'])}")


class _ProgressPrinter:
    """One line per window, each printed once: several windows may close between two looks (the
    last window closes moments after the one before it)."""

    def __init__(self, console: Console) -> None:
        self._console = console
        self._printed = 0

    def __call__(self, rows: Sequence[Mapping[str, Any]]) -> None:
        for row in rows[self._printed:]:
            self._console.print(_progress_line(row), highlight=False)
        self._printed = len(rows)


def summary(result: LoadResult) -> Table:
    table = Table(title=f"{result.options.method} {result.options.url}", title_justify="left")
    table.add_column("percentile", justify="right")
    table.add_column("corrected", justify="right")
    table.add_column("uncorrected", justify="right")
    for p, corrected, uncorrected in zip(result.percentiles, result.corrected_spectrum, result.uncorrected_spectrum):
        table.add_row(percentile_label(p), format_duration_ns(float(corrected)), format_duration_ns(float(uncorrected)))
    return table


def _facts(result: LoadResult) -> list[str]:
    c = result.counters
    target = f" (target {result.target_rate:.0f}/s)" if result.target_rate is not None else " (closed loop)"
    lines = [f"requests: {c['scheduled']} scheduled, {c['completed']} answered, {c['ok']} ok; "
             f"achieved {result.achieved_rate:.0f}/s{target} over {result.sending_s:.3g} s"]
    errors = {k: v for k, v in {**result.errors, "rate_limited (429)": c["rate_limited"],
                                "4xx": c["status_4xx"], "5xx": c["status_5xx"], "cancelled": c["cancelled"]}.items() if v}
    lines.append("errors: " + (", ".join(f"{k} {v}" for k, v in errors.items()) if errors else "none")
                 + f" (error rate {100 * result.error_rate:.3g} %)")
    if not result.options.closed:
        lag = result.lag_summary
        lines.append(f"send lag: p50 {format_duration_ns(lag['p50'])}, p99 {format_duration_ns(lag['p99'])}, "
                     f"max {format_duration_ns(lag['max'])}; {c['waited_for_connection']} requests waited for a "
                     "free connection")
    recovery = result.recovery
    if recovery is not None:
        lines.append(f"recovery after the burst: {recovery.recovery_s:g} s" if recovery.recovered else
                     "recovery after the burst: not back within 10 % of the baseline p99 before the run ended")
    if result.options.realtime:
        lines.append(f"realtime: {result.realtime_threads} of {result.options.threads} engine threads under SCHED_FIFO"
                     + ("" if result.realtime_threads == result.options.threads else " (not permitted for the rest)"))
    lines.extend(_windows(result))
    # A server-bound verdict's figures are on the target line just above.
    lines.append(f"verdict: {result.verdict}" + "".join(f"\n  {reason}" for reason in result.generator_bound))
    if result.sla_breach:
        lines.append(f"SLA: {result.sla_breach['message']}")
    if result.stop_reason != "completed":
        lines.append(f"stopped early: {result.stop_reason}")
    return lines


def _windows(result: LoadResult) -> list[str]:
    """What the partial last window held, and the whole windows against the target."""
    lines = []
    whole = [row for row in result.timeline if not row["partial"]]
    partial = [row for row in result.timeline if row["partial"]]
    if partial:
        last = partial[-1]
        lines.append(f"timeline: {len(whole)} whole 1 s windows and a last partial one of "
                     f"{format_duration_ns(last['span_s'] * 1e9)} ({last['completed']} responses; no rate is "
                     "given for it)")
    shortfall = result.target_shortfall
    if shortfall is not None:
        worst = shortfall.worst_window
        window = (f"worst whole window after the first: second {worst.second}, {worst.completed} responses for "
                  f"{worst.scheduled} scheduled ({100 * worst.shortfall:.1f} % short)" if worst else
                  "no whole window after the first")
        lines.append(f"target {shortfall.target_rate:.0f}/s, tolerance {100 * TOLERANCE:g} %: {shortfall.completed} "
                     f"responses for {shortfall.expected} requests scheduled ({100 * shortfall.shortfall:.1f} % short); "
                     f"{window}")
    return lines


def cmd_load(args: argparse.Namespace) -> int:
    from perfbench.cli.project_config import config_from, store_path
    from perfbench.load.api import load_test
    from perfbench.load.window_rules import whole_run_rule

    progress = stderr_console()
    result = load_test(
        args.url, rate=_number_or_text(args.rate) if args.rate is not None else None, duration=args.duration,
        connections=args.connections, threads=args.threads, method=args.method,
        body_size=_number_or_text(args.body_size) if args.body_size else 0, keep_alive=not args.new_connection,
        stages=_stages(args.stages) if args.stages else None, burst=_burst(args.burst) if args.burst else None,
        requests=args.requests, closed=args.closed, poisson=args.poisson, headers=_headers(args.header),
        timeout=args.timeout, lag_bound=args.lag_bound, realtime=args.realtime,
        send_slack=_number_or_text(args.send_slack) if args.send_slack is not None else None,
        sla=args.sla, abort_on_fail=args.abort_on_fail,
        on_progress=_ProgressPrinter(progress))
    if args.json:
        json.dump(result.to_dict(), sys.stdout)
        sys.stdout.write("\n")
    else:
        out = stdout_console()
        out.print(summary(result))
        for line in _facts(result):
            out.print(line, highlight=False)
    if args.save:
        # what finished is stored even when the run was interrupted or an SLA rule stopped it
        store = store_path(args, config_from(args))
        rules = [whole_run_rule(rule) for rule in args.sla or ()]  # judged again on the whole run
        run_id = result.save(args.save, lane=args.lane, store=store, sla=rules)
        progress.print(f"stored run {run_id} ({args.lane}/{args.save}) in {store}", highlight=False)
    if result.stop_reason == "interrupted":
        return int(ExitCode.INTERRUPTED)
    return int(ExitCode.CHECK_FAILED) if result.sla_breach else int(ExitCode.OK)
