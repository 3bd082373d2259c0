"""The installed version, read from the package metadata so that the domain model (results,
statistics, verdicts) imports without the compiled core; the core carries the same version
from pyproject.toml as a compile definition and records it with every run."""

from __future__ import annotations

from importlib import metadata

try:
    __version__ = metadata.version("perfbench")
except metadata.PackageNotFoundError:  # a source tree that was never installed
    __version__ = "0+unknown"
