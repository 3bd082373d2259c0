"""`regression_threshold` and `regression_severity`: globally, per lane, per benchmark and in the
decorator; each level over the one above it, and bad values refused where they are written."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from conftest import assert_one_line_error
from perfbench.config import load_config
from perfbench.definition.project import project_definitions
from perfbench.errors import ConfigError

SETTINGS = """\
regression_threshold = "4%"
regression_severity = "warning"

[lanes.inherits]

[lanes.own]
regression_threshold = "10%"
regression_severity = "critical"

[[benchmark]]
name = "plain"
lane = "own"
command = "true"

[[benchmark]]
name = "strict"
lane = "own"
command = "true"
regression_threshold = "2.5%"
regression_severity = "error"
"""


def write(directory: Path, text: str) -> Path:
    path = directory / "perfbench.toml"
    path.write_text(textwrap.dedent(text))
    return path


def test_each_level_overrides_the_one_above(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, SETTINGS))
    assert (config.defaults.regression_threshold, config.defaults.regression_severity) == (0.04, "warning")
    assert (config.lane("inherits").regression_threshold, config.lane("inherits").regression_severity) == (
        0.04, "warning")
    assert (config.lane("undeclared").regression_threshold, config.lane("undeclared").regression_severity) == (
        0.04, "warning")
    assert (config.lane("own").regression_threshold, config.lane("own").regression_severity) == (0.10, "critical")
    by_name = {c.name: c for c in config.commands}
    assert (by_name["plain"].regression_threshold, by_name["plain"].regression_severity) == (0.10, "critical")
    assert (by_name["strict"].regression_threshold, by_name["strict"].regression_severity) == (0.025, "error")
    definitions = {d.name: d for d in project_definitions(tmp_path, config)}
    assert (definitions["strict"].regression_threshold, definitions["strict"].regression_severity) == (0.025, "error")


def test_nothing_set_leaves_the_comparisons_default(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, "[lanes.docs]\n"))
    assert config.lane("docs").regression_threshold is None
    assert config.lane("docs").regression_severity == "error"


def test_defaults_table_is_the_same_as_the_top_level(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, '[defaults]\nregression_threshold = "7%"\n[lanes.docs]\n'))
    assert config.lane("docs").regression_threshold == 0.07


@pytest.mark.parametrize(("text", "key", "fragment"), [
    ('regression_threshold = "5"', "regression_threshold", "a percentage such as 30%"),
    ("regression_threshold = 0.05", "regression_threshold", "write the unit"),
    ('regression_threshold = "0%"', "regression_threshold", "greater than zero"),
    ('regression_threshold = "100%"', "regression_threshold", "above 0 and below 100 %"),
    ('[lanes.docs]\nregression_threshold = "250%"', "lanes.docs.regression_threshold", "below 100 %"),
    ('[lanes.docs]\nregression_threshold = "fast"', "lanes.docs.regression_threshold", "a percentage"),
    ('[lanes.docs]\n[[benchmark]]\nname = "b"\nlane = "docs"\ncommand = "true"\nregression_threshold = "-5%"',
     "benchmark[0].regression_threshold", "is not a percentage"),
    ('regression_severity = "fatal"', "regression_severity", "'warning', 'error', 'critical'"),
    ('[lanes.docs]\nregression_severity = 1', "lanes.docs.regression_severity", "is not a severity"),
    ('regression_threshold = "5%"\n[defaults]\nregression_threshold = "6%"', "defaults.regression_threshold",
     "also set at the top level"),
], ids=["no-unit", "a-number", "zero", "hundred", "above-hundred", "a-word", "negative", "unknown-severity",
        "severity-number", "set-twice"])
def test_a_bad_value_names_the_key_and_what_is_accepted(tmp_path: Path, text: str, key: str, fragment: str) -> None:
    path = write(tmp_path, text + "\n")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    message = str(caught.value)
    assert caught.value.key == key, message
    assert "\n" not in message and fragment in message, message


def test_the_decorator_sets_them_over_the_lane(tmp_path: Path) -> None:
    (tmp_path / "benchmarks").mkdir()
    (tmp_path / "benchmarks" / "bench_settings.py").write_text(textwrap.dedent("""\
        import perfbench

        @perfbench.benchmark(lane="own", regression_threshold="20%", regression_severity="warning")
        def marked():
            pass

        @perfbench.benchmark(lane="own")
        def unmarked():
            pass
    """))
    config = load_config(write(tmp_path, '[lanes.own]\nregression_threshold = "3%"\n'))
    definitions = {d.name: d for d in project_definitions(tmp_path, config)}
    assert (definitions["marked"].regression_threshold, definitions["marked"].regression_severity) == (0.2, "warning")
    assert (definitions["unmarked"].regression_threshold, definitions["unmarked"].regression_severity) == (
        0.03, "error")


@pytest.mark.parametrize(("argument", "fragment"), [
    ('regression_threshold="5"', "a percentage such as 30%"),
    ('regression_severity="loud"', "is not a severity"),
], ids=["threshold", "severity"])
def test_a_bad_decorator_value_exits_2_naming_the_function(run_cli, tmp_path: Path, argument: str,
                                                           fragment: str) -> None:
    (tmp_path / "benchmarks").mkdir()
    (tmp_path / "benchmarks" / "bench_bad.py").write_text(
        f"import perfbench\n\n@perfbench.benchmark({argument})\ndef fast():\n    pass\n")
    key = argument.split("=")[0]
    assert_one_line_error(run_cli("list"), "bench_bad.py", f"@benchmark fast.{key}", fragment)
