"""Opening a store by where it is: a path (SQLite) or a URL whose scheme names the backend.

    open_store(".perfbench/results.db")           SQLite file
    open_store("sqlite:///results.db")            the same, as a URL (relative path)
    open_store("sqlite:////var/lib/results.db")   an absolute path (four slashes, as SQLAlchemy)

A backend is registered here by its URL scheme; nothing outside ``store/`` knows which
backend it talks to.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path

from perfbench.errors import StoreError
from perfbench.store.interface import ResultStore
from perfbench.store.sqlite import SqliteStore

DEFAULT_STORE_PATH = Path(".perfbench") / "results.db"



def _sqlite(location: str, rest: str, create: bool) -> ResultStore:
    if not rest.startswith("/"):
        raise StoreError(f"{location}: a SQLite URL is sqlite:///PATH (three slashes, then the path)")
    return SqliteStore.open(Path(rest[1:]), location, create=create)


# scheme -> open(the location as given, what follows "scheme://", create)
_BACKENDS: dict[str, Callable[[str, str, bool], ResultStore]] = {"sqlite": _sqlite}
_URL = re.compile(r"^(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*)://(?P<rest>.*)$")


def open_store(location: str | os.PathLike[str], *, create: bool = True) -> ResultStore:
    """The store at ``location``, schema checked (and an older one migrated forward).

    ``create``: make a new store where there is none (``run``); False for commands that only
    read, which then say that there is no store instead of leaving an empty one behind.
    Raises StoreError, naming the location, for anything that is not a usable store.
    """
    text = os.fspath(location)
    match = _URL.match(text)
    if match is None:
        return SqliteStore.open(Path(text), text, create=create)
    scheme = match["scheme"].lower()
    backend = _BACKENDS.get(scheme)
    if backend is None:
        raise StoreError(f"{text}: no store backend for {scheme!r} URLs in this perfbench; "
                         f"use a file path or one of {', '.join(s + ':///' for s in _BACKENDS)}")
    return backend(text, match["rest"], create)
