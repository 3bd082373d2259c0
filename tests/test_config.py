"""Configuration: perfbench.toml / [tool.perfbench] into frozen dataclasses; one test per
error kind (exact key path, and the accepted forms in the message); discovery; the CLI."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from conftest import assert_one_line_error
from perfbench.config import CommandBenchmark, Config, LaneConfig, find_config, load_config, load_config_for
from perfbench.errors import ConfigError
from perfbench.sla import SlaRule, rule, tiers
from perfbench.units import DURATION_HELP, SIZE_HELP

DATA = Path(__file__).parent / "data"


def write(directory: Path, text: str, name: str = "perfbench.toml") -> Path:
    path = directory / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))
    return path


def error_for(tmp_path: Path, text: str, name: str = "perfbench.toml") -> ConfigError:
    path = write(tmp_path, text, name)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    error = caught.value
    message = str(error)
    assert "\n" not in message, message
    assert message.startswith(f"{path.resolve()}: "), message
    return error


def assert_error(error: ConfigError, key: str | None, *fragments: str) -> None:
    """The key path is exact; the message (after `file: key: `) holds every fragment."""
    assert error.key == key, str(error)
    message = str(error)
    if key is not None:
        assert f": {key}: " in message, message
    for fragment in fragments:
        assert fragment in message, message


# --- what a config becomes ---------------------------------------------------------------


def test_an_empty_file_gives_the_documented_defaults(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, ""))
    assert config == Config(
        path=tmp_path / "perfbench.toml", base_dir=tmp_path, benchmarks_dir=tmp_path / "benchmarks", store=None,
        output_dir=None, fail_on_unsure=False, lanes={}, commands=(), defaults=LaneConfig(name="", cwd=tmp_path),
    )
    lane = config.lane("undeclared")
    assert (lane.name, lane.iterations, lane.warmup, lane.timeout_seconds, lane.budget_seconds,
            lane.metrics_interval_seconds, lane.memory_limit_bytes) == ("undeclared", 5, 1, 1800.0, 0.5, 0.1, None)


def test_a_definition_and_a_lane_that_say_nothing_share_one_default_timeout(tmp_path: Path) -> None:
    from perfbench.builtin import ITERATION_TIMEOUT_SECONDS, default_lanes
    from perfbench.definition.suite import BenchmarkDefinition, PythonTarget

    definition = BenchmarkDefinition(name="b", lane="l", target=PythonTarget("bench.py", "b"))
    lane = load_config(write(tmp_path, "")).lane("any")
    assert (definition.timeout_seconds, definition.metrics_interval_seconds) == (
        lane.timeout_seconds, lane.metrics_interval_seconds) == (1800.0, 0.1)  # README: timeout "30m"
    # the built-in suite bounds its own iterations tighter
    assert max(d.timeout_seconds for lane in default_lanes() for d in lane.benchmarks) == ITERATION_TIMEOUT_SECONDS


def test_values_resolve_from_defaults_to_lane_to_benchmark(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "site").mkdir()
    (tmp_path / "benches").mkdir()
    config = load_config(write(tmp_path, """
        benchmarks_dir = "benches"
        store = "results/db.sqlite"
        output_dir = "out"

        [defaults]
        iterations = 7
        timeout = "30m"
        memory_limit = "4GB"
        env = { LANG = "C", JOBS = "1" }
        sla = ["cv < 10%"]

        [lanes.docs]
        warmup = 0
        timeout = "10m"
        budget = "250ms"
        metrics_interval = "1s"
        env = { JOBS = "2" }
        cwd = "docs"
        sla = ["mean < 5m"]

        [[benchmark]]
        name = "docs-build"
        lane = "docs"
        command = "make docs"
        setup = ["make", "clean"]
        teardown = "rm -rf build"
        env = { SPHINXOPTS = "-W" }
        cwd = "site"
        timeout = "12m"
        sla = [{ rule = "p99 < 500s", severity = "critical" }]

        [[benchmark]]
        name = "docs-lint"
        lane = "docs"
        command = ["make", "lint"]
    """))
    assert (config.benchmarks_dir, config.store, config.output_dir) == (
        tmp_path / "benches", tmp_path / "results" / "db.sqlite", tmp_path / "out")
    docs = config.lanes["docs"]
    assert docs == LaneConfig(
        name="docs", cwd=tmp_path / "docs", iterations=7, warmup=0, timeout_seconds=600.0, budget_seconds=0.25,
        metrics_interval_seconds=1.0, memory_limit_bytes=4_000_000_000, env={"LANG": "C", "JOBS": "2"},
        sla=(rule("cv < 10%"), rule("mean < 5m")),
    )
    build, lint = config.commands
    assert build == CommandBenchmark(
        name="docs-build", lane="docs", command="make docs", setup=("make", "clean"), teardown="rm -rf build",
        env={"LANG": "C", "JOBS": "2", "SPHINXOPTS": "-W"}, cwd=tmp_path / "site", timeout_seconds=720.0,
        sla=(rule("cv < 10%"), rule("mean < 5m"), rule("p99 < 500s", severity="critical")),
    )
    assert (lint.command, lint.setup, lint.cwd, lint.timeout_seconds, lint.sla) == (
        ("make", "lint"), None, tmp_path / "docs", 600.0, docs.sla)
    assert build.key == "docs/docs-build"
    assert config.commands_in("docs") == (build, lint) and config.commands_in("other") == ()


def test_the_dataclasses_are_frozen_and_their_mappings_read_only(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, """
        [lanes.docs]
        env = { A = "1" }
    """))
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.lanes["docs"].iterations = 3  # type: ignore[misc]
    with pytest.raises(TypeError):
        config.lanes["docs"].env["A"] = "2"  # type: ignore[index]
    with pytest.raises(TypeError):
        config.lanes["new"] = config.lanes["docs"]  # type: ignore[index]


def test_sla_forms_rule_severity_and_tiers(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, """
        [lanes.docs]
        sla = [
          "mean < 5m",
          { rule = "p99 < 500s", severity = "critical" },
          { target = "p95 < 400s", acceptable = "p95 < 450s", critical = "p95 < 500s", name = "p95 budget" },
          { rule = "throughput > 10/s", severity = "warning", name = "keeps up" },
          "p99.9 < 2ms",
          "ticks_p99 <= 8",
        ]
    """))
    assert config.lanes["docs"].sla == (
        rule("mean < 5m"), rule("p99 < 500s", severity="critical"),
        tiers(target="p95 < 400s", acceptable="p95 < 450s", critical="p95 < 500s", name="p95 budget"),
        rule("throughput > 10/s", severity="warning", name="keeps up"), rule("p99.9 < 2ms"),
        rule("ticks_p99 <= 8"),
    )


def ci_lane(name: str, iterations: int, timeout: float, memory_limit: int | None, env: dict[str, str],
            rules: tuple[str, ...]) -> LaneConfig:
    return LaneConfig(name=name, cwd=DATA, iterations=iterations, warmup=0, timeout_seconds=timeout,
                      metrics_interval_seconds=1.0, memory_limit_bytes=memory_limit, env=env,
                      sla=tuple(rule(text) for text in rules))


def test_the_readme_ci_pipeline_parses_into_the_expected_dataclasses() -> None:
    config = load_config(DATA / "ci_pipeline.toml")
    docs = ci_lane("docs", 5, 600.0, None, {"SPHINXOPTS": "-j2"},
                   ("mean < 5m", "p95 < 400s", "p99 < 500s", "max_rss < 512MB", "cpu_avg < 30%"))
    standard = ci_lane("standard", 5, 1800.0, 4_000_000_000, {},
                       ("mean < 15m", "p95 < 1200s", "p99 < 1500s", "max_rss < 1GB", "cpu_avg < 50%"))
    heavy = ci_lane("heavy", 3, 2400.0, 8_000_000_000, {},
                    ("mean < 20m", "p95 < 1500s", "p99 < 1800s", "max_rss < 2GB", "cpu_avg < 70%"))
    assert config == Config(
        path=DATA / "ci_pipeline.toml", base_dir=DATA, benchmarks_dir=DATA / "benchmarks",
        store=DATA / ".perfbench" / "ci.db", output_dir=DATA / "reports" / "ci", fail_on_unsure=False,
        lanes={"docs": docs, "standard": standard, "heavy": heavy},
        commands=(
            CommandBenchmark(name="docs-build", lane="docs", command="make docs", setup="make clean-docs",
                             env={"SPHINXOPTS": "-j2"}, cwd=DATA, timeout_seconds=600.0, sla=docs.sla),
            CommandBenchmark(name="unit-and-integration", lane="standard",
                             command=("python", "-m", "pytest", "-q", "-m", "not heavy"), cwd=DATA,
                             timeout_seconds=1800.0, sla=standard.sla),
            CommandBenchmark(name="full-suite", lane="heavy", command=("python", "-m", "pytest", "-q"),
                             teardown="rm -rf .pytest-tmp", env={"PYTEST_ADDOPTS": "-p no:cacheprovider"},
                             cwd=DATA, timeout_seconds=2400.0, sla=heavy.sla),
        ),
        defaults=LaneConfig(name="", cwd=DATA, warmup=0, metrics_interval_seconds=1.0),
    )
    # the issue's figures, in base units: 5 min, 400 s, 500 s, 512 MB, 30 %
    assert [r.threshold.value for r in docs.sla if isinstance(r, SlaRule)] == [300e9, 400e9, 500e9, 512e6, 0.3]
    assert [r.threshold.value for r in heavy.sla if isinstance(r, SlaRule)] == [1200e9, 1500e9, 1800e9, 2e9, 0.7]


def test_the_scaled_down_ci_pipeline_parses() -> None:
    config = load_config(DATA / "ci_pipeline_small.toml")
    assert list(config.lanes) == ["docs", "standard", "heavy"]
    assert all(lane.iterations == 3 and lane.warmup == 1 and lane.metrics_interval_seconds == 0.02
               for lane in config.lanes.values())
    assert [r.threshold.value for r in config.lanes["docs"].sla if isinstance(r, SlaRule)] == [
        600e6, 800e6, 1000e6, 64e6, 0.3]
    assert [r.threshold.value for r in config.lanes["standard"].sla if isinstance(r, SlaRule)] == [
        1800e6, 2400e6, 3000e6, 128e6, 0.5]
    assert [r.threshold.value for r in config.lanes["heavy"].sla if isinstance(r, SlaRule)] == [
        2400e6, 3000e6, 3600e6, 256e6, 0.7]
    docs, standard, heavy = config.commands
    assert (docs.setup, docs.teardown, isinstance(docs.command, str)) == ("true", "true", True)
    assert standard.env == {"SLEEP_S": "0.3", "ALLOC_MB": "32"}
    assert heavy.env == {"SLEEP_S": "0.4", "ALLOC_MB": "64"}
    assert heavy.timeout_seconds == 5.0 and config.lanes["heavy"].memory_limit_bytes == 2_000_000_000
    assert heavy.sla[-1] == rule("max_rss < 512MB", severity="critical", name="heavy never doubles")


def test_the_scaled_down_ci_pipeline_commands_run_in_well_under_their_timeout() -> None:
    import os

    for command in load_config(DATA / "ci_pipeline_small.toml").commands:
        started = time.monotonic()
        completed = subprocess.run(command.command, shell=isinstance(command.command, str), cwd=command.cwd,
                                   env={**os.environ, **command.env}, capture_output=True, text=True,
                                   timeout=command.timeout_seconds)
        assert completed.returncode == 0, (command.key, completed.stderr)
        assert time.monotonic() - started < command.timeout_seconds / 2, command.key


# --- errors, one test per kind -------------------------------------------------------------


def test_invalid_toml_names_the_line_and_column(tmp_path: Path) -> None:
    error = error_for(tmp_path, """
        [lanes.docs]
        iterations = = 5
    """)
    assert_error(error, None, "invalid TOML at line 3, column 14", "Invalid value", "https://toml.io")


def test_invalid_toml_at_the_end_of_the_file_names_the_last_line(tmp_path: Path) -> None:
    error = error_for(tmp_path, '[lanes.docs]\nsla = ["mean < 5m",\n')
    assert_error(error, None, "invalid TOML at line 2 (end of file)")


def test_a_file_that_is_not_utf8_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "perfbench.toml"
    path.write_bytes(b"store = '\xff'\n")
    with pytest.raises(ConfigError, match="is not UTF-8 text"):
        load_config(path)


@pytest.mark.parametrize(("setting", "key", "expected"), [
    ('iterations = "five"', "iterations", 'expected a whole number >= 1, got "five"'),
    ("iterations = 0", "iterations", "expected a whole number >= 1, got 0"),
    ("iterations = 2.5", "iterations", "expected a whole number >= 1, got 2.5"),
    ("iterations = true", "iterations", "expected a whole number >= 1, got true"),
    ("warmup = -1", "warmup", "expected a whole number >= 0, got -1"),
    ("env = 3", "env", 'expected a table such as { SPHINXOPTS = "-j2" }, got 3'),
    ("cwd = 3", "cwd", 'expected a non-empty string such as "docs" or "../build", got 3'),
], ids=["string", "zero", "float", "bool", "negative-warmup", "env-not-table", "cwd-not-string"])
def test_a_wrong_type_names_the_key_the_value_and_what_is_accepted(tmp_path: Path, setting: str, key: str,
                                                                   expected: str) -> None:
    error = error_for(tmp_path, f"[lanes.docs]\n{setting}\n")
    assert_error(error, f"lanes.docs.{key}", expected)


@pytest.mark.parametrize(("setting", "key", "expected"), [
    ('timeout = "10 parsecs"', "timeout", f"'10 parsecs' is not {DURATION_HELP}"),
    ("timeout = 30", "timeout", f"30 is not {DURATION_HELP} (write the unit)"),
    ('budget = "0s"', "budget", '"0s" must be greater than zero, e.g. 30s or 10m'),
    ('metrics_interval = "100us"', "metrics_interval", "shorter than 1ms"),
    ('memory_limit = "4 gigs"', "memory_limit", f"'4 gigs' is not {SIZE_HELP}"),
    ('memory_limit = "4Gb"', "memory_limit", SIZE_HELP),
    ('memory_limit = "4B"', "memory_limit", '"4B" is below 1MB, smaller than any process; write a size such as 512MB'),
    ("timeout = 07:32:00", "timeout", f"07:32:00 is not {DURATION_HELP}"),
    ('timeout = "1e999s"', "timeout", "'1e999s' is beyond the largest duration perfbench accepts, 8760h (a year)"),
], ids=["duration", "bare-number", "zero", "interval-too-short", "size", "bits-not-bytes", "size-slip",
        "toml-time", "infinite"])
def test_a_bad_unit_names_the_key_and_the_accepted_forms(tmp_path: Path, setting: str, key: str,
                                                         expected: str) -> None:
    error = error_for(tmp_path, f"[lanes.docs]\n{setting}\n")
    assert_error(error, f"lanes.docs.{key}", expected)


def test_the_issue_example_of_a_bad_duration_reads_exactly(tmp_path: Path) -> None:
    error = error_for(tmp_path, '[lanes.docs]\ntimeout = "10 parsecs"\n')
    assert str(error) == (f"{tmp_path / 'perfbench.toml'}: lanes.docs.timeout: '10 parsecs' is not a duration "
                          "such as 250ns, 3us, 2ms, 0.5s, 5m or 1h")


@pytest.mark.parametrize(("text", "key", "hint"), [
    ("[lanes.docs]\niteratons = 5\n", "lanes.docs.iteratons", "unknown key; did you mean 'iterations'?"),
    ("lanez = {}\n", "lanez", "unknown key; did you mean 'lanes'?"),
    ("[defaults]\ntimout = '1m'\n", "defaults.timout", "did you mean 'timeout'?"),
    ("[lanes.docs]\n[[benchmark]]\nname = 'a'\nlane = 'docs'\ncomand = 'true'\n", "benchmark[0].comand",
     "did you mean 'command'?"),
    ("[lanes.docs]\nsla = [{ rule = 'p99 < 1s', severty = 'critical' }]\n", "lanes.docs.sla[0].severty",
     "did you mean 'severity'?"),
    ("[lanes.docs]\ncolour = 'blue'\n", "lanes.docs.colour",
     "unknown key; accepted keys: iterations, warmup, processes, timeout, budget, metrics_interval, memory_limit, env, cwd, sla"),
], ids=["lane", "top-level", "defaults", "benchmark", "sla-table", "no-close-match"])
def test_an_unknown_key_is_an_error_with_a_did_you_mean_hint(tmp_path: Path, text: str, key: str, hint: str) -> None:
    assert_error(error_for(tmp_path, text), key, hint)


def test_a_benchmark_in_an_undeclared_lane_suggests_a_declared_one(tmp_path: Path) -> None:
    error = error_for(tmp_path, """
        [lanes.docs]
        [lanes.standard]
        [[benchmark]]
        name = "build"
        lane = "dcos"
        command = "make"
    """)
    assert_error(error, "benchmark[0].lane", 'no lane named "dcos"; did you mean \'docs\'?',
                 "declared lanes: docs, standard")


def test_a_benchmark_when_no_lane_is_declared_says_how_to_declare_one(tmp_path: Path) -> None:
    error = error_for(tmp_path, '[[benchmark]]\nname = "build"\nlane = "docs"\ncommand = "make"\n')
    assert_error(error, "benchmark[0].lane", "no lanes are declared", "[lanes.docs]")


def test_duplicate_benchmark_names_in_a_lane_are_refused(tmp_path: Path) -> None:
    error = error_for(tmp_path, """
        [lanes.docs]
        [lanes.heavy]
        [[benchmark]]
        name = "build"
        lane = "docs"
        command = "make"
        [[benchmark]]
        name = "build"
        lane = "heavy"
        command = "make"
        [[benchmark]]
        name = "build"
        lane = "docs"
        command = "make all"
    """)
    assert_error(error, "benchmark[2].name", '"build" is already the name of benchmark[0] in lane "docs"',
                 "names must be unique within a lane")


@pytest.mark.parametrize(("sla", "key", "accepted"), [
    ('["p99 <"]', "lanes.docs.sla[0]", "is not a rule such as 'p99 < 2ms', 'mean < 5m'"),
    ('[{ rule = "p99 ~ 2ms" }]', "lanes.docs.sla[0].rule", "is not a rule such as 'p99 < 2ms'"),
    ('[{ target = "p99 < 2 parsecs" }]', "lanes.docs.sla[0].target", "duration (2ms), size (512MB)"),
    ('[42]', "lanes.docs.sla[0]", "expected a rule, got 42; an SLA is an array of rules"),
], ids=["string", "rule-table", "tier", "not-a-rule"])
def test_a_malformed_sla_rule_gives_the_rule_error_with_examples(tmp_path: Path, sla: str, key: str,
                                                                 accepted: str) -> None:
    error = error_for(tmp_path, f"[lanes.docs]\nsla = {sla}\n")
    assert_error(error, key, accepted)


def test_sla_must_be_an_array(tmp_path: Path) -> None:
    error = error_for(tmp_path, '[lanes.docs]\nsla = "mean < 5m"\n')
    assert_error(error, "lanes.docs.sla", "expected an array of rules", 'write sla = ["mean < 5m"]')


def test_an_sla_table_needs_a_rule_or_a_target(tmp_path: Path) -> None:
    error = error_for(tmp_path, '[lanes.docs]\nsla = [{ severity = "error" }]\n')
    assert_error(error, "lanes.docs.sla[0]", "missing key 'rule' or 'target'", 'rule = "p99 < 500s"')


def test_an_unknown_severity_lists_the_severities(tmp_path: Path) -> None:
    error = error_for(tmp_path, '[lanes.docs]\nsla = [{ rule = "p99 < 1s", severity = "critcal" }]\n')
    assert_error(error, "lanes.docs.sla[0].severity", '"critcal" is not a severity; did you mean \'critical\'?',
                 "accepted: warning, error, critical")


def test_tiers_on_different_metrics_are_refused(tmp_path: Path) -> None:
    error = error_for(tmp_path, '[lanes.docs]\nsla = [{ target = "p95 < 400s", acceptable = "p99 < 450s" }]\n')
    assert_error(error, "lanes.docs.sla[0].acceptable", "all tiers must judge the same metric",
                 'target = "p95 < 400s", acceptable = "p95 < 450s"')


@pytest.mark.parametrize(("tiers_text", "key", "problem"), [
    ('target = "p95 < 400s", acceptable = "p95 < 350s"', "lanes.docs.sla[0]", "tiers must loosen"),
    ('target = "p95 < 400s", critical = "p95 > 500s"', "lanes.docs.sla[0].critical", "must bound p95 the same way"),
], ids=["tighter-than-target", "other-direction"])
def test_tiers_must_loosen_the_same_way(tmp_path: Path, tiers_text: str, key: str, problem: str) -> None:
    error = error_for(tmp_path, f'[lanes.docs]\nsla = [{{ {tiers_text} }}]\n')
    assert_error(error, key, problem)
    assert 'e.g. target = "p95 < 400s", acceptable = "p95 < 450s", critical = "p95 < 500s"' in str(error)


@pytest.mark.parametrize("metric", ["p100", "p0", "p99x", "latency_p9.9.9"])
def test_percentile_like_metric_names_must_parse(tmp_path: Path, metric: str) -> None:
    error = error_for(tmp_path, f'[lanes.docs]\nsla = ["{metric} < 1s"]\n')
    assert_error(error, "lanes.docs.sla[0]", f"{metric!r} is not a percentile; write p50, p90, p95, p99")


@pytest.mark.parametrize(("expression", "accepted"), [
    ("mean < 5", "a duration such as"), ("max_rss < 30%", "a size such as"), ("cpu_avg < 2s", "a percentage"),
    ("throughput > 5MB", "a rate such as 10/s"), ("ticks_p99 < 8ns", "a number of ticks"),
    ("items_per_s > 1GB/s", "a rate such as 10/s"), ("bytes_per_s > 1M/s", "a byte rate such as 100MB/s"),
    ("alloc_bytes_per_op < 1000", "a size such as"), ("alloc_blocks_per_op < 1KB", "a number such as 3"),
    ("exponent < 1s", "a number or a percentage"), ("instructions_per_op < 2ms", "a number such as 3"),
])
def test_runner_metrics_need_a_threshold_in_their_unit(tmp_path: Path, expression: str, accepted: str) -> None:
    error = error_for(tmp_path, f'[lanes.docs]\nsla = ["{expression}"]\n')
    assert_error(error, "lanes.docs.sla[0]", accepted)


@pytest.mark.parametrize(("expression", "hint"), [
    ("medain < 1s", "did you mean 'median'?"), ("max_rs < 1GB", "did you mean 'max_rss'?"),
    ("queue.depth <= 40", "no metric named 'queue.depth'"),
], ids=["medain", "max_rs", "unknown"])
def test_an_unknown_metric_is_refused_where_it_is_written(tmp_path: Path, expression: str, hint: str) -> None:
    # a project's benchmarks (Python functions, commands) report a known set of figures:
    # any other name is a typo, refused before anything runs
    error = error_for(tmp_path, f'[lanes.api]\nsla = ["error_rate < 1%", "{expression}"]\n')
    assert_error(error, "lanes.api.sla[1]", hint)


def test_a_typo_in_an_sla_metric_exits_2_before_anything_runs(run_cli, tmp_path: Path) -> None:
    write(tmp_path, '[lanes.docs]\nsla = ["medain < 1s"]\n[[benchmark]]\nname = "b"\nlane = "docs"\n'
                    'command = "touch ran"\n')
    assert_one_line_error(run_cli("run"), "perfbench.toml", "lanes.docs.sla[0]", "did you mean 'median'?")
    assert not (tmp_path / "ran").exists()


def test_a_typo_in_a_decorator_sla_metric_exits_2_naming_the_function(run_cli, tmp_path: Path) -> None:
    (tmp_path / "benchmarks").mkdir()
    (tmp_path / "benchmarks" / "bench_typo.py").write_text(
        "import perfbench\n\n@perfbench.benchmark(sla=['p99 < 1ms', 'medain < 1s'])\ndef fast():\n    pass\n")
    assert_one_line_error(run_cli("run"), "bench_typo.py", "@benchmark fast.sla[1]", "did you mean 'median'?")


@pytest.mark.parametrize(("where", "key"), [
    ('[lanes.docs]\ncwd = "nowhere"\n', "lanes.docs.cwd"),
    ('[lanes.docs]\n[[benchmark]]\nname = "b"\nlane = "docs"\ncommand = "true"\ncwd = "nowhere"\n',
     "benchmark[0].cwd"),
    ('benchmarks_dir = "nowhere"\n', "benchmarks_dir"),
], ids=["lane", "benchmark", "benchmarks_dir"])
def test_a_cwd_that_does_not_exist_is_refused(tmp_path: Path, where: str, key: str) -> None:
    error = error_for(tmp_path, where)
    assert_error(error, key, '"nowhere" does not exist', f"resolved to {tmp_path / 'nowhere'}",
                 "relative to the directory of the configuration file")


def test_a_cwd_that_is_a_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("")
    error = error_for(tmp_path, '[lanes.docs]\ncwd = "notes.txt"\n')
    assert_error(error, "lanes.docs.cwd", '"notes.txt" is not a directory')


@pytest.mark.parametrize(("command", "key"), [
    ('""', "benchmark[0].command"), ('"   "', "benchmark[0].command"), ("[]", "benchmark[0].command"),
    ('["", "docs"]', "benchmark[0].command[0]"),
], ids=["empty-string", "blank", "empty-array", "empty-program"])
def test_an_empty_command_is_refused(tmp_path: Path, command: str, key: str) -> None:
    error = error_for(tmp_path, f'[lanes.docs]\n[[benchmark]]\nname = "b"\nlane = "docs"\ncommand = {command}\n')
    assert_error(error, key, "empty", 'a string run by /bin/sh -c, such as "make docs"', '["make", "docs"]')


def test_a_command_of_the_wrong_type_is_refused(tmp_path: Path) -> None:
    error = error_for(tmp_path, '[lanes.docs]\n[[benchmark]]\nname = "b"\nlane = "docs"\nsetup = ["make", 1]\n'
                                'command = "make"\n')
    assert_error(error, "benchmark[0].setup[1]", "expected a string, got 1", "an array of strings run as argv")


@pytest.mark.parametrize("missing", ["name", "lane", "command"])
def test_a_missing_required_key_is_named(tmp_path: Path, missing: str) -> None:
    fields = {"name": 'name = "b"', "lane": 'lane = "docs"', "command": 'command = "make"'}
    del fields[missing]
    error = error_for(tmp_path, "[lanes.docs]\n[[benchmark]]\n" + "\n".join(fields.values()) + "\n")
    assert_error(error, "benchmark[0]", f"missing key {missing!r}; a [[benchmark]] needs name, lane, command")
    assert f"benchmark[0]: missing key {missing!r}" in str(error)


def test_benchmark_must_be_an_array_of_tables(tmp_path: Path) -> None:
    error = error_for(tmp_path, '[lanes.docs]\n[benchmark]\nname = "b"\n')
    assert_error(error, "benchmark", "expected [[benchmark]] entries (an array of tables), got a table",
                 "double brackets")


def test_environment_values_must_be_strings(tmp_path: Path) -> None:
    error = error_for(tmp_path, "[lanes.docs]\nenv = { JOBS = 2 }\n")
    assert_error(error, "lanes.docs.env.JOBS", 'expected a string value, got 2', 'write JOBS = "2"')
    error = error_for(tmp_path, '[lanes.docs]\nenv = { JOBS = { n = "2" } }\n')
    assert_error(error, "lanes.docs.env.JOBS", "expected a string value, got a table; environment values are strings")


@pytest.mark.parametrize(("text", "key"), [
    ('[lanes."docs build"]\n', 'lanes."docs build"'),
    ('[lanes.docs]\n[[benchmark]]\nname = "a/b"\nlane = "docs"\ncommand = "true"\n', "benchmark[0].name"),
], ids=["lane", "benchmark"])
def test_names_must_be_usable_as_result_keys(tmp_path: Path, text: str, key: str) -> None:
    assert_error(error_for(tmp_path, text), key, "is not a valid name; use letters, digits, '_', '-' and '.'")


def test_tool_perfbench_in_perfbench_toml_says_where_it_belongs(tmp_path: Path) -> None:
    error = error_for(tmp_path, "[tool.perfbench.lanes.docs]\n")
    assert_error(error, "tool", "[tool.perfbench] belongs in a pyproject.toml", "write its keys at the top level")


def test_errors_in_pyproject_name_the_tool_perfbench_key(tmp_path: Path) -> None:
    error = error_for(tmp_path, '[tool.perfbench.lanes.docs]\ntimeout = "10 parsecs"\n', name="pyproject.toml")
    assert_error(error, "tool.perfbench.lanes.docs.timeout", DURATION_HELP)


def test_a_pyproject_without_tool_perfbench_is_refused_when_given(tmp_path: Path) -> None:
    error = error_for(tmp_path, '[project]\nname = "x"\n', name="pyproject.toml")
    assert_error(error, None, "has no [tool.perfbench] table")


# --- discovery -------------------------------------------------------------------------------


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project root marked by `.git`, so the walk up never leaves the temporary directory."""
    (tmp_path / "project" / ".git").mkdir(parents=True)
    return tmp_path / "project"


def test_perfbench_toml_is_found_from_a_subdirectory(project: Path) -> None:
    path = write(project, "[lanes.docs]\n")
    (project / "src" / "deep").mkdir(parents=True)
    assert find_config(project / "src" / "deep") == path
    config = load_config_for(project / "src" / "deep", None)
    assert config is not None and list(config.lanes) == ["docs"] and config.base_dir == project


def test_tool_perfbench_in_pyproject_is_found(project: Path) -> None:
    path = write(project, '[project]\nname = "x"\n[tool.perfbench.lanes.docs]\niterations = 3\n',
                 name="pyproject.toml")
    (project / "src").mkdir()
    assert find_config(project / "src") == path
    config = load_config_for(project / "src", None)
    assert config is not None and config.lanes["docs"].iterations == 3


def test_a_pyproject_without_tool_perfbench_is_passed_over(project: Path) -> None:
    path = write(project, "[lanes.docs]\n")
    write(project / "pkg", '[project]\nname = "pkg"\n', name="pyproject.toml")
    assert find_config(project / "pkg") == path


def test_perfbench_toml_wins_over_pyproject(project: Path) -> None:
    path = write(project, "[lanes.from_toml]\n")
    write(project, "[tool.perfbench.lanes.from_pyproject]\n", name="pyproject.toml")
    assert find_config(project) == path
    config = load_config_for(project, None)
    assert config is not None and list(config.lanes) == ["from_toml"]


def test_discovery_stops_at_the_git_directory(project: Path) -> None:
    write(project.parent, "[lanes.outside]\n")  # above the project: never used
    (project / "src").mkdir()
    assert find_config(project / "src") is None
    assert load_config_for(project / "src", None) is None


def test_the_directory_holding_git_is_still_checked(project: Path) -> None:
    path = write(project, "[lanes.docs]\n")
    assert find_config(project) == path


def test_an_explicit_config_path_is_used_relative_to_the_working_directory(project: Path) -> None:
    write(project, "[lanes.found]\n")
    write(project / "ci", "[lanes.explicit]\n", name="lanes.toml")
    config = load_config_for(project, Path("ci/lanes.toml"))
    assert config is not None and list(config.lanes) == ["explicit"] and config.base_dir == project / "ci"


def test_an_explicit_config_path_that_does_not_exist_is_a_config_error(project: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config_for(project, Path("missing.toml"))
    assert str(caught.value).startswith("missing.toml: does not exist; --config takes the path of a perfbench.toml")


def test_an_invalid_pyproject_met_during_discovery_is_reported(project: Path) -> None:
    write(project, "[tool.perfbench\n", name="pyproject.toml")
    with pytest.raises(ConfigError, match="invalid TOML at line 1"):
        find_config(project)


# --- through the real CLI process ------------------------------------------------------------


def _run_has_config_option() -> bool:
    completed = subprocess.run([sys.executable, "-m", "perfbench", "run", "--help"], capture_output=True,
                               text=True, timeout=120, stdin=subprocess.DEVNULL)
    return "--config" in completed.stdout


needs_cli_config = pytest.mark.skipif(not _run_has_config_option(),
                                      reason="`python -m perfbench run` has no --config option yet")


@needs_cli_config
@pytest.mark.parametrize(("text", "fragments"), [
    ('[lanes.docs]\ntimeout = "10 parsecs"\n', ("lanes.docs.timeout", "'10 parsecs' is not a duration")),
    ("[lanes.docs]\niteratons = 5\n", ("lanes.docs.iteratons", "did you mean 'iterations'?")),
    ("[lanes.docs\n", ("invalid TOML at line 1",)),
    ('[lanes.docs]\nsla = [{ rule = "p99 < 1s", severity = "fatal" }]\n', ("accepted: warning, error, critical",)),
], ids=["unit", "unknown-key", "toml", "severity"])
def test_cli_a_bad_config_is_one_line_and_exit_2(run_cli, tmp_path: Path, text: str,
                                                 fragments: tuple[str, ...]) -> None:
    path = write(tmp_path / "cfg", text, name="bench.toml")
    assert_one_line_error(run_cli("run", "--config", str(path)), "bench.toml", *fragments)


@needs_cli_config
def test_cli_a_missing_config_is_one_line_and_exit_2(run_cli) -> None:
    assert_one_line_error(run_cli("run", "--config", "missing.toml"), "missing.toml", "does not exist")


@needs_cli_config
def test_cli_a_bad_discovered_config_is_one_line_and_exit_2(run_cli, tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    write(tmp_path, '[lanes.docs]\n[[benchmark]]\nname = "b"\nlane = "dcos"\ncommand = "true"\n')
    assert_one_line_error(run_cli("run"), "perfbench.toml", "benchmark[0].lane", "did you mean 'docs'?")
