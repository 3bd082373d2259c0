// A loopback HTTP/1.1 server: the target of perfbench's own load tests and of the default
// suite's API benchmarks, with faults injected on purpose (delay, stall, 429, reset, malformed
// responses, requests never answered) so the load generator's error counting and its
// corrected latencies can be checked against a server whose misbehaviour is known.
//
// Routes (any method; a request body is read and, except for /echo, discarded):
//   /bytes/N        200 with N bytes (Content-Length)
//   /bytes, /       200 with HttpServerOptions::body_bytes bytes
//   /chunked/N[/C]  200 with N bytes sent chunked (Transfer-Encoding), C bytes a chunk
//   /trickle/N      as /chunked/N, written 7 bytes at a time 1 ms apart (partial reads mid-line)
//   /until-close/N  200 with N bytes and no length: the body ends when the server closes
//   /echo           200 with the request's body
//   anything else   404
// Byte i of every generated body is 'a' + i % 26.
// Keep-alive per HTTP/1.1 (HTTP/1.0 only with "Connection: keep-alive"); "Connection: close"
// is honoured. Pipelined requests are answered in order, one at a time.
//
// Shape: one listening socket on 127.0.0.1, shared by `threads` workers, each with its own
// epoll set (EPOLLEXCLUSIVE on the listener, so one worker wakes per connection) and its
// own connections, timers and counters; nothing is shared on the request path but the
// counters' cache lines being read by Python and the fault settings' version number.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace perfbench {

// Raised by start() when the socket cannot be opened, bound or listened on.
class HttpServerError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

enum class MalformedKind {
    status_line,     // "HTTP/1.1 OK" (no status code), then the connection is closed
    content_length,  // a Content-Length 16 bytes longer than the body sent, then closed
};

// The faults injected into responses. Shares are probabilities in [0, 1], drawn per request
// in this order: never answer, reset, malformed, 429; the delay applies to every response.
struct HttpFaults {
    double delay_seconds = 0;         // added to every response
    double delay_jitter_seconds = 0;  // plus a uniform random [0, jitter)
    double never_answer_share = 0;    // read the request, never respond (the client times out)
    double reset_share = 0;           // send about half the response, then RST (SO_LINGER 0)
    double malformed_share = 0;
    MalformedKind malformed_kind = MalformedKind::status_line;
    double rate_limited_share = 0;    // answered 429 with "Retry-After: 1"
    // A token bucket over all workers: above this many requests/s (0: off) answer 429 with
    // Retry-After = the seconds until a token is back (at least 1).
    double rate_limit_per_second = 0;
    double rate_limit_burst = 0;      // the bucket's size; 0: one second's worth
};

// A stall: from `at_seconds` after start() for `seconds`, the server answers nothing.
// Requests are still read; their responses are held, not dropped, and all go out when it ends.
struct HttpStall {
    double at_seconds = 0;
    double seconds = 0;
};

struct HttpServerOptions {
    int port = 0;                    // 0: a free port chosen by the kernel (read port())
    int threads = 1;                 // worker threads
    int backlog = 1024;
    std::uint64_t body_bytes = 256;  // what "/" and "/bytes" return
    std::uint64_t chunk_bytes = 4096;               // /chunked/N without /C
    std::uint64_t max_body_bytes = 64ull << 20;     // larger request or response bodies: 413
    HttpFaults faults;
    std::vector<HttpStall> stalls;   // scheduled relative to start()
};

struct HttpServerCounters {
    std::uint64_t connections_accepted = 0;
    std::uint64_t requests = 0;           // complete requests read
    std::uint64_t responses = 0;          // responses whose status line was committed
    std::uint64_t bytes_received = 0;
    std::uint64_t bytes_sent = 0;
    std::uint64_t rate_limited = 0;       // 429s (also in by_status)
    std::uint64_t resets = 0;             // connections reset mid-response on purpose
    std::uint64_t malformed = 0;          // malformed responses sent
    std::uint64_t never_answered = 0;     // requests read and left unanswered on purpose
    std::uint64_t held_by_stall = 0;      // responses a stall held back
    std::vector<std::pair<int, std::uint64_t>> by_status;  // (status, count), nonzero only
};

class HttpServer {
public:
    explicit HttpServer(HttpServerOptions options = {});
    ~HttpServer();  // stops
    HttpServer(const HttpServer&) = delete;
    HttpServer& operator=(const HttpServer&) = delete;

    // Binds, listens and starts the workers. Throws HttpServerError; a second call while
    // running is an error too (std::logic_error).
    void start();
    // Closes every connection (held responses are dropped) and the listener, joins the
    // workers: returns within one epoll wake-up, whatever the clients do. Idempotent.
    void stop();
    bool running() const { return running_; }
    int port() const { return port_; }

    // Thread-safe while running: the workers pick the new settings up at their next request.
    void set_faults(const HttpFaults& faults);
    HttpFaults faults() const;
    // A stall of `seconds` starting `after_seconds` from now (while running).
    void stall(double seconds, double after_seconds = 0);

    // Totals over the server's life (every start/stop cycle), readable while running.
    HttpServerCounters counters() const;

    struct Worker;  // defined in http_server.cpp
    struct Settings;

private:
    HttpServerCounters counters_locked() const;

    HttpServerOptions options_;
    int listen_fd_ = -1;
    int stop_fd_ = -1;  // an eventfd in every worker's epoll set: written once to stop them all
    int port_ = 0;
    bool running_ = false;
    std::vector<std::unique_ptr<Worker>> workers_;
    std::vector<std::thread> threads_;
    std::unique_ptr<Settings> settings_;
    mutable std::mutex lifecycle_mutex_;  // guards workers_ and retired_ against counters()
    HttpServerCounters retired_;          // the counts of workers already stopped
};

}  // namespace perfbench
