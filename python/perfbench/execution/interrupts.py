"""Ctrl-C, SIGTERM and SIGHUP, handled alike while a session runs.

A CI job cancelled, ``timeout``, a closed terminal: each asks the run to stop, and each must
leave it as Ctrl-C does: the process tree in flight killed, what finished kept, the run
marked interrupted, the reports written, the scratch directory removed. Left to their
default action, SIGTERM and SIGHUP end Python on the spot and orphan the benchmark's tree.

The handler raises ``RunInterrupted`` only while the guard is *armed*, which the session
does around its wait for the runner's next event: that is where a run spends its time, and
where the runner knows how to stop. A signal that arrives while the session stores a
result or writes a report is remembered and delivered at the next safe point instead, so
it never cuts a write in half. Once a signal is taken, later ones are only remembered: a
second Ctrl-C 10 ms after the first must not cut the reports short.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from types import FrameType
from typing import Any

HANDLED_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


class RunInterrupted(KeyboardInterrupt):
    """A stop request, by signal. A KeyboardInterrupt, so that every clean-up written for
    Ctrl-C (killing a process tree, closing a pipe) runs for SIGTERM and SIGHUP too."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


class InterruptGuard:
    """Installs the handlers for its ``with`` block (in the main thread only: elsewhere Python
    delivers no signal) and restores the previous ones after it."""

    def __init__(self, install: bool = True) -> None:
        self.install = install
        self.signum: int | None = None  # the first stop request taken
        self._armed = False
        self._previous: dict[int, Any] = {}

    def __enter__(self) -> InterruptGuard:
        if self.install and threading.current_thread() is threading.main_thread():
            for signum in HANDLED_SIGNALS:
                self._previous[signum] = signal.signal(signum, self._handle)
        return self

    def __exit__(self, *_: object) -> None:
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)
        self._previous.clear()

    @property
    def interrupted(self) -> bool:
        return self.signum is not None

    def _handle(self, signum: int, _frame: FrameType | None) -> None:
        if self.signum is not None:
            return  # already stopping
        self.signum = signum
        if self._armed:
            self._armed = False
            raise RunInterrupted(signum)

    @contextlib.contextmanager
    def armed(self) -> Iterator[None]:
        """Lets a signal raise inside the block."""
        self._armed = True
        try:
            yield
        finally:
            self._armed = False

    def notice(self, interrupt: KeyboardInterrupt) -> None:
        """Takes a KeyboardInterrupt raised without this guard's handler (a caller that keeps
        Python's own SIGINT handler) as a stop request."""
        if self.signum is None:
            self.signum = getattr(interrupt, "signum", signal.SIGINT)
