"""JUnit XML, for CI systems' test panels: one testcase per SLA verdict, and one per benchmark
that could not run.

A panel shows passed, failed, errored and skipped tests, and fails the build on failures and
errors, so each verdict maps to what it means for the run's exit code:

* PASS: a passed testcase;
* a violation at error or critical severity: a ``failure`` whose message carries the rule,
  the measured figure with its 95 % interval and the limit (it fails the run, exit 1);
* a WARNING: a passed testcase with the warning in its ``system-out`` (it does not fail);
* UNSURE, too few samples, not evaluated, not measurable: ``skipped``, with what would
  settle it (neither a pass nor a failure can be claimed);
* an invalid rule or a measurement error: an ``error``.

A benchmark that crashed, hung or raised is an ``error`` testcase ``<benchmark> :: ran``,
with its failure.

With a comparison (``report --baseline NAME`` / ``--compare RUN``), each benchmark's verdict
is a testcase ``<benchmark> :: compared with <base>``: a slowdown beyond its threshold at
error severity is a ``failure`` carrying the base and current medians, the change with its
95 % interval, the threshold and the noise floor; unsure, not compared and only in the base
are ``skipped`` with what would settle it; a slowdown at warning severity passes with it in
``system-out``; same, faster and new benchmarks pass. Testcases are grouped in one testsuite per lane; the classname is the
lane, the name ``<benchmark> :: <rule>``. ElementTree escapes every user text.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable
from pathlib import Path

from perfbench.analysis.comparison import ChangeVerdict
from perfbench.export.base import ReportData, report_file
from perfbench.sla import Verdict, format_interval, format_value
from perfbench.units import format_duration_ns

_SKIPPED = ("unsure", "insufficient", "not-evaluated", "not-measurable")


def _figures(verdict: Verdict) -> str:
    """The measured figure, its interval and the limit, as the terminal shows them."""
    measured = format_value(verdict.measured, verdict.unit)
    interval = (format_interval(verdict.measured, verdict.low, verdict.high, verdict.unit)
                if verdict.unit and verdict.measured is not None else "")
    limit = format_value(verdict.limit, verdict.unit) if verdict.limit is not None else "-"
    return f"{verdict.label}: {verdict.expression}; measured {measured}" + (
        f" (95 % interval {interval})" if interval else "") + f"; limit {limit}"


def _verdict_case(verdict: Verdict) -> ET.Element:
    lane, _, benchmark = verdict.benchmark.partition("/")
    case = ET.Element("testcase", classname=lane, name=f"{benchmark} :: {verdict.rule}")
    text = "\n".join(filter(None, (_figures(verdict), verdict.message, verdict.noise, verdict.settle,
                                   verdict.environment)))
    if verdict.status == "violated" and verdict.severity in ("error", "critical"):
        ET.SubElement(case, "failure", message=_figures(verdict), type=verdict.severity or "error").text = text
    elif verdict.status in ("invalid", "measurement-error"):
        ET.SubElement(case, "error", message=_figures(verdict), type=verdict.status).text = text
    elif verdict.status in _SKIPPED:
        ET.SubElement(case, "skipped", message=_figures(verdict)).text = text
    elif verdict.status == "violated":  # a warning: reported, and the run does not fail on it
        ET.SubElement(case, "system-out").text = text
    return case


def _change_figures(verdict: ChangeVerdict) -> str:
    change = "-" if verdict.change is None else f"{100 * verdict.change:+.1f} %"
    if verdict.low is not None and verdict.high is not None:
        change += f" (95 % interval {100 * verdict.low:+.1f} % to {100 * verdict.high:+.1f} %)"
    mde = "-" if verdict.mde is None else f"{100 * verdict.mde:.2g} %"
    return (f"{verdict.status}: median {format_duration_ns(verdict.base_median)} -> "
            f"{format_duration_ns(verdict.current_median)}, change {change}; threshold "
            f"{100 * verdict.threshold:.2g} %; noise floor (MDE) {mde}; processes {verdict.base_processes} / "
            f"{verdict.current_processes}")


def _change_case(verdict: ChangeVerdict, base: str) -> ET.Element:
    case = ET.Element("testcase", classname=verdict.lane, name=f"{verdict.benchmark} :: compared with {base}")
    text = "\n".join(filter(None, (_change_figures(verdict), verdict.noise, verdict.note, verdict.settle,
                                   verdict.reason)))
    if verdict.regression:
        ET.SubElement(case, "failure", message=_change_figures(verdict), type="regression").text = text
    elif verdict.status in ("unsure", "not-compared", "only-in-base"):
        ET.SubElement(case, "skipped", message=verdict.settle or verdict.reason or _change_figures(verdict)).text = text
    else:
        ET.SubElement(case, "system-out").text = text
    return case


def _suites(report: ReportData) -> dict[str, list[ET.Element]]:
    suites: dict[str, list[ET.Element]] = {}
    for result in report.results:
        if result.could_not_run:
            assert result.failure is not None
            case = ET.Element("testcase", classname=result.lane, name=f"{result.benchmark} :: ran")
            ET.SubElement(case, "error", message=result.failure.message,
                          type=result.failure.kind).text = result.failure.detail or result.failure.message
            suites.setdefault(result.lane, []).append(case)
    for verdict in report.verdicts:
        suites.setdefault(verdict.benchmark.partition("/")[0], []).append(_verdict_case(verdict))
    if report.comparison is not None:
        base = report.comparison.base
        named = f"run {base.run.id}" if base.how == f"run {base.run.id}" else f"{base.how} (run {base.run.id})"
        for change in report.comparison.verdicts:
            suites.setdefault(change.lane, []).append(_change_case(change, named))
    return suites


def _count(cases: Iterable[ET.Element], tag: str) -> int:
    return sum(1 for case in cases if case.find(tag) is not None)


class JunitExporter:
    extension = "xml"

    def write(self, report: ReportData, output_dir: Path) -> Path:
        path = report_file(report, output_dir, self.extension, "junit")
        root = ET.Element("testsuites", name=f"perfbench run {report.run_id}")
        for lane, cases in _suites(report).items():
            suite = ET.SubElement(root, "testsuite", name=lane, tests=str(len(cases)),
                                  failures=str(_count(cases, "failure")), errors=str(_count(cases, "error")),
                                  skipped=str(_count(cases, "skipped")), timestamp=report.started_at)
            suite.extend(cases)
        ET.indent(root)  # one element per line: a CI log or a reviewer can read it
        ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)
        return path
