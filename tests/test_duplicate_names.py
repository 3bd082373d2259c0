"""Two benchmarks with one name in one lane are refused before anything runs: exit 2, one
line naming both definitions and the fix (they used to run in full, then collide in the store)."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import assert_one_line_error

DECORATED = """
import perfbench

@perfbench.benchmark(lane="fast", name="{name}", params={params}, budget="20ms")
def {function}(**params):
    pass
"""


def assert_nothing_ran(tmp_path: Path) -> None:
    assert not (tmp_path / ".perfbench").exists() and not (tmp_path / "reports").exists()


def test_two_decorated_functions_with_one_name_and_lane(write_module, run_cli, tmp_path: Path) -> None:
    write_module("benchmarks/bench_a.py", DECORATED.format(name="parse", params=None, function="parse_json"))
    write_module("benchmarks/bench_b.py", DECORATED.format(name="parse", params=None, function="parse_yaml"))
    completed = run_cli("run", "--quick")
    assert_one_line_error(completed, "two benchmarks named 'parse' in lane 'fast'", "bench_a.py: function parse_json",
                          "bench_b.py: function parse_yaml", "@perfbench.benchmark(name=...)")
    assert_nothing_ran(tmp_path)


@pytest.mark.parametrize(("values", "fragment"), [
    ("['1', '1']", "its params list n='1' twice; list each value once"),
    ("[1, '1']", "values 1 and '1' of 'n' both print as n=1"),
])
def test_params_whose_values_print_alike(write_module, run_cli, tmp_path: Path, values: str, fragment: str) -> None:
    write_module("benchmarks/bench_a.py", DECORATED.format(name="grow", params="{'n': " + values + "}",
                                                           function="grow"))
    completed = run_cli("run", "--quick")
    assert_one_line_error(completed, "bench_a.py: function grow gives two benchmarks named 'grow[n=1]'", fragment)
    assert_nothing_ran(tmp_path)


def test_a_swept_parameter_that_repeats_a_size(write_module, run_cli, tmp_path: Path) -> None:
    # [1, 1] is numeric, so it is a sweep; the decorator refuses the repeated size where it is written
    write_module("benchmarks/bench_a.py", DECORATED.format(name="grow", params="{'n': [1, 1]}", function="grow"))
    assert_one_line_error(run_cli("run", "--quick"), "bench_a.py", "params['n'] repeats 1")
    assert_nothing_ran(tmp_path)


def test_a_decorated_function_named_like_a_configured_command(write_module, run_cli, tmp_path: Path) -> None:
    write_module("benchmarks/bench_a.py", DECORATED.format(name="build", params=None, function="build_in_python"))
    write_module("perfbench.toml", """
        [lanes.fast]
        iterations = 1

        [[benchmark]]
        name = "other"
        lane = "fast"
        command = "true"

        [[benchmark]]
        name = "build"
        lane = "fast"
        command = "true"
        """)
    completed = run_cli("list")
    assert_one_line_error(completed, "two benchmarks named 'build' in lane 'fast'",
                          "bench_a.py: function build_in_python", "perfbench.toml: benchmark[1]",
                          '@perfbench.benchmark(name=...) or its name = "..." in')
    completed = run_cli("run", "--quick")
    assert_one_line_error(completed, "perfbench.toml: benchmark[1]")
    assert_nothing_ran(tmp_path)


def test_the_same_name_in_two_lanes_is_fine(write_module, run_cli) -> None:
    write_module("benchmarks/bench_a.py", DECORATED.format(name="parse", params=None, function="parse_json"))
    write_module("benchmarks/bench_b.py", DECORATED.format(name="parse", params=None, function="parse_yaml")
                 .replace('lane="fast"', 'lane="slow"'))
    completed = run_cli("list")
    assert completed.returncode == 0, completed.stderr
    assert "lane fast (1 benchmarks)" in completed.stdout and "lane slow (1 benchmarks)" in completed.stdout


def test_a_builtin_lane_picked_twice_runs_once(run_cli, tmp_path: Path) -> None:
    from perfbench.definition.project import Overrides, Selection, select

    once = select(tmp_path, None, Selection(lanes=("core",)), Overrides(quick=True))
    twice = select(tmp_path, None, Selection(lanes=("core", "builtin:core")), Overrides(quick=True))
    assert [d.key for d in twice] == [d.key for d in once]
