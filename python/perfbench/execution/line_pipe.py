"""Reading lines from a child's report pipe without ever waiting past a deadline.

End of file on a pipe comes only when *every* copy of its write end is closed. A process the
child started and that outlived it (a daemon that ``setsid``-ed itself away, a forked helper)
may hold an inherited copy for as long as it lives, so "read until EOF" can block for minutes
after the child itself is gone. Every read here therefore has a deadline, and, given the
writer's pidfd, also stops as soon as the writer has exited and what it wrote is drained:
a line that has not arrived by then never will.
"""

from __future__ import annotations

import os
import select
import time


class LinePipe:
    """Newline-terminated lines from the read end ``fd`` (owned: ``close`` closes it), written
    by the process behind ``writer_pidfd`` if given (not owned)."""

    def __init__(self, fd: int, writer_pidfd: int | None = None) -> None:
        self.fd = fd
        self.writer_pidfd = writer_pidfd
        self._buffer = b""
        self._writer_exited = False

    def next_line(self, timeout_seconds: float) -> bytes | None:
        """The next line without its newline; None once the writer is done (end of file, or it
        exited with nothing more in the pipe; a partial last line is dropped). Raises
        TimeoutError if neither happens within ``timeout_seconds`` (0: only what is there now)."""
        deadline = time.monotonic() + timeout_seconds
        while b"\n" not in self._buffer:
            watched = [self.fd]
            if self.writer_pidfd is not None and not self._writer_exited:
                watched.append(self.writer_pidfd)
            # Once the writer has exited everything it wrote is already in the pipe: poll only.
            wait = 0.0 if self._writer_exited else max(0.0, deadline - time.monotonic())
            readable, _, _ = select.select(watched, [], [], wait)
            if self.fd in readable:
                chunk = os.read(self.fd, 65536)
                if not chunk:
                    return None
                self._buffer += chunk
            elif self.writer_pidfd in readable:
                self._writer_exited = True
            elif self._writer_exited:
                return None
            elif time.monotonic() >= deadline:
                raise TimeoutError
        line, self._buffer = self._buffer.split(b"\n", 1)
        return line

    def close(self) -> None:
        os.close(self.fd)
