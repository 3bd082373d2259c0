"""The built-in loopback HTTP/1.1 server (C++: cpp/src/http_server.cpp), started from Python.

The target of perfbench's own load tests and of the default suite's API benchmarks: it serves
fixed-size, chunked and echoed bodies on 127.0.0.1, on its own threads (the GIL is not held),
and misbehaves on request so that a client's error counting and tail latencies can be checked
against a server whose faults are known::

    with LoopbackServer(faults=ServerFaults(rate_limited_share=0.1)) as server:
        urllib.request.urlopen(server.url("/bytes/1024"))
        server.stall("1s")                     # answer nothing for a second, hold responses
        server.set_faults(ServerFaults(delay="2ms"))
        server.counters().by_status            # {200: ..., 429: ...}

Routes (any method): ``/bytes/N`` N bytes; ``/`` and ``/bytes`` ``body_bytes`` bytes;
``/chunked/N[/C]`` N bytes chunked, C a chunk; ``/trickle/N`` the same chunked response written
7 bytes at a time 1 ms apart; ``/until-close/N`` N bytes without a length, ended by closing;
``/echo`` the request's body; else 404. Body byte i is ``'a' + i % 26`` (``pattern_body``).
Keep-alive per HTTP/1.1; ``Connection: close`` is honoured.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from types import TracebackType

from perfbench import _core
from perfbench.units import parse_duration, parse_percent, parse_rate

Seconds = float | int | str  # 0.002 or "2ms"
Share = float | int | str    # 0.1 or "10%"
Rate = float | int | str     # 500 or "500/s"

MALFORMED_KINDS = ("status_line", "content_length")


def pattern_body(size: int) -> bytes:
    """What the server sends for ``/bytes/{size}``."""
    alphabet = b"abcdefghijklmnopqrstuvwxyz"
    return (alphabet * (size // 26 + 1))[:size]


def _seconds(name: str, value: Seconds) -> float:
    seconds = parse_duration(value) if isinstance(value, str) else float(value)
    if not seconds >= 0:
        raise ValueError(f"{name} = {value!r}: a duration must be >= 0 (seconds, or a string such as '2ms')")
    return seconds


def _share(name: str, value: Share) -> float:
    share = parse_percent(value) if isinstance(value, str) else float(value)
    if not 0 <= share <= 1:
        raise ValueError(f"{name} = {value!r}: a share must be between 0 and 1 (or '0%'..'100%')")
    return share


def _rate(name: str, value: Rate) -> float:
    rate = parse_rate(value) if isinstance(value, str) else float(value)
    if not rate >= 0:
        raise ValueError(f"{name} = {value!r}: a rate must be >= 0 requests/s (or a string such as '500/s')")
    return rate


@dataclasses.dataclass(frozen=True)
class ServerFaults:
    """Faults injected into responses; shares are drawn per request in the order never answer,
    reset, malformed, 429; the delay applies to every response that is sent."""

    delay: Seconds = 0.0               # added to every response
    delay_jitter: Seconds = 0.0        # plus a uniform random [0, jitter)
    never_answer_share: Share = 0.0    # read the request, never respond
    reset_share: Share = 0.0           # send about half the response, then RST
    malformed_share: Share = 0.0
    malformed_kind: str = "status_line"  # or "content_length" (16 bytes promised, never sent)
    rate_limited_share: Share = 0.0    # 429 with Retry-After: 1
    rate_limit: Rate = 0.0             # a token bucket over all workers (0: off): 429 above it
    rate_limit_burst: float = 0.0      # the bucket's size; 0: one second's worth

    def to_core(self) -> _core.HttpFaults:
        if self.malformed_kind not in MALFORMED_KINDS:
            raise ValueError(f"malformed_kind = {self.malformed_kind!r}: use one of {', '.join(MALFORMED_KINDS)}")
        if not self.rate_limit_burst >= 0:
            raise ValueError(f"rate_limit_burst = {self.rate_limit_burst!r}: a bucket size must be >= 0")
        core = _core.HttpFaults()
        core.delay_seconds = _seconds("delay", self.delay)
        core.delay_jitter_seconds = _seconds("delay_jitter", self.delay_jitter)
        core.never_answer_share = _share("never_answer_share", self.never_answer_share)
        core.reset_share = _share("reset_share", self.reset_share)
        core.malformed_share = _share("malformed_share", self.malformed_share)
        core.malformed_kind = getattr(_core.MalformedKind, self.malformed_kind)
        core.rate_limited_share = _share("rate_limited_share", self.rate_limited_share)
        core.rate_limit_per_second = _rate("rate_limit", self.rate_limit)
        core.rate_limit_burst = float(self.rate_limit_burst)
        return core


@dataclasses.dataclass(frozen=True)
class ServerCounters:
    """Totals over the server object's life (all its start/stop cycles).

    ``by_status`` counts well-formed responses sent whole; the deliberately reset, malformed and
    unanswered ones are counted only in their own fields."""

    connections_accepted: int
    requests: int
    responses: int
    bytes_received: int
    bytes_sent: int
    rate_limited: int
    resets: int
    malformed: int
    never_answered: int
    held_by_stall: int
    by_status: Mapping[int, int]


class LoopbackServer:
    """The C++ server on 127.0.0.1; a context manager that starts and stops it."""

    def __init__(
        self,
        *,
        threads: int = 1,
        port: int = 0,
        body_bytes: int = 256,
        chunk_bytes: int = 4096,
        max_body_bytes: int = 64 << 20,
        faults: ServerFaults | None = None,
        stalls: Sequence[tuple[Seconds, Seconds]] = (),
    ) -> None:
        """``stalls``: (at, duration) pairs after start(), e.g. ``[("10s", "1s")]`` for a
        complete pause of one second ten seconds in."""
        if threads < 1:
            raise ValueError(f"threads = {threads!r}: the server needs at least 1 worker thread")
        if not 0 <= port <= 65535:
            raise ValueError(f"port = {port!r}: use 0 (a free port) or a port number up to 65535")
        options = _core.HttpServerOptions()
        options.threads = threads
        options.port = port
        options.body_bytes = body_bytes
        options.chunk_bytes = chunk_bytes
        options.max_body_bytes = max_body_bytes
        options.faults = (faults or ServerFaults()).to_core()
        options.stalls = [_core.HttpStall(_seconds("stall at", at), _seconds("stall duration", length)) for at, length in stalls]
        self._server = _core.HttpServer(options)

    def start(self) -> LoopbackServer:
        self._server.start()
        return self

    def stop(self) -> None:
        """Closes every connection and frees the port; returns promptly whatever clients do."""
        self._server.stop()

    def __enter__(self) -> LoopbackServer:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        return self._server.running

    @property
    def port(self) -> int:
        return self._server.port

    def url(self, path: str = "/") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def set_faults(self, faults: ServerFaults) -> None:
        """Replaces the faults while running; each worker applies them from its next request."""
        self._server.set_faults(faults.to_core())

    def stall(self, duration: Seconds, after: Seconds = 0.0) -> None:
        """Answer nothing for ``duration``, starting ``after`` from now: requests are read, and
        their responses held until the stall ends, then all sent."""
        self._server.stall(_seconds("stall duration", duration), _seconds("stall after", after))

    def counters(self) -> ServerCounters:
        return ServerCounters(**self._server.counters())
