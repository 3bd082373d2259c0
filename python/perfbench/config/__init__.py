"""The configuration file: ``perfbench.toml``, or ``[tool.perfbench]`` in ``pyproject.toml``.

Read with stdlib ``tomllib``, validated key by key, and turned into frozen dataclasses in
which every value is resolved (built-in default -> ``[defaults]`` -> lane -> benchmark),
every quantity is in base units (seconds, bytes) and every path is absolute. Nothing past
this package sees raw TOML.

Every problem is a ConfigError naming the file, the key as a dotted path
(``lanes.docs.timeout``, ``benchmark[2].command``; prefixed ``tool.perfbench.`` in a
pyproject.toml), the bad value and what is accepted. Unknown keys are errors: a typo
silently ignored is a benchmark silently run with the wrong settings.

Relative paths (``cwd``, ``benchmarks_dir``, ``store``, ``output_dir``) are relative to
the directory of the configuration file, so a run gives the same result from any
working directory.

The package, in the order data flows: ``files`` (find and read the file), ``parse`` (tables
into dataclasses), ``fields`` (one typed value, one error), ``sla_rules`` (rules as written
in a config), ``schema`` (the dataclasses and defaults).
"""

from perfbench.config.files import find_config, load_config, load_config_for
from perfbench.config.schema import (
    CONFIG_FILE_NAME, DEFAULT_BENCHMARKS_DIR, DEFAULT_ITERATIONS, DEFAULT_METRICS_INTERVAL_SECONDS,
    DEFAULT_TIMEOUT_SECONDS, DEFAULT_WARMUP, PYPROJECT_FILE_NAME, Command, CommandBenchmark, Config, LaneConfig,
)

__all__ = [
    "CONFIG_FILE_NAME", "DEFAULT_BENCHMARKS_DIR", "DEFAULT_ITERATIONS", "DEFAULT_METRICS_INTERVAL_SECONDS",
    "DEFAULT_TIMEOUT_SECONDS", "DEFAULT_WARMUP", "PYPROJECT_FILE_NAME", "Command", "CommandBenchmark", "Config",
    "LaneConfig", "find_config", "load_config", "load_config_for",
]
