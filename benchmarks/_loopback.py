"""What the load benchmarks share: a free loopback port, waiting for a server to listen,
pinning a command to cores, the built-in C++ loopback server in a process of its own (its CPU
and memory apart from the client's; stalls on command), and nginx started from a config in a
directory of its own (the peer server the loopback benchmarks measure beside the built-in one)."""

from __future__ import annotations

import contextlib
import dataclasses
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import psutil

NGINX_CONF = """\
worker_processes 1;
daemon off;
pid {root}/nginx.pid;
error_log {root}/error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    keepalive_requests 100000000;
    client_body_temp_path {root}/body; proxy_temp_path {root}/proxy; fastcgi_temp_path {root}/fastcgi;
    uwsgi_temp_path {root}/uwsgi; scgi_temp_path {root}/scgi;
    server {{
        listen 127.0.0.1:{port};
        location / {{ root {root}/www; }}
    }}
}}
"""


# The built-in server until its stdin closes; a line "stall SECONDS AFTER" holds every response
# for SECONDS, from AFTER seconds after the line is read (LoopbackServer.stall), so a benchmark
# can place a stall in its client's run as the client starts.
BUILTIN_SERVER = """\
import sys
from perfbench.load.server import LoopbackServer
with LoopbackServer(threads=int(sys.argv[1]), body_bytes=int(sys.argv[2])) as server:
    print(server.port, flush=True)
    for line in sys.stdin:
        command, seconds, after = line.split()
        assert command == "stall", line
        server.stall(float(seconds), float(after))
        print("stall set", flush=True)
"""


@dataclasses.dataclass(frozen=True)
class ServerProcess:
    process: subprocess.Popen[str]
    port: int

    @property
    def psutil(self) -> psutil.Process:
        return psutil.Process(self.process.pid)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def stall(self, seconds: float, after: float = 0.0) -> None:
        """Holds every response for ``seconds`` from ``after`` seconds from now (returns once the
        server has it)."""
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(f"stall {seconds} {after}\n")
        self.process.stdin.flush()
        assert self.process.stdout.readline().strip() == "stall set"


@contextlib.contextmanager
def builtin_server(cpus: str | None, *, body_bytes: int = 256, threads: int = 1) -> Iterator[ServerProcess]:
    """The C++ LoopbackServer (perfbench.load.server) in a Python process of its own, pinned to
    ``cpus``; stopped on exit (its stdin closed)."""
    process = subprocess.Popen(pinned([sys.executable, "-c", BUILTIN_SERVER, str(threads), str(body_bytes)], cpus),
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        yield ServerProcess(process, int(process.stdout.readline()))
    finally:
        assert process.stdin is not None and process.stdout is not None
        process.stdin.close()
        process.wait(timeout=30)
        process.stdout.close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_listening(port: int, timeout_s: float = 10.0) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except ConnectionRefusedError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def pinned(command: list[str], cpus: str | None) -> list[str]:
    """``command`` under ``taskset -c cpus`` (unpinned when ``cpus`` is None)."""
    return ["taskset", "-c", cpus, *command] if cpus else command


@contextlib.contextmanager
def nginx(root: Path, body_bytes: int, cpus: str | None) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    """nginx serving ``body_bytes`` bytes at the yielded URL from ``root`` (an empty directory),
    one worker, keep-alive without limit; stopped on exit."""
    root.chmod(0o755)  # nginx started as root serves from its workers as "nobody"
    (root / "www").mkdir()
    (root / "www" / "payload").write_bytes(b"x" * body_bytes)
    (root / "www" / "payload").chmod(0o644)
    port = free_port()
    (root / "nginx.conf").write_text(NGINX_CONF.format(root=root, port=port))
    process = subprocess.Popen(pinned(["nginx", "-c", str(root / "nginx.conf"), "-p", str(root)], cpus))
    try:
        try:
            wait_until_listening(port)
        except OSError:
            raise SystemExit(f"nginx did not start; see {root / 'error.log'}") from None
        yield process, f"http://127.0.0.1:{port}/payload"
    finally:
        process.terminate()
        process.wait(timeout=30)
