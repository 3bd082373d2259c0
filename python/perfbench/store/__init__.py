"""Result stores. SQLite (embedded, the default) lives in ``sqlite.py``."""

from perfbench.store.sqlite import DEFAULT_STORE_PATH, SqliteStore, StoredResult, StoredRun

__all__ = ["DEFAULT_STORE_PATH", "SqliteStore", "StoredResult", "StoredRun"]
