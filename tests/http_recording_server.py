"""A small HTTP/1.1 server on loopback that records the request heads it reads.

The load engine's tests run against the built-in C++ server (perfbench.load.server), which has
every fault they need (delay, stall, 429, reset, malformed, never answer) but does not report
what a request's head said. This one does, for the test that the method, target, headers and
body reach the server: each request is recorded as (method, target, headers, body bytes) and
answered 200 with a 256 B body, keep-alive. Real sockets, one thread per connection.

Every response is written with one send(): a response split over two sends meets Nagle and
delayed ACKs and takes 40 ms on loopback, which would be the server's fault, not the client's.
"""

from __future__ import annotations

import socket
import threading

BODY = b"x" * 256


class RecordingServer:
    def __init__(self) -> None:
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(1024)
        self.port = self.listener.getsockname()[1]
        self.requests: list[tuple[str, str, dict[str, str], int]] = []  # method, target, headers, body bytes
        self.lock = threading.Lock()
        self._closing = False
        self._thread = threading.Thread(target=self._accept, daemon=True)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def __enter__(self) -> RecordingServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._closing = True
        self.listener.close()

    def _accept(self) -> None:
        while not self._closing:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _read_request(self, conn: socket.socket, pending: bytes) -> tuple[tuple[str, str, dict[str, str], int], bytes] | None:
        while b"\r\n\r\n" not in pending:
            data = conn.recv(65536)
            if not data:
                return None
            pending += data
        head, pending = pending.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        method, target, _version = lines[0].split(" ")
        headers = {name.strip().lower(): value.strip() for name, value in (line.split(":", 1) for line in lines[1:])}
        length = int(headers.get("content-length", "0"))
        while len(pending) < length:
            data = conn.recv(1 << 20)
            if not data:
                return None
            pending += data
        return (method, target, headers, length), pending[length:]

    def _serve(self, conn: socket.socket) -> None:
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        pending = b""
        try:
            while True:
                request = self._read_request(conn, pending)
                if request is None:
                    return
                (method, target, headers, length), pending = request
                with self.lock:
                    self.requests.append((method, target, headers, length))
                close = headers.get("connection", "").lower() == "close"
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 256\r\n"
                             + (b"Connection: close\r\n" if close else b"") + b"\r\n" + BODY)
                if close:
                    return
        except OSError:
            pass
        finally:
            conn.close()


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
