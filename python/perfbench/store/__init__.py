"""Result stores: one interface (interface.py), opened by path or URL (locations.py), one
backend per file (SQLite: sqlite.py)."""

from perfbench.store.interface import ResultStore, ResultSummary, StoredResult, StoredRun
from perfbench.store.locations import DEFAULT_STORE_PATH, open_store

__all__ = ["DEFAULT_STORE_PATH", "ResultStore", "ResultSummary", "StoredResult", "StoredRun", "open_store"]
