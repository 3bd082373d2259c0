"""A small HTTP/1.1 server on loopback for the load engine's tests, with faults on demand.

Real sockets, one thread per connection (the C++ loopback server replaces it once it is on
main). The path picks the behaviour:

    /ok          200 with a 256 B body (Content-Length), keep-alive
    /chunked     200 with a chunked body
    /trickle     the chunked response written 7 bytes at a time (partial reads mid-line)
    /big         200 with a 2 MB body
    /until-close 200 whose body ends when the server closes (no length)
    /slow        200 after 20 ms
    /stall       200, except that every response due during the stall window (from 1 s after
                 the first request, for ``stall_s``) waits until the window ends
    /429         429 Too Many Requests
    /reset       reads the request, then resets the connection (RST)
    /never       reads the request and never answers
    /garbage     answers bytes that are not HTTP

Every response is written with one send(): a response split over two sends meets Nagle and
delayed ACKs and takes 40 ms on loopback, which would be the server's fault, not the client's.
"""

from __future__ import annotations

import socket
import struct
import threading
import time

BODY = b"x" * 256


class FaultServer:
    def __init__(self, stall_s: float = 1.0) -> None:
        self.stall_s = stall_s
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(1024)
        self.port = self.listener.getsockname()[1]
        self.requests: list[tuple[str, str, dict[str, str], int]] = []  # method, target, headers, body bytes
        self.lock = threading.Lock()
        self.first_request_at: float | None = None
        self.connections = 0
        self._closing = False
        self._thread = threading.Thread(target=self._accept, daemon=True)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def __enter__(self) -> FaultServer:
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
            with self.lock:
                self.connections += 1
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
                    if self.first_request_at is None:
                        self.first_request_at = time.monotonic()
                if not self._answer(conn, target, headers):
                    return
        except OSError:
            pass
        finally:
            conn.close()

    def _answer(self, conn: socket.socket, target: str, headers: dict[str, str]) -> bool:
        """Writes the response; False when the connection must end."""
        close = headers.get("connection", "").lower() == "close"
        keep = b"Connection: close\r\n" if close else b""
        if target == "/reset":
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            return False
        if target == "/never":
            time.sleep(3600)
        if target == "/garbage":
            conn.sendall(b"SURELY NOT HTTP\r\n\r\n")
            return False
        if target == "/until-close":
            conn.sendall(b"HTTP/1.1 200 OK\r\n\r\n" + BODY)
            return False
        if target == "/big":
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2000000\r\n" + keep + b"\r\n" + b"y" * 2_000_000)
            return not close
        if target == "/trickle":
            response = (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n" + keep + b"\r\n"
                        b"100\r\n" + BODY + b"\r\n0\r\n\r\n")
            for start in range(0, len(response), 7):
                conn.sendall(response[start:start + 7])
                time.sleep(0.0005)
            return not close
        if target == "/chunked":
            conn.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n" + keep + b"\r\n"
                         b"100\r\n" + BODY + b"\r\n5;ext=1\r\nhello\r\n0\r\n\r\n")
            return not close
        if target == "/429":
            conn.sendall(b"HTTP/1.1 429 Too Many Requests\r\nContent-Length: 0\r\n" + keep + b"\r\n")
            return not close
        if target == "/slow":
            time.sleep(0.02)
        if target == "/stall":
            assert self.first_request_at is not None
            stall_start = self.first_request_at + 1.0
            now = time.monotonic()
            if stall_start <= now < stall_start + self.stall_s:
                time.sleep(stall_start + self.stall_s - now)
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 256\r\n" + keep + b"\r\n" + BODY)
        return not close


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
