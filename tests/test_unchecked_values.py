"""Values that would break the system are refused up front: exit 2, one line, before anything
runs. Infinite or huge quantities (units.py states each family's bound), NUL bytes in config
strings, and an output directory that cannot be made."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import assert_one_line_error
from perfbench.config import load_config
from perfbench.errors import ConfigError, UnitError
from perfbench.units import parse_byte_rate, parse_duration, parse_percent, parse_rate, parse_size

# A project whose only benchmark would show if it ran: it creates a file.
PROJECT = """
[lanes.t]
iterations = 1
warmup = 0
timeout = "{timeout}"

[[benchmark]]
name = "touch"
lane = "t"
command = ["touch", "ran"]
"""


def assert_nothing_ran(tmp_path: Path) -> None:
    assert not (tmp_path / "ran").exists() and not (tmp_path / ".perfbench").exists()


@pytest.mark.parametrize(("parse", "text", "bound"), [
    (parse_duration, "1e999s", "8760h (a year)"),
    (parse_duration, "1000000000000h", "8760h (a year)"),
    (parse_duration, "8761h", "8760h (a year)"),
    (parse_size, "1e999B", "1000TB"),
    (parse_size, "2000TB", "1000TB"),
    (parse_percent, "1e999%", "1000000%"),
    (parse_rate, "1e999/s", "1000G/s"),
    (parse_byte_rate, "1e999MB/s", "1000TB/s"),
], ids=["infinite-duration", "huge-duration", "just-beyond-a-year", "infinite-size", "huge-size", "infinite-percent",
        "infinite-rate", "infinite-byte-rate"])
def test_parsers_refuse_values_beyond_their_stated_bound(parse, text: str, bound: str) -> None:
    with pytest.raises(UnitError) as caught:
        parse(text)
    assert str(caught.value).startswith(f"{text!r} is beyond the largest ")
    assert str(caught.value).endswith(f" perfbench accepts, {bound}")


def test_parsers_accept_values_at_their_bound() -> None:
    assert parse_duration("8760h") == 365 * 24 * 3600
    assert parse_size("1000TB") == 1e15
    assert parse_percent("1000000%") == 1e4
    assert parse_rate("1000G/s") == 1e12
    assert parse_byte_rate("1000TB/s") == 1e15


@pytest.mark.parametrize(("flags", "fragments"), [
    (["--timeout", "1e999s"], ["--timeout: '1e999s' is beyond the largest duration", "8760h"]),
    (["--timeout", "1000000000000h"], ["--timeout: '1000000000000h' is beyond the largest duration"]),
    (["--budget", "1e999s"], ["--budget: '1e999s' is beyond the largest duration"]),
    (["--iterations", "1000000000000"], ["--iterations: must be at most 1,000,000"]),
], ids=["infinite-timeout", "huge-timeout", "infinite-budget", "huge-iterations"])
def test_run_refuses_out_of_range_flags_before_running(run_cli, write_module, tmp_path: Path, flags: list[str],
                                                       fragments: list[str]) -> None:
    write_module("perfbench.toml", PROJECT.format(timeout="10s"))
    assert_one_line_error(run_cli("run", *flags), *fragments)
    assert_nothing_ran(tmp_path)


def test_run_refuses_a_huge_timeout_in_the_config_before_running(run_cli, write_module, tmp_path: Path) -> None:
    write_module("perfbench.toml", PROJECT.format(timeout="1000000000000h"))
    assert_one_line_error(run_cli("run"), "perfbench.toml: lanes.t.timeout: '1000000000000h' is beyond the largest")
    assert_nothing_ran(tmp_path)


@pytest.mark.parametrize(("benchmark_line", "key"), [
    ('command = "echo a\\u0000b"', "benchmark[0].command"),
    ('command = ["echo", "a\\u0000b"]', "benchmark[0].command[1]"),
    ('command = "true"\nsetup = "touch \\u0000"', "benchmark[0].setup"),
    ('command = "true"\nenv = { GREETING = "hi\\u0000there" }', "benchmark[0].env.GREETING"),
    ('command = "true"\ncwd = "sub\\u0000dir"', "benchmark[0].cwd"),
], ids=["command-string", "command-argv", "setup", "env-value", "cwd"])
def test_a_nul_byte_in_a_config_string_is_refused(tmp_path: Path, benchmark_line: str, key: str) -> None:
    path = tmp_path / "perfbench.toml"
    path.write_text(f'[lanes.t]\n[[benchmark]]\nname = "n"\nlane = "t"\n{benchmark_line}\n')
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    message = str(caught.value)
    assert caught.value.key == key and "\n" not in message and "\0" not in message
    assert "contains a NUL byte (\\u0000)" in message and "remove it" in message


def test_a_nul_byte_in_a_lane_env_is_refused_by_run(run_cli, write_module, tmp_path: Path) -> None:
    write_module("perfbench.toml", PROJECT.format(timeout="10s").replace("warmup = 0", 'env = { X = "\\u0000" }'))
    assert_one_line_error(run_cli("run"), "lanes.t.env.X", "NUL byte")
    assert_nothing_ran(tmp_path)


def test_an_output_dir_that_is_a_file_is_refused_before_running(run_cli, write_module, tmp_path: Path) -> None:
    write_module("perfbench.toml", PROJECT.format(timeout="10s"))
    (tmp_path / "out").write_text("a file\n")
    assert_one_line_error(run_cli("run", "--output-dir", "out"), "--output-dir: 'out' is a file, not a directory")
    assert_one_line_error(run_cli("run", "--output-dir", "out/reports"),
                          "--output-dir: 'out/reports' is inside 'out', which is a file")
    assert_nothing_ran(tmp_path)


def test_a_config_output_dir_that_is_a_file_names_the_key(run_cli, write_module, tmp_path: Path) -> None:
    write_module("perfbench.toml", 'output_dir = "out"\n' + PROJECT.format(timeout="10s"))
    (tmp_path / "out").write_text("a file\n")
    assert_one_line_error(run_cli("run"), "perfbench.toml: output_dir:", "is a file, not a directory")
    assert_nothing_ran(tmp_path)


def test_a_bad_decorator_budget_names_the_function(run_cli, write_module, tmp_path: Path) -> None:
    write_module("benchmarks/bench_budget.py", """
        import perfbench

        @perfbench.benchmark(budget="1e999s")
        def endless():
            pass
        """)
    assert_one_line_error(run_cli("run"), "bench_budget.py", "@benchmark endless.budget: '1e999s' is beyond the largest duration")
    assert not (tmp_path / ".perfbench").exists()
