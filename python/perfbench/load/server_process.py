"""The built-in loopback server in a process of its own, for a load benchmark.

A load benchmark's worker starts it so that the server's memory and CPU are its own (the leak
verdict tells the server's growth from the generator's) and a server that crashes takes down
neither. ``python -m perfbench.load.server_process SETTINGS_JSON`` starts a ``LoopbackServer``
on a free port, prints the port on one line, and serves until its standard input closes (its
parent exited or stopped it) or it is terminated. A line ``stall SECONDS AFTER`` on its standard
input holds every response for SECONDS from AFTER seconds on (``LoopbackServer.stall``), so
that a benchmark can place a stall in a client's run as that client starts.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from collections.abc import Mapping
from typing import Any

from perfbench.load.server import LoopbackServer, ServerFaults

SETTINGS = ("threads", "body_bytes", "chunk_bytes", "faults", "stalls")
# Starting takes ~0.1 s here (interpreter, the core's import, binding the port).
START_TIMEOUT_S = 30.0


def server_from(settings: Mapping[str, Any]) -> LoopbackServer:
    """The server ``settings`` describe; ValueError naming the setting when one is wrong."""
    unknown = set(settings) - set(SETTINGS)
    if unknown:
        raise ValueError(f"server: unknown setting {sorted(unknown)[0]!r}; use {', '.join(SETTINGS)}")
    faults = settings.get("faults") or {}
    if not isinstance(faults, Mapping):
        raise ValueError(f"server.faults = {faults!r}: a table of faults, e.g. {{rate_limited_share = 0.1}}")
    try:
        fault_settings = ServerFaults(**faults)
    except TypeError:
        known = ", ".join(f.name for f in ServerFaults.__dataclass_fields__.values())
        raise ValueError(f"server.faults: unknown fault in {sorted(faults)}; use {known}") from None
    stalls = [tuple(stall) for stall in settings.get("stalls") or ()]
    if any(len(stall) != 2 for stall in stalls):
        raise ValueError(f"server.stalls = {settings.get('stalls')!r}: a list of [at, duration] pairs, e.g. [['10s', '1s']]")
    return LoopbackServer(threads=int(settings.get("threads", 1)), body_bytes=int(settings.get("body_bytes", 256)),
                          chunk_bytes=int(settings.get("chunk_bytes", 4096)), faults=fault_settings,
                          stalls=stalls)  # type: ignore[arg-type]


class ServerProcess:
    """The server process, started and stopped by its parent (a context manager)."""

    def __init__(self, settings: Mapping[str, Any], cpus: str | None = None) -> None:
        """``cpus``: pin the server to these CPUs (``taskset -c``, e.g. "0"), all its threads."""
        server_from(settings)  # wrong settings fail here, in the caller, with their own message
        self.settings = dict(settings)
        self.cpus = cpus
        self.process: subprocess.Popen[str] | None = None
        self.port = 0

    def __enter__(self) -> ServerProcess:
        pinned = ["taskset", "-c", self.cpus] if self.cpus else []
        self.process = subprocess.Popen([*pinned, sys.executable, "-m", "perfbench.load.server_process",
                                         json.dumps(self.settings)], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, text=True)
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line.strip().isdigit():
            self.__exit__()
            raise RuntimeError(f"the loopback server process did not start (it printed {line!r})")
        self.port = int(line)
        return self

    def __exit__(self, *exc: object) -> None:
        if self.process is None:
            return
        if self.process.stdin:
            self.process.stdin.close()  # its signal to stop
        try:
            self.process.wait(timeout=START_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        if self.process.stdout:
            self.process.stdout.close()

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path if path.startswith('/') else '/' + path}"

    def stall(self, seconds: float, after: float = 0.0) -> None:
        """Holds every response for ``seconds``, from ``after`` seconds from now (returns once the
        server has it)."""
        assert self.process is not None and self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(f"stall {seconds} {after}\n")
        self.process.stdin.flush()
        answer = self.process.stdout.readline().strip()
        if answer != "stall set":
            raise RuntimeError(f"the loopback server process did not take the stall (it printed {answer!r})")


def main(argv: list[str]) -> int:
    server = server_from(json.loads(argv[0]))
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    with server:
        print(server.port, flush=True)
        for line in sys.stdin:  # until the parent closes it, or dies
            command, seconds, after = line.split()
            if command != "stall":
                raise ValueError(f"server process: {line.strip()!r} is not 'stall SECONDS AFTER'")
            server.stall(float(seconds), float(after))
            print("stall set", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
