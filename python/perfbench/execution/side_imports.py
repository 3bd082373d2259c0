"""Two checkouts' benchmarks in one worker process, each with its own imports.

``perfbench ab`` pairs A and B inside one process where it can (execution/interleave.py):
one worker loads both versions of a benchmark and times them in alternating rounds. Both
checkouts usually name their files and helper modules alike (``bench_parse.py`` importing
``parser_utils``), and Python keeps one module per name in ``sys.modules``: loaded
naively, B would get A's helpers. So each side is loaded inside ``side_imports(directory)``,
which puts the side's checkout first on ``sys.path`` and makes it the working directory
while its files import, then forgets every module that came from inside the checkout. The
side's functions keep their own modules through their globals; the other side then
imports its own copies. Modules from anywhere else (the standard library, site-packages,
perfbench itself) are the same files for both sides, since both run in this interpreter,
and are shared.

A module compiled from the checkout (an extension ``.so``) cannot be loaded twice under
one name in one process, so it makes the pairing impossible: ``PairingImpossible`` says so
and what to run instead.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Iterator
from importlib.machinery import EXTENSION_SUFFIXES
from pathlib import Path
from typing import Any, TypeVar

Result = TypeVar("Result")


class PairingImpossible(RuntimeError):
    """A side's benchmarks cannot share a process with the other side's."""


def _inside(module: Any, roots: tuple[Path, ...]) -> bool:
    filename = getattr(module, "__file__", None)
    if not filename:
        return False  # built in, frozen or a namespace package: nothing of the checkout's
    path = Path(filename).resolve()
    return any(path.is_relative_to(root) for root in roots)


@contextlib.contextmanager
def side_imports(directory: str, *also_own: str) -> Iterator[None]:
    """Imports made inside belong to the side whose checkout is ``directory`` (and the
    directories ``also_own``, e.g. that of a benchmark file outside it): they are forgotten
    on leaving, as are the changes to ``sys.path`` and the working directory."""
    roots = tuple(Path(d).resolve() for d in (directory, *also_own))
    before = set(sys.modules)
    saved_path = list(sys.path)
    saved_cwd = os.getcwd()
    os.chdir(directory)
    sys.path.insert(0, directory)
    try:
        yield
        compiled = sorted(name for name in set(sys.modules) - before
                          if _inside(sys.modules[name], roots)
                          and str(getattr(sys.modules[name], "__file__", "")).endswith(tuple(EXTENSION_SUFFIXES)))
        if compiled:
            raise PairingImpossible(
                f"{directory} imports the compiled module(s) {', '.join(compiled)} from its own tree, which "
                "cannot be loaded twice in one process: run ab with --pairing processes")
    finally:
        for name in set(sys.modules) - before:
            if _inside(sys.modules[name], roots):
                del sys.modules[name]
        sys.path[:] = saved_path
        os.chdir(saved_cwd)


def in_directory(directory: str, measure: Callable[..., Result]) -> Callable[..., Result]:
    """``measure``, run with ``directory`` as the working directory (a benchmark that opens
    files relative to its checkout finds its own side's). Changed before each round, never
    while timing."""

    def measured(*args: Any, **kwargs: Any) -> Result:
        os.chdir(directory)
        return measure(*args, **kwargs)

    return measured
