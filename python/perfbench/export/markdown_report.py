"""GitHub-flavoured Markdown for a pull-request comment: what a reviewer needs on one screen,
and every row behind a fold.

Top to bottom:

1. one line with the verdict: with a comparison, the counts and the largest effect with its
   interval ("3 slower, 1 unsure, 46 same: worst `sort_100k` +7.9 % [+6.1, +9.8]"); without
   one, the SLA outcome;
2. a warning where the two sides' hosts, compiler flags or environment differ, or where a
   side was measured on a noisy machine;
3. the SLA violations, by severity (critical first), with the figure, its interval and the limit;
4. the changes that are not "same" (slower, unsure, faster; at most ``SHOWN_ROWS``), each
   with the base and current value, the change and its 95 % interval, the processes per side
   and the noise floor (the minimum detectable effect); the rest are counted;
   benchmarks whose history marks them unstable are tagged;
5. each load benchmark's percentile spectrum, corrected and uncorrected side by side, with
   its target and achieved rate, error rate and verdict; in the details instead when the
   first screen would grow beyond ``FIRST_SCREEN_LINES``;
6. the command that reproduces the comparison, and how to accept an intended change;
7. a collapsed ``<details>`` with every row.

Every user text is escaped (``markdown_text``). The file is ``perfbench-run-N.md``.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from pathlib import Path

from perfbench.analysis.comparison import ChangeVerdict
from perfbench.export.base import ReportData, write_text_report
from perfbench.export.load_figures import LoadFigures, all_load_figures, rate_text, share_text
from perfbench.export.markdown_text import code, prose, table
from perfbench.model import BenchmarkResult
from perfbench.resources.host_fingerprint import describes_a_host, host_fingerprint
from perfbench.run_comparison import RunComparison
from perfbench.sla import SEVERITIES, Verdict, format_interval, format_value
from perfbench.units import format_duration_ns

SHOWN_ROWS = 15  # changes on the first screen; the rest are in the details
SHOWN_VIOLATIONS = 10
# The first screen's budget: what a reviewer reads without scrolling (a GitHub comment shows
# about this many lines of tables before the fold).
FIRST_SCREEN_LINES = 40
_ORDER = ("slower", "unsure", "faster")
_MARK = {"slower": "🔴 slower", "unsure": "❔ unsure", "faster": "🟢 faster", "same": "same",
         "only-in-base": "only in base", "only-in-current": "only in current", "not-compared": "not compared"}
_HOST_FIELDS = {"cpu_model": "CPU", "logical_cores": "logical cores", "memory_bytes": "memory", "kernel": "kernel",
                "python_implementation": "Python implementation", "python_version": "Python version"}


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:+.1f} %"


def _plain_percent(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.2g} %"


def change_text(verdict: ChangeVerdict) -> str:
    """``+7.9 % [+6.1, +9.8]``."""
    if verdict.change is None:
        return "-"
    if verdict.low is None or verdict.high is None:
        return f"{_percent(verdict.change)} (no interval)"
    return f"{_percent(verdict.change)} [{100 * verdict.low:+.1f}, {100 * verdict.high:+.1f}]"


def _largest(comparison: RunComparison) -> ChangeVerdict | None:
    """The verdict with the largest effect a reviewer should see: the largest slowdown, else the
    largest unsure change, else the largest speed-up."""
    for status in _ORDER:
        verdicts = [v for v in comparison.comparison.of(status) if v.change is not None]
        if verdicts:
            return max(verdicts, key=lambda v: abs(v.change))  # type: ignore[arg-type]
    return None


def _counts_text(comparison: RunComparison) -> str:
    counts = comparison.comparison.counts()
    shown = [f"{counts[s]} {s.replace('-', ' ')}" for s in counts if counts[s] or s in ("slower", "same")]
    return ", ".join(shown)


def _sla_counts(verdicts: Sequence[Verdict]) -> str:
    """e.g. "2 violations (1 critical, 1 error), 1 unsure, 12 pass"."""
    violated = [v for v in verdicts if v.status == "violated"]
    parts = [f"{sum(v.severity == s for v in violated)} {s}" for s in reversed(SEVERITIES)
             if any(v.severity == s for v in violated)]
    counted = [f"{len(violated)} violation{'s' if len(violated) != 1 else ''} ({', '.join(parts)})"] if violated else []
    counted += [f"{count} {status}" for status in ("unsure", "insufficient", "invalid", "pass")
                for count in [sum(v.status == status for v in verdicts)] if count]
    return ", ".join(counted)


def headline(report: ReportData) -> str:
    """The one-line verdict."""
    failed = sum(r.could_not_run for r in report.results)
    tail = f"; {failed} benchmark{'s' if failed != 1 else ''} could not run" if failed else ""
    sla = f"; SLA: {_sla_counts(report.verdicts)}" if report.verdicts else ""
    if report.comparison is not None:
        largest = _largest(report.comparison)
        worst = ""
        if largest is not None:
            word = "worst" if largest.status == "slower" else "largest"
            worst = f": {word} {code(largest.key)} {change_text(largest)}"
        icon = "❌" if report.comparison.check_failed else ("⚠️" if report.comparison.comparison.unsure else "✅")
        return f"{icon} **perfbench**: {_counts_text(report.comparison)}{worst}{sla}{tail}"
    violated = any(v.status == "violated" and v.severity in ("error", "critical") for v in report.verdicts)
    icon = "❌" if violated or failed else "✅"
    return (f"{icon} **perfbench** run {report.run_id}: {len(report.results)} benchmark"
            f"{'s' if len(report.results) != 1 else ''}{sla or '; no SLA rules'}{tail}")


def _differences(comparison: RunComparison) -> list[str]:
    """What differs between the two sides' machines: hosts, compiler flags, environment."""
    base_env, current_env = comparison.base.run.environment, comparison.current.run.environment
    found = []
    if comparison.base.host_id and comparison.current.host_id and comparison.base.host_id != comparison.current.host_id:
        found.append(f"the runs come from different hosts ({code(comparison.base.host_id)}, "
                     f"{code(comparison.current.host_id)}): a difference between machines reads as a change")
    if describes_a_host(base_env) and describes_a_host(current_env):
        base_host, current_host = host_fingerprint(base_env), host_fingerprint(current_env)
        flags = [f"{key}: {code(str(base_host['build'].get(key)))} → {code(str(value))}"
                 for key, value in current_host["build"].items() if base_host["build"].get(key) != value]
        if flags:
            found.append("the compiler flags differ: " + "; ".join(flags))
        fields = [f"{label}: {code(str(base_host[key]))} → {code(str(current_host[key]))}"
                  for key, label in _HOST_FIELDS.items() if base_host[key] != current_host[key]]
        if fields:
            found.append("the environment differs: " + "; ".join(fields))
    return found


def warnings(report: ReportData) -> list[str]:
    """Why the numbers may not mean what they seem: different machines, a noisy run. A
    warning both runs printed (a VM, two CPUs) is said once."""
    found = _differences(report.comparison) if report.comparison is not None else []
    current = list(dict.fromkeys(report.noise_warnings))
    base = list(dict.fromkeys(report.comparison.base.run.noise.get("warnings", ()))) if report.comparison else []
    if report.comparison is None:
        return found + [f"noisy: {prose(w)}" for w in current]
    found += [f"noisy (both runs): {prose(w)}" for w in current if w in base]
    found += [f"noisy (this run): {prose(w)}" for w in current if w not in base]
    found += [f"noisy (the base run): {prose(w)}" for w in base if w not in current]
    return found


def _violation_rows(verdicts: Sequence[Verdict]) -> list[list[str]]:
    violated = sorted((v for v in verdicts if v.status == "violated"), key=lambda v: -v.rank)
    return [[f"**{v.severity}**", code(v.benchmark, in_table=True), code(v.expression, in_table=True),
             format_value(v.measured, v.unit) + (f" {format_interval(v.measured, v.low, v.high, v.unit)}"
                                                 if v.measured is not None and v.unit else ""),
             format_value(v.limit, v.unit) if v.limit is not None else "-"] for v in violated]


def _name(verdict: ChangeVerdict, unstable: dict[str, str] | object) -> str:
    tag = " ⚠️ unstable" if verdict.key in unstable else ""  # type: ignore[operator]
    return code(verdict.key, in_table=True) + tag


def _change_rows(verdicts: Sequence[ChangeVerdict], report: ReportData) -> list[list[str]]:
    return [[_name(v, report.unstable), _MARK[v.status] + (f" ({v.severity})" if v.status == "slower"
                                                             and v.severity != "error" else ""),
             format_duration_ns(v.base_median), format_duration_ns(v.current_median), change_text(v),
             f"{v.base_processes} / {v.current_processes}", _plain_percent(v.mde), _plain_percent(v.threshold)]
            for v in verdicts]


_CHANGE_HEADER = ["benchmark", "verdict", "base", "current", "change [95 % interval]", "processes (base / current)",
                  "noise floor (MDE)", "threshold"]


def _result_rows(results: Sequence[BenchmarkResult], report: ReportData) -> list[list[str]]:
    rows = []
    for r in results:
        name = code(r.key, in_table=True) + (" ⚠️ unstable" if r.key in report.unstable else "")
        if r.measurement is None or r.failure is not None:
            reason = r.failure.kind if r.failure is not None else "-"
            rows.append([name, prose(reason), "-", "-", "-", "-"])
            continue
        metrics = {m.name: m for m in r.metrics}
        if r.kind == "load" and "latency_p50" in metrics:
            # as its SLA rules read p50 and p99: every request pooled, not its window medians' statistics
            p50, p99, count = metrics["latency_p50"], metrics.get("latency_p99"), metrics.get("latency_count")
            rows.append([name, "ok (load: corrected latency per request)", format_duration_ns(p50.value),
                         format_interval(p50.value, p50.ci_low, p50.ci_high, "ns") or "-",
                         format_duration_ns(p99.value) if p99 else "-",
                         f"{count.value:.0f} requests" if count else "-"])
            continue
        stats = r.measurement.stats
        interval = format_interval(stats.median, stats.ci_low, stats.ci_high, "ns") or "-"
        processes = len({process for process, _ in r.measurement.segments})
        rows.append([name, "ok", format_duration_ns(stats.median), interval, format_duration_ns(stats.p99),
                     f"{stats.n} ({processes} process{'es' if processes != 1 else ''})"])
    return rows


def load_section(figures: LoadFigures) -> list[str]:
    """One load benchmark: a line of its rates, errors and verdict, then its spectrum."""
    rate_limited = figures.errors["rate_limited"]
    facts = (f"**Load** {code(figures.key)}: target {rate_text(figures.target_rate)}, achieved "
             f"{rate_text(figures.achieved_rate)}; error rate {share_text(figures.error_rate)}"
             f"{f' ({rate_limited} rate-limited, 429)' if rate_limited else ''}; verdict **{prose(figures.verdict)}**")
    rows = [[label, format_duration_ns(corrected), format_duration_ns(uncorrected)]
            for label, corrected, uncorrected in figures.spectrum]
    return [facts, "", *table(["percentile", "corrected", "uncorrected"], rows, "lrr"), ""]


def _details(report: ReportData, load_lines: Sequence[str] = ()) -> list[str]:
    lines = ["<details><summary>"
             + html.escape(f"every benchmark ({len(report.comparison.verdicts) if report.comparison else len(report.results)})")
             + "</summary>", ""]
    if report.comparison is not None:
        lines += table(_CHANGE_HEADER, _change_rows(report.comparison.verdicts, report), "llrrrrrr")
        reasons = [v for v in report.comparison.verdicts if v.reason or v.settle]
        if reasons:
            lines += ["", *(f"- {code(v.key)}: {prose(v.reason or v.settle)}" for v in reasons)]
    else:
        lines += table(["benchmark", "status", "median", "95 % interval", "p99", "samples"],
                       _result_rows(report.results, report), "llrrrr")
    if report.unstable:
        lines += ["", "Unstable in their history:", *(f"- {code(key)}: {prose(why)}" for key, why in report.unstable.items())]
    others = [v for v in report.verdicts if v.status != "violated"]
    if others:
        lines += ["", *table(["SLA", "benchmark", "rule", "measured", "what would settle it"],
                             [[prose(v.label), code(v.benchmark, in_table=True), code(v.expression, in_table=True),
                               format_value(v.measured, v.unit), prose(v.settle) or "-"] for v in others], "lllrl")]
    if load_lines:
        lines += ["", *load_lines[:-1]]  # the section's trailing blank line is the one before the fold's end
    return [*lines, "", "</details>"]


def _accept_hint(comparison: RunComparison) -> list[str]:
    base = comparison.base
    if not base.how.startswith("baseline") or not (comparison.comparison.slower or comparison.comparison.faster):
        return []
    return ["If the change is intended, accept it as the new baseline:", "",
            "```sh", f"python -m perfbench baseline accept {base.reference} --run {comparison.current.run.id} "
                     '--reason "why the new figures are expected"', "```"]


def markdown(report: ReportData) -> str:
    lines = [headline(report), ""]
    if report.comparison is not None:
        lines += [f"Run {report.run_id} against {prose(report.comparison.base.description)}.", ""]
    warned = warnings(report)
    if warned:
        lines += ["> [!WARNING]", *(f"> {w}  " for w in warned), ""]
    violations = _violation_rows(report.verdicts)
    if violations:
        lines += [f"**SLA violations** ({len(violations)})", "",
                  *table(["severity", "benchmark", "rule", "measured [95 % interval]", "limit"],
                         violations[:SHOWN_VIOLATIONS], "lllrr")]
        if len(violations) > SHOWN_VIOLATIONS:
            lines.append(f"\n… and {len(violations) - SHOWN_VIOLATIONS} more in the details below.")
        lines.append("")
    failed = [r for r in report.results if r.could_not_run]
    if failed:
        lines += [f"**Could not run** ({len(failed)}): "
                  + ", ".join(f"{code(r.key)} ({prose(r.failure.kind)})" for r in failed[:SHOWN_VIOLATIONS]  # type: ignore[union-attr]
                              ) + (" …" if len(failed) > SHOWN_VIOLATIONS else ""), ""]
    if report.comparison is not None:
        comparison = report.comparison.comparison
        changed = [v for status in _ORDER for v in comparison.of(status)]
        if changed:
            lines += [f"**Changes** (median time per iteration; {_counts_text(report.comparison)})", "",
                      *table(_CHANGE_HEADER, _change_rows(changed[:SHOWN_ROWS], report), "llrrrrrr")]
            if len(changed) > SHOWN_ROWS:
                lines.append(f"\n… and {len(changed) - SHOWN_ROWS} more in the details below.")
            lines += ["", f"slower / faster: the whole interval beyond ± the threshold, at a "
                          f"{_plain_percent(comparison.family_error)} chance of any false call over "
                          f"{comparison.compared} benchmarks; noise floor: the smallest change this benchmark's "
                          "noise can resolve.", ""]
        else:
            lines += [f"No benchmark changed beyond its threshold ({_counts_text(report.comparison)}).", ""]
    after: list[str] = []
    if report.reproduce:
        after += ["Reproduce this comparison:", "", "```sh", report.reproduce, "```", ""]
    if report.comparison is not None:
        hint = _accept_hint(report.comparison)
        if hint:
            after += [*hint, ""]
    loads = all_load_figures(report.results)
    load_lines = [line for figures in loads for line in load_section(figures)]
    folded: list[str] = []
    if len(lines) + len(load_lines) + len(after) <= FIRST_SCREEN_LINES:
        lines += load_lines
    elif load_lines:
        folded = load_lines
        pointer = [f"**Load** ({len(loads)}): the latency spectra are in the details below.", ""]
        if len(lines) + len(pointer) + len(after) <= FIRST_SCREEN_LINES:
            lines += pointer
    lines += [*after, *_details(report, folded)]
    return "\n".join(lines) + "\n"


class MarkdownExporter:
    extension = "md"

    def write(self, report: ReportData, output_dir: Path) -> Path:
        return write_text_report(report, output_dir, self.extension, markdown(report))
