"""The pytest plugin (perfbench/pytest_plugin/) driven through pytester: real pytest sessions
of small test files, a real SQLite store, real xdist workers. No assertion reads an absolute
time: SLA limits are chosen on the side of what a function cannot avoid (a median above 0 ns,
below 1 ns), or from the measurement itself; the regression is a tenfold increase of work.

Every session runs in a subprocess: pytester's in-process runs restore ``sys.modules``
afterwards, and numpy's extension modules cannot be imported twice in one process."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from perfbench.store import open_store

pytest_plugins = ["pytester"]

# Short budgets: these tests check behaviour, not figures.
_WORKLOAD = """
    import pytest
    from perfbench.pytest_plugin import Untimed

    WORK = {work}
    CALLS = []

    def add_up(n):
        CALLS.append(n)
        return sum(range(n))
"""


def _write(pytester: pytest.Pytester, body: str, *, work: int = 2000, name: str = "test_timed") -> Path:
    source = textwrap.dedent(_WORKLOAD.format(work=work)) + textwrap.dedent(body)
    return pytester.makepyfile(**{name: source})


def _store_results(path: Path) -> list[tuple[int, str, str, int]]:
    """(run id, lane, benchmark, samples) of every stored result."""
    with open_store(path, create=False) as store:
        return [(run.id, stored.result.lane, stored.result.benchmark, stored.result.measurement.stats.n)
                for run in store.runs() for stored in store.results(run.id)]


def _summary(result: pytest.RunResult) -> list[str]:
    """The lines of the plugin's section of the terminal summary."""
    lines = result.outlines
    start = next(i for i, line in enumerate(lines) if re.fullmatch(r"-+ perfbench -+", line))
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("=")), len(lines))
    return lines[start + 1:end]


def test_a_passing_rule_passes_and_the_session_is_stored_as_one_run(pytester: pytest.Pytester) -> None:
    _write(pytester, """
        def test_add_up(perfbench):
            m = perfbench(add_up, WORK, budget="0.05s")
            assert perfbench.enabled and m.median > 0
            verdicts = perfbench.assert_sla(m, "median > 0ns")
            assert [v.status for v in verdicts] == ["pass"]

        def test_twice(perfbench):
            perfbench.options(budget="0.03s")
            perfbench(add_up, 10)
            perfbench(add_up, 20)

        def test_plain():
            pass
    """)
    store = pytester.path / "results.db"
    result = pytester.runpytest_subprocess("-p", "no:benchmark", "--perfbench-store", str(store))
    result.assert_outcomes(passed=3)
    assert result.ret == 0
    stored = _store_results(store)
    assert [(run, lane, name) for run, lane, name, _ in stored] == [
        (1, "pytest", "test_timed.py::test_add_up"), (1, "pytest", "test_timed.py::test_twice"),
        (1, "pytest", "test_timed.py::test_twice#2")]
    summary = _summary(result)
    row = next(line for line in summary if line.startswith("test_timed.py::test_add_up "))
    assert "median > 0ns: PASS" in row
    assert re.search(r"\[\S+ [nµm]?s, \S+ [nµm]?s\]", row)  # the median's interval
    assert f"  {stored[0][3]}  " in row  # the samples, as stored
    assert "stored as run 1 in" in "\n".join(summary)
    with open_store(store, create=False) as opened:
        assert [(v.benchmark, v.status) for v in opened.verdicts(1)] == [("pytest/test_timed.py::test_add_up", "pass")]


def test_a_violated_rule_fails_the_test_with_the_figure_its_interval_and_the_limit(pytester: pytest.Pytester) -> None:
    _write(pytester, """
        def test_too_slow(perfbench):
            m = perfbench(add_up, WORK, budget="0.05s")
            perfbench.assert_sla(m, "median < 1ns")

        def test_warning_only(perfbench):
            m = perfbench(add_up, WORK, budget="0.05s")
            perfbench.assert_sla(m, {"rule": "median < 1ns", "severity": "warning"})
    """)
    result = pytester.runpytest_subprocess("-p", "no:benchmark")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.re_match_lines([
        r"perfbench SLA not met by test_timed.py::test_too_slow:",
        r"  median < 1ns: ERROR: median = \d\S* [nµm]?s \[\d\S* [nµm]?s, \d\S* [nµm]?s\]: limit < 1ns "
        r"\(95 % interval, between \d+ batches.*\)",
    ])
    assert any("median < 1ns: WARNING" in line for line in _summary(result))


def test_an_interval_across_the_limit_fails_with_what_would_settle_it(pytester: pytest.Pytester) -> None:
    _write(pytester, """
        def test_on_the_limit(perfbench):
            m = perfbench(add_up, WORK, budget="0.05s")
            middle = (m.stats.ci_low + m.stats.ci_high) / 2
            assert m.stats.ci_low < middle < m.stats.ci_high
            perfbench.assert_sla(m, f"median < {middle:.6f}ns")

        def test_too_few_samples(perfbench):
            m = perfbench(add_up, WORK, budget="0.05s", max_samples=20)
            perfbench.assert_sla(m, "p99 < 1h")

        def test_bad_rule(perfbench):
            m = perfbench(add_up, WORK, budget="0.02s")
            perfbench.assert_sla(m, "medain < 1ms")
    """)
    result = pytester.runpytest_subprocess("-p", "no:benchmark")
    result.assert_outcomes(failed=3)
    result.stdout.re_match_lines([
        r"  median < \S+ns: UNSURE: median = .*: between PASS and ERROR \(95 % interval, .*\)",
        r"    to settle it: .*",
        r"  p99 < 1h: INSUFFICIENT SAMPLES: p99 needs at least 100 samples, this result has 20",
        r"perfbench: .*test_timed.py: assert_sla\[0\]: 'medain < 1ms': no metric named 'medain'; did you mean 'median'.*",
    ], consecutive=False)
    assert not any("During handling" in line for line in result.outlines)  # one line, no chained traceback


def test_a_tenfold_slowdown_against_a_saved_baseline_fails_the_session(pytester: pytest.Pytester) -> None:
    body = """
        def test_add_up(perfbench):
            perfbench(add_up, WORK, budget="0.1s")

        def test_unchanged(perfbench):
            perfbench(sum, range(2000), budget="0.1s")
    """
    store = str(pytester.path / "results.db")
    _write(pytester, body, work=2000)
    saved = pytester.runpytest_subprocess("-p", "no:benchmark", "--perfbench-store", store, "--perfbench-save", "main")
    assert saved.ret == 0
    assert "saved as baseline 'main'" in _summary(saved)

    # Ten times the work: far beyond what the comparison's noise (5 % assumed between two
    # single-process runs, the threshold near 22 %) could produce.
    _write(pytester, body, work=20000)
    compared = pytester.runpytest_subprocess("-p", "no:benchmark", "--perfbench-store", store,
                                             "--perfbench-compare", "main", "--perfbench-save", "main")
    compared.assert_outcomes(passed=2)
    assert compared.ret == pytest.ExitCode.TESTS_FAILED
    summary = "\n".join(_summary(compared))
    assert re.search(r"test_timed.py::test_add_up .*slower \+\d+\.\d %", summary)
    assert re.search(r"compared with baseline 'main' = run 1 .*: .*\d slower", summary)
    assert re.search(r"REGRESSION test_timed.py::test_add_up: slower \+\d+", summary)
    # (test_unchanged's verdict is not asserted: an unchanged function's reads on a loaded machine.)
    assert [run for run, *_ in _store_results(Path(store))] == [1, 1, 2, 2]
    assert "baseline 'main' not saved: the comparison found a regression (to accept it: python -m perfbench " \
           f"baseline accept main --run 2 --store {store} --reason WHY)" in summary
    with open_store(store, create=False) as opened:
        assert opened.baseline("main").run_id == 1  # the regression was not accepted unseen


def test_a_baseline_that_does_not_exist_stops_the_session_before_any_test(pytester: pytest.Pytester) -> None:
    _write(pytester, """
        def test_add_up(perfbench):
            perfbench(add_up, WORK, budget="0.02s")
    """)
    store = str(pytester.path / "results.db")
    assert pytester.runpytest_subprocess("-p", "no:benchmark", "--perfbench-store", store).ret == 0
    result = pytester.runpytest_subprocess("-p", "no:benchmark", "--perfbench-store", store, "--perfbench-compare", "mian")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.re_match_lines([r"ERROR: --perfbench-compare: 'mian' is neither a baseline nor a run id in .*"])
    assert [run for run, *_ in _store_results(Path(store))] == [1]


def test_no_baseline_is_saved_from_a_session_with_a_failed_test(pytester: pytest.Pytester) -> None:
    _write(pytester, """
        def test_add_up(perfbench):
            perfbench(add_up, WORK, budget="0.02s")

        def test_broken():
            assert False
    """)
    store = pytester.path / "results.db"
    result = pytester.runpytest_subprocess("-p", "no:benchmark", "--perfbench-store", str(store), "--perfbench-save", "main")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    assert "baseline 'main' not saved: a test failed (fix it, then save)" in _summary(result)
    with open_store(store, create=False) as opened:
        assert opened.baselines() == [] and len(opened.runs()) == 1


def test_disabled_calls_each_function_once_untimed(pytester: pytest.Pytester) -> None:
    _write(pytester, """
        def test_add_up(perfbench):
            m = perfbench(add_up, WORK, budget="5s")
            assert isinstance(m, Untimed) and not perfbench.enabled
            assert (m.result, m.reason, m.median) == (sum(range(WORK)), "--perfbench-disable", None)
            assert CALLS == [WORK]
            assert perfbench.assert_sla(m, "median < 1ns") == []
    """)
    store = pytester.path / "results.db"
    result = pytester.runpytest_subprocess("-p", "no:benchmark", "--perfbench-disable", "--perfbench-store", str(store))
    result.assert_outcomes(passed=1)
    summary = _summary(result)
    assert re.fullmatch(r"test_timed.py::test_add_up +untimed +1 not judged \(untimed\)", summary[1])
    assert "untimed: --perfbench-disable" in summary
    assert not store.exists()


def test_under_xdist_nothing_is_timed_and_one_notice_says_so(pytester: pytest.Pytester) -> None:
    _write(pytester, """
        @pytest.mark.parametrize("n", [1, 2, 3, 4])
        def test_add_up(perfbench, n):
            m = perfbench(add_up, n)
            assert isinstance(m, Untimed) and m.reason == "pytest-xdist worker"
    """)
    store = pytester.path / "results.db"
    result = pytester.runpytest_subprocess("-p", "no:benchmark", "-p", "xdist", "-n", "2",
                                           "--perfbench-store", str(store))
    result.assert_outcomes(passed=4)
    notices = [line for line in result.outlines if "timing disabled under pytest-xdist" in line]
    assert notices == ["timing disabled under pytest-xdist (2 workers): each function ran once, untimed; "
                       "pass --perfbench-force to time anyway"]
    assert sum(1 for line in _summary(result) if re.match(r"test_timed.py::test_add_up\[\d\] +untimed", line)) == 4
    assert not store.exists()


def test_under_xdist_force_times_in_the_workers_and_the_controller_stores(pytester: pytest.Pytester) -> None:
    _write(pytester, """
        @pytest.mark.parametrize("n", [100, 200])
        def test_add_up(perfbench, n):
            m = perfbench(add_up, n, budget="0.03s")
            assert not isinstance(m, Untimed)
            perfbench.assert_sla(m, "median > 0ns")
    """)
    store = pytester.path / "results.db"
    result = pytester.runpytest_subprocess("-p", "no:benchmark", "-p", "xdist", "-n", "2", "--perfbench-force",
                                           "--perfbench-store", str(store))
    result.assert_outcomes(passed=2)
    assert not any("timing disabled" in line for line in result.outlines)
    stored = sorted((name, samples) for _, _, name, samples in _store_results(store))
    assert [name for name, _ in stored] == ["test_timed.py::test_add_up[100]", "test_timed.py::test_add_up[200]"]
    summary = _summary(result)
    for name, samples in stored:  # what the workers measured reached the controller whole
        row = next(line for line in summary if line.startswith(name + " "))
        assert f"  {samples}  " in row and "median > 0ns: PASS" in row


def test_a_session_that_never_uses_the_plugin_sees_nothing_of_it(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_plain="def test_plain():\n    pass\n")
    result = pytester.runpytest_subprocess("-p", "no:benchmark")
    result.assert_outcomes(passed=1)
    assert not any(re.fullmatch(r"-+ perfbench -+", line) for line in result.outlines)  # no summary section


def test_importing_the_plugin_loads_neither_numpy_nor_the_core() -> None:
    code = ("import sys, perfbench.pytest_plugin; "
            "print(sorted(m for m in ('numpy', 'perfbench._core', 'scipy') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
