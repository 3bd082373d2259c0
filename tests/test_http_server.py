"""The built-in loopback HTTP server (cpp/src/http_server.cpp) over real sockets on 127.0.0.1.

Times are only ever lower bounds the server guarantees (a delay or a stall holds a response at
least that long); nothing here depends on how fast the machine is.
"""

from __future__ import annotations

import http.client
import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from perfbench import _core
from perfbench.load.server import LoopbackServer, ServerFaults, pattern_body


@pytest.fixture
def server() -> Iterator[LoopbackServer]:
    with LoopbackServer(body_bytes=100) as running:
        yield running


def connection(server: LoopbackServer, timeout: float = 10.0) -> http.client.HTTPConnection:
    return http.client.HTTPConnection("127.0.0.1", server.port, timeout=timeout)


def fetch(server: LoopbackServer, method: str, path: str, body: bytes | None = None) -> tuple[int, dict[str, str], bytes]:
    conn = connection(server)
    try:
        conn.request(method, path, body=body)
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


def raw_exchange(server: LoopbackServer, request: bytes, timeout: float = 10.0) -> bytes:
    """Sends `request` and reads until the server closes the connection."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=timeout) as sock:
        sock.sendall(request)
        received = bytearray()
        while chunk := sock.recv(65536):
            received += chunk
        return bytes(received)


def wait_for(condition, what: str, seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.005)


# --- routes -------------------------------------------------------------------------------


@pytest.mark.parametrize("size", [0, 1, 256, 70_000])
def test_bytes_route_returns_exactly_n_pattern_bytes(server, size):
    status, headers, body = fetch(server, "GET", f"/bytes/{size}")
    assert (status, headers["Content-Length"], body) == (200, str(size), pattern_body(size))


@pytest.mark.parametrize("path", ["/", "/bytes", "/bytes?x=1"])
def test_the_configured_size_is_served_without_a_size_in_the_path(server, path):
    assert fetch(server, "GET", path)[2] == pattern_body(100)


def test_a_post_to_bytes_discards_the_request_body(server):
    status, _, body = fetch(server, "POST", "/bytes/10", body=b"x" * 5000)
    assert (status, body) == (200, pattern_body(10))


def test_echo_returns_the_request_body(server):
    payload = os.urandom(1000)
    assert fetch(server, "POST", "/echo", body=payload)[::2] == (200, payload)


def test_unknown_paths_are_404(server):
    assert fetch(server, "GET", "/nothing/here")[0] == 404
    assert fetch(server, "GET", "/bytes/notanumber")[0] == 404
    assert server.counters().by_status == {404: 2}


def test_chunked_route_frames_the_body_in_chunks_of_the_asked_size(server):
    response = raw_exchange(server, b"GET /chunked/60/25 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    head, _, body = response.partition(b"\r\n\r\n")
    assert b"Transfer-Encoding: chunked" in head.split(b"\r\n")
    data = pattern_body(60)
    expected = b"19\r\n" + data[:25] + b"\r\n19\r\n" + data[25:50] + b"\r\na\r\n" + data[50:] + b"\r\n0\r\n\r\n"
    assert body == expected


def test_chunked_body_decodes_to_the_pattern(server):
    status, headers, body = fetch(server, "GET", "/chunked/100000")
    assert (status, headers["Transfer-Encoding"], body) == (200, "chunked", pattern_body(100000))


def test_trickle_sends_the_chunked_response_a_few_bytes_at_a_time(server):
    chunked = raw_exchange(server, b"GET /chunked/100 HTTP/1.1\r\nConnection: close\r\n\r\n")
    trickled = raw_exchange(server, b"GET /trickle/100 HTTP/1.1\r\nConnection: close\r\n\r\n")
    assert trickled == chunked
    assert fetch(server, "GET", "/trickle/100")[2] == pattern_body(100)


def test_until_close_ends_the_body_by_closing_the_connection(server):
    response = raw_exchange(server, b"GET /until-close/300 HTTP/1.1\r\n\r\n")
    assert response == b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n" + pattern_body(300)
    assert fetch(server, "GET", "/until-close/300")[2] == pattern_body(300)


def test_a_body_above_the_limit_is_413():
    with LoopbackServer(max_body_bytes=1000) as small:
        assert fetch(small, "GET", "/bytes/1001")[0] == 413
        assert fetch(small, "POST", "/echo", body=b"x" * 500)[0] == 200
        assert raw_exchange(small, b"POST /echo HTTP/1.1\r\nContent-Length: 5000\r\n\r\n").startswith(b"HTTP/1.1 413 ")


def test_a_broken_request_line_is_400_and_closes(server):
    assert raw_exchange(server, b"NONSENSE\r\n\r\n").startswith(b"HTTP/1.1 400 ")
    assert raw_exchange(server, b"GET / HTTP/2.0\r\n\r\n").startswith(b"HTTP/1.1 505 ")
    assert raw_exchange(server, b"POST /echo HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n").startswith(b"HTTP/1.1 501 ")


# --- connections --------------------------------------------------------------------------


def test_keep_alive_serves_many_requests_on_one_connection(server):
    conn = connection(server)
    try:
        for size in range(100):
            conn.request("GET", f"/bytes/{size}")
            assert conn.getresponse().read() == pattern_body(size)
    finally:
        conn.close()
    counters = server.counters()
    assert (counters.connections_accepted, counters.requests, counters.by_status) == (1, 100, {200: 100})


def test_connection_close_is_honoured(server):
    response = raw_exchange(server, b"GET /bytes/5 HTTP/1.1\r\nConnection: close\r\n\r\n")
    assert response == b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\nabcde"


def test_http10_closes_unless_asked_to_keep_alive(server):
    assert raw_exchange(server, b"GET /bytes/3 HTTP/1.0\r\n\r\n").endswith(b"Connection: close\r\n\r\nabc")
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        for _ in range(2):  # the connection stays open for the second request
            sock.sendall(b"GET /bytes/3 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
            expected = b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: keep-alive\r\n\r\nabc"
            assert recv_exactly(sock, len(expected)) == expected


def recv_exactly(sock: socket.socket, size: int) -> bytes:
    received = bytearray()
    while len(received) < size:
        chunk = sock.recv(size - len(received))
        assert chunk, f"connection closed after {len(received)} of {size} bytes"
        received += chunk
    return bytes(received)


def test_pipelined_requests_are_answered_in_order(server):
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(b"GET /bytes/2 HTTP/1.1\r\n\r\nPOST /echo HTTP/1.1\r\nContent-Length: 3\r\n\r\nxyzGET /bytes/1 HTTP/1.1\r\n\r\n")
        expected = (b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nab"
                    b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nxyz"
                    b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\na")
        assert recv_exactly(sock, len(expected)) == expected


def test_a_slow_client_and_a_1mb_echo_survive_partial_reads_and_writes(server):
    payload = os.urandom(1 << 20)
    request = b"POST /echo HTTP/1.1\r\nContent-Length: %d\r\n\r\n" % len(payload) + payload
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        # A small receive buffer, read late: the server's writes fill the socket and must resume.
        # (Not below 16 KiB: with a window under loopback's 64 KiB MSS, TCP's sender-side silly
        # window avoidance waits for its 200 ms persist timer on every segment.)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16384)
        for start in range(0, 100, 7):  # the head trickles in, a few bytes at a time
            sock.sendall(request[start:min(start + 7, 100)])
            time.sleep(0.002)
        sock.sendall(request[100:])
        time.sleep(0.2)
        head = b"HTTP/1.1 200 OK\r\nContent-Length: 1048576\r\n\r\n"
        assert recv_exactly(sock, len(head)) == head
        assert recv_exactly(sock, len(payload)) == payload
    counters = server.counters()
    assert counters.bytes_received == len(request)
    assert counters.bytes_sent == len(head) + len(payload)


def test_two_worker_threads_serve_concurrent_clients():
    with LoopbackServer(threads=2) as server:
        results: list[bytes] = []
        lock = threading.Lock()

        def client(size: int) -> None:
            body = fetch(server, "GET", f"/bytes/{size}")[2]
            with lock:
                results.append(body)

        threads = [threading.Thread(target=client, args=(size,)) for size in range(40)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(results, key=len) == [pattern_body(size) for size in range(40)]
        assert server.counters().connections_accepted == 40


# --- faults -------------------------------------------------------------------------------


def test_a_delay_holds_each_response_at_least_that_long_and_can_be_lifted_while_running():
    with LoopbackServer(faults=ServerFaults(delay="150ms")) as server:
        started = time.monotonic()
        assert fetch(server, "GET", "/bytes/1")[0] == 200
        assert time.monotonic() - started >= 0.15
        server.set_faults(ServerFaults())
        assert fetch(server, "GET", "/bytes/1")[0] == 200
        assert server.counters().held_by_stall == 0


def test_a_stall_holds_responses_until_it_ends_and_then_sends_them():
    with LoopbackServer() as server:
        conns = [connection(server) for _ in range(3)]
        try:
            stall_set = time.monotonic()
            server.stall("1s")
            for conn in conns:
                conn.request("GET", "/bytes/10")
            bodies = [conn.getresponse().read() for conn in conns]
            assert time.monotonic() - stall_set >= 1.0
            assert bodies == [pattern_body(10)] * 3
        finally:
            for conn in conns:
                conn.close()
        counters = server.counters()
        assert (counters.held_by_stall, counters.by_status) == (3, {200: 3})


def test_a_scheduled_stall_starts_relative_to_start():
    server = LoopbackServer(stalls=[("0s", "0.5s")])
    started = time.monotonic()
    with server:
        assert fetch(server, "GET", "/bytes/1")[0] == 200
        assert time.monotonic() - started >= 0.5


def test_a_stall_begun_while_a_delayed_response_waits_holds_it_too():
    # The response is due a second after its request; the stall, set just after the request
    # arrived, covers that moment and outlasts it.
    with LoopbackServer(faults=ServerFaults(delay="1s")) as server:
        conn = connection(server)
        try:
            conn.request("GET", "/bytes/1")
            wait_for(lambda: server.counters().requests == 1, "the request to arrive")
            stall_set = time.monotonic()
            server.stall("2s")
            assert conn.getresponse().read() == b"a"
            assert time.monotonic() - stall_set >= 2.0
        finally:
            conn.close()
        assert server.counters().held_by_stall == 1


def test_rate_limited_share_answers_429_with_retry_after():
    with LoopbackServer(faults=ServerFaults(rate_limited_share="100%")) as server:
        for _ in range(5):
            status, headers, _ = fetch(server, "GET", "/bytes/10")
            assert (status, headers["Retry-After"]) == (429, "1")
        counters = server.counters()
        assert (counters.rate_limited, counters.by_status) == (5, {429: 5})


def test_a_token_bucket_passes_its_burst_then_answers_429():
    # 1/h refills a token an hour later: ten requests see only the burst of 3 pass.
    with LoopbackServer(faults=ServerFaults(rate_limit="1/h", rate_limit_burst=3)) as server:
        conn = connection(server)
        statuses, retry_after = [], []
        try:
            for _ in range(10):
                conn.request("GET", "/bytes/1")
                response = conn.getresponse()
                response.read()
                statuses.append(response.status)
                retry_after.append(response.getheader("Retry-After"))
        finally:
            conn.close()
        assert statuses == [200] * 3 + [429] * 7
        assert all(1 <= int(seconds) <= 3600 for seconds in retry_after[3:])
        assert server.counters().rate_limited == 7


def test_a_reset_cuts_the_response_with_an_rst():
    with LoopbackServer(faults=ServerFaults(reset_share=1.0)) as server:
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
            sock.sendall(b"GET /bytes/100000 HTTP/1.1\r\n\r\n")
            received = 0
            with pytest.raises(ConnectionResetError):
                while chunk := sock.recv(65536):
                    received += len(chunk)
        assert received < 100000
        counters = server.counters()
        assert (counters.resets, counters.by_status) == (1, {})


def test_a_reset_reads_as_a_connection_error_to_http_client():
    with LoopbackServer(faults=ServerFaults(reset_share=1.0)) as server:
        with pytest.raises((ConnectionResetError, http.client.RemoteDisconnected)):
            fetch(server, "GET", "/bytes/100000")


def test_a_malformed_status_line_is_a_parse_error():
    with LoopbackServer(faults=ServerFaults(malformed_share=1.0)) as server:
        with pytest.raises(http.client.BadStatusLine):
            fetch(server, "GET", "/bytes/10")
        assert (server.counters().malformed, server.counters().by_status) == (1, {})


def test_a_lying_content_length_is_an_incomplete_read():
    with LoopbackServer(faults=ServerFaults(malformed_share=1.0, malformed_kind="content_length")) as server:
        with pytest.raises(http.client.IncompleteRead) as caught:
            fetch(server, "GET", "/bytes/10")
        assert (caught.value.partial, caught.value.expected) == (pattern_body(10), 16)
        assert server.counters().malformed == 1


def test_never_answer_reads_the_request_and_stays_silent():
    with LoopbackServer(faults=ServerFaults(never_answer_share=1.0)) as server:
        with socket.create_connection(("127.0.0.1", server.port), timeout=0.3) as sock:
            sock.sendall(b"GET /bytes/1 HTTP/1.1\r\n\r\n")
            with pytest.raises(TimeoutError):
                sock.recv(100)
        assert server.counters().never_answered == 1
        server.set_faults(ServerFaults())
        assert fetch(server, "GET", "/bytes/1")[0] == 200


def test_fault_values_are_checked_with_a_message_naming_them():
    with pytest.raises(ValueError, match="reset_share = 1.5"):
        ServerFaults(reset_share=1.5).to_core()
    with pytest.raises(ValueError, match="malformed_kind = 'garbage'"):
        ServerFaults(malformed_kind="garbage").to_core()
    with pytest.raises(ValueError, match="delay = -1"):
        ServerFaults(delay=-1).to_core()


# --- life cycle ---------------------------------------------------------------------------


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def native_threads() -> int:
    return len(os.listdir("/proc/self/task"))


def test_stop_with_clients_connected_returns_and_frees_the_port():
    server = LoopbackServer(faults=ServerFaults(never_answer_share=1.0)).start()
    port = server.port
    clients = [socket.create_connection(("127.0.0.1", port), timeout=10) for _ in range(5)]
    try:
        clients[0].sendall(b"GET /bytes/1 HTTP/1.1\r\n\r\n")  # waiting for an answer never coming
        clients[1].sendall(b"GET /bytes/1 HTTP/1.1\r\n")      # half a request
        wait_for(lambda: server.counters().connections_accepted == 5, "the server to accept 5 clients")
        stopper = threading.Thread(target=server.stop)
        stopper.start()
        stopper.join(timeout=30)
        assert not stopper.is_alive()
        assert not server.running
        for client in clients:
            assert client.recv(10) == b""  # the server closed every connection
    finally:
        for client in clients:
            client.close()
    with pytest.raises(ConnectionRefusedError), socket.create_connection(("127.0.0.1", port), timeout=10):
        pass
    with LoopbackServer(port=port) as again:
        assert again.port == port
        assert fetch(again, "GET", "/bytes/1")[0] == 200


def test_many_start_stop_cycles_leak_no_threads_or_fds():
    server = LoopbackServer(threads=2)
    server.start()
    server.stop()  # the first start may create lasting process state (the pattern, allocator arenas)
    fds, threads = open_fds(), native_threads()
    for _ in range(30):
        with server:
            assert fetch(server, "GET", "/bytes/10")[0] == 200
    assert (open_fds(), native_threads()) == (fds, threads)
    assert server.counters().requests == 30  # counters add up over cycles


def test_a_busy_port_is_an_os_error_naming_the_bind():
    with LoopbackServer() as first:
        with pytest.raises(_core.HttpServerError, match="bind 127.0.0.1"):
            LoopbackServer(port=first.port).start()


def test_starting_twice_is_refused(server):
    with pytest.raises(RuntimeError, match="already running"):
        server.start()
