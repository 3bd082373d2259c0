"""Runs in and out of perfbench: the versioned JSON export of a run (perfbench_format.py)
and the imports of it and of other tools' files (Google Benchmark, pyperf,
pytest-benchmark), each format's reader in a file of its own."""

from perfbench.interchange.imported_run import AGGREGATE_ONLY, ImportedRun
from perfbench.interchange.perfbench_format import FORMAT, VERSION, run_document, serialize
from perfbench.interchange.reading import read_run_file
from perfbench.interchange.storing import store_imported

__all__ = ["AGGREGATE_ONLY", "FORMAT", "VERSION", "ImportedRun", "read_run_file", "run_document", "serialize",
           "store_imported"]
