"""What the load benchmarks share: a free loopback port, waiting for a server to listen,
pinning a command to cores, and nginx started from a config in a directory of its own (the
peer server the loopback benchmarks measure beside the built-in one)."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

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
