#include "perfbench/http_server.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <ctime>
#include <functional>
#include <queue>
#include <string_view>

#include "http_server/request_parser.hpp"

// Why hand-written rather than a framework: the server shares a 2-core machine with the load
// generator it serves, so its CPU per request is taken from the client's. Measured with
// benchmarks/loopback_server.py (wrk -t1 -c32, 256 B, keep-alive, server and wrk pinned to
// different CPUs, the same run): 5.6 µs of server CPU per request, nginx 10.4 µs. The steady
// state costs three system calls per request (an epoll_wait shared by the ready connections,
// one read, one sendmsg of head + body) and no allocation: connections and their buffers are
// reused by fd, bodies come from one pattern buffer grown once, and the head is written into
// the connection's fixed array.

namespace perfbench {

namespace {

constexpr std::uint64_t kStopTag = ~0ull;
constexpr std::uint64_t kListenTag = ~0ull - 1;
constexpr std::size_t kMaxHeaderBytes = 16 * 1024;  // larger request heads: 431
constexpr std::size_t kReadChunk = 16 * 1024;
constexpr std::size_t kKeptInputCapacity = 1u << 20;  // a bigger buffer is freed after its request
constexpr std::size_t kMaxEvents = 256;
// /trickle/N: the chunked response goes out this many bytes at a time, this far apart, so a
// client's parser meets every line cut in the middle.
constexpr std::size_t kTrickleBytes = 7;
constexpr std::int64_t kTrickleGapNs = 1'000'000;

std::int64_t now_ns() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

std::int64_t seconds_to_ns(double seconds) { return static_cast<std::int64_t>(std::llround(seconds * 1e9)); }

// Written only by its worker, read by any thread: a relaxed load + store is a plain mov on
// x86-64, where fetch_add would be a locked instruction per request.
struct Counter {
    std::atomic<std::uint64_t> value{0};
    void add(std::uint64_t n = 1) { value.store(value.load(std::memory_order_relaxed) + n, std::memory_order_relaxed); }
    std::uint64_t get() const { return value.load(std::memory_order_relaxed); }
};

struct alignas(64) WorkerCounters {
    Counter connections_accepted, requests, responses, bytes_received, bytes_sent;
    Counter rate_limited, resets, malformed, never_answered, held_by_stall;
    std::array<Counter, 600> by_status;
};

struct StallWindow {
    std::int64_t start_ns;
    std::int64_t end_ns;
};

// The first moment at or after `t` outside every stall window (windows may overlap or chain).
std::int64_t after_stalls(std::int64_t t, const std::vector<StallWindow>& stalls) {
    for (bool moved = true; moved;) {
        moved = false;
        for (const auto& w : stalls) {
            if (t >= w.start_ns && t < w.end_ns) {
                t = w.end_ns;
                moved = true;
            }
        }
    }
    return t;
}

// xorshift64*: the fault draws need speed and independence per worker, not quality.
struct FaultDice {
    std::uint64_t state;
    double uniform() {
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        return static_cast<double>((state * 0x2545F4914F6CDD1Dull) >> 11) * 0x1.0p-53;
    }
    bool roll(double share) { return share > 0 && uniform() < share; }
};

// Byte i of every generated body is 'a' + i % 26, so a client can check what it received.
char pattern_byte(std::size_t i) { return static_cast<char>('a' + i % 26); }

const char* reason_phrase(int status) {
    switch (status) {
        case 200: return "OK";
        case 400: return "Bad Request";
        case 404: return "Not Found";
        case 413: return "Content Too Large";
        case 429: return "Too Many Requests";
        case 431: return "Request Header Fields Too Large";
        case 501: return "Not Implemented";
        case 505: return "HTTP Version Not Supported";
        default: return "Unknown";
    }
}

// Appends to a fixed buffer without allocating (the head is at most a few hundred bytes).
struct HeadWriter {
    char* out;
    std::size_t length = 0;
    void text(std::string_view s) {
        std::memcpy(out + length, s.data(), s.size());
        length += s.size();
    }
    void number(std::uint64_t n, int base = 10) {
        length = static_cast<std::size_t>(std::to_chars(out + length, out + length + 24, n, base).ptr - out);
    }
};

}  // namespace

struct HttpServer::Settings {
    mutable std::mutex mutex;
    std::atomic<std::uint64_t> version{1};
    HttpFaults faults;
    std::vector<StallWindow> stalls;

    std::mutex bucket_mutex;
    double tokens = 0;
    std::int64_t refilled_ns = 0;

    // 0: a token was taken; otherwise the Retry-After seconds. Only called with a rate set.
    int take_token(const HttpFaults& f, std::int64_t now) {
        std::lock_guard lock(bucket_mutex);
        const double burst = f.rate_limit_burst > 0 ? f.rate_limit_burst : f.rate_limit_per_second;
        tokens = std::min(burst, tokens + static_cast<double>(now - refilled_ns) * 1e-9 * f.rate_limit_per_second);
        refilled_ns = now;
        if (tokens >= 1) {
            tokens -= 1;
            return 0;
        }
        return std::max(1, static_cast<int>(std::ceil((1 - tokens) / f.rate_limit_per_second)));
    }
    void refill_bucket(const HttpFaults& f, std::int64_t now) {
        std::lock_guard lock(bucket_mutex);
        tokens = f.rate_limit_burst > 0 ? f.rate_limit_burst : f.rate_limit_per_second;
        refilled_ns = now;
    }
};

namespace {

enum class Phase { read_request, wait_timer, write_response, never_answer };
enum class BodySource { none, pattern, input, chunked };
enum class After { next_request, close, reset };

struct Connection {
    int fd = -1;
    std::uint64_t serial = 0;
    Phase phase = Phase::read_request;
    bool readable = true;  // edge-triggered: true until a read comes back short
    bool held_counted = false;
    bool trickle = false;

    // Input: [begin, end) of `in` holds unread bytes; the buffer is reused across connections.
    std::unique_ptr<char[]> in;
    std::size_t capacity = 0, begin = 0, end = 0;
    RequestParser parser;

    // The response being sent: head, then body_length bytes from body_source.
    std::array<char, 512> head{};
    std::size_t head_length = 0;
    BodySource body_source = BodySource::none;
    std::size_t body_offset = 0;  // into `in` for an echo
    std::size_t body_length = 0;
    std::string chunked;          // capacity kept
    std::size_t sent = 0;
    std::size_t send_limit = 0;   // < head + body when the connection is reset mid-response
    After after = After::next_request;
    int status = 0;
    bool is_malformed = false;

    void reserve_input(std::size_t needed) {
        if (begin > 0 && (capacity - end < needed || begin == end)) {
            std::memmove(in.get(), in.get() + begin, end - begin);
            end -= begin;
            begin = 0;
        }
        if (capacity - end >= needed) return;
        const std::size_t grown = std::max(capacity * 2, end + needed);
        auto bigger = std::make_unique_for_overwrite<char[]>(grown);
        if (end) std::memcpy(bigger.get(), in.get(), end);
        in = std::move(bigger);
        capacity = grown;
    }
};

struct Timer {
    std::int64_t due_ns;
    int fd;
    std::uint64_t serial;
    bool operator>(const Timer& o) const { return due_ns > o.due_ns; }
};

}  // namespace

struct HttpServer::Worker {
    const HttpServerOptions& options;
    Settings& settings;
    int listen_fd;
    int stop_fd;
    int epoll_fd = -1;
    WorkerCounters counters;

    std::vector<std::unique_ptr<Connection>> by_fd;
    std::priority_queue<Timer, std::vector<Timer>, std::greater<>> timers;
    std::vector<char> pattern;  // grows to the largest body asked for, then stays
    std::uint64_t next_serial = 1;
    FaultDice dice;

    // This worker's copy of the fault settings, refreshed when their version moves.
    std::uint64_t settings_version = 0;
    HttpFaults faults;
    std::vector<StallWindow> stalls;

    Worker(const HttpServerOptions& o, Settings& s, int listen, int stop, std::uint64_t seed)
        : options(o), settings(s), listen_fd(listen), stop_fd(stop), dice{seed | 1} {
        epoll_fd = epoll_create1(EPOLL_CLOEXEC);
        if (epoll_fd < 0) throw HttpServerError(std::string("epoll_create1: ") + std::strerror(errno));
        epoll_event stop_event{EPOLLIN, {.u64 = kStopTag}};
        // EPOLLEXCLUSIVE: a new connection wakes one worker, not all of them.
        epoll_event listen_event{EPOLLIN | EPOLLEXCLUSIVE, {.u64 = kListenTag}};
        if (epoll_ctl(epoll_fd, EPOLL_CTL_ADD, stop_fd, &stop_event) < 0 ||
            epoll_ctl(epoll_fd, EPOLL_CTL_ADD, listen_fd, &listen_event) < 0) {
            const std::string why = std::strerror(errno);
            ::close(epoll_fd);
            throw HttpServerError("epoll_ctl: " + why);
        }
        refresh_settings();
    }

    ~Worker() {
        for (auto& c : by_fd)
            if (c && c->fd >= 0) ::close(c->fd);
        ::close(epoll_fd);
    }

    void refresh_settings() {
        const std::uint64_t v = settings.version.load(std::memory_order_acquire);
        if (v == settings_version) return;
        std::lock_guard lock(settings.mutex);
        faults = settings.faults;
        stalls = settings.stalls;
        settings_version = settings.version.load(std::memory_order_relaxed);
    }

    void run() {
        std::array<epoll_event, kMaxEvents> events;
        for (;;) {
            const int n = wait(events.data());
            for (int i = 0; i < n; ++i) {
                const std::uint64_t tag = events[i].data.u64;
                if (tag == kStopTag) return;
                if (tag == kListenTag) {
                    accept_all();
                    continue;
                }
                Connection* c = by_fd[tag].get();
                if (c->fd < 0) continue;
                if (events[i].events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) c->readable = true;
                drive(*c);
            }
            fire_timers();
        }
    }

    int wait(epoll_event* events) {
        if (timers.empty()) {
            const int n = epoll_wait(epoll_fd, events, kMaxEvents, -1);
            return n < 0 ? 0 : n;
        }
        // Delays are often a millisecond or less: epoll_pwait2 waits to the nanosecond where
        // epoll_wait would round up to whole milliseconds.
        const std::int64_t left = std::max<std::int64_t>(0, timers.top().due_ns - now_ns());
        const timespec timeout{static_cast<time_t>(left / 1'000'000'000), static_cast<long>(left % 1'000'000'000)};
        int n = epoll_pwait2(epoll_fd, events, kMaxEvents, &timeout, nullptr);
        if (n < 0 && errno == ENOSYS)  // kernels before 5.11
            n = epoll_wait(epoll_fd, events, kMaxEvents, static_cast<int>((left + 999'999) / 1'000'000));
        return n < 0 ? 0 : n;
    }

    void accept_all() {
        for (;;) {
            const int fd = accept4(listen_fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
            // EAGAIN: another worker took it. Out of fds (EMFILE): the level-triggered listener
            // wakes this worker again at once, so it spins until a connection closes; the
            // server is for loopback tests, where that is a misconfiguration to see, not hide.
            if (fd < 0) return;
            const int one = 1;
            setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
            if (by_fd.size() <= static_cast<std::size_t>(fd)) by_fd.resize(fd + 1);
            if (!by_fd[fd]) by_fd[fd] = std::make_unique<Connection>();
            Connection& c = *by_fd[fd];
            c.fd = fd;
            c.serial = next_serial++;
            c.phase = Phase::read_request;
            c.readable = true;
            c.begin = c.end = 0;
            c.parser.reset();
            epoll_event event{EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, {.u64 = static_cast<std::uint64_t>(fd)}};
            if (epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &event) < 0) {
                ::close(fd);
                c.fd = -1;
                continue;
            }
            counters.connections_accepted.add();
        }
    }

    void close_connection(Connection& c) {
        ::close(c.fd);
        c.fd = -1;
        if (c.capacity > kKeptInputCapacity) {
            c.in.reset();
            c.capacity = 0;
        }
        c.begin = c.end = 0;
    }

    // An RST instead of a FIN: SO_LINGER with a zero timeout makes close() abort the connection.
    void reset_connection(Connection& c) {
        const linger abort_now{1, 0};
        setsockopt(c.fd, SOL_SOCKET, SO_LINGER, &abort_now, sizeof abort_now);
        counters.resets.add();
        close_connection(c);
    }

    // Reads what the socket has. False when the peer closed or the socket failed (then closed).
    bool read_some(Connection& c) {
        c.reserve_input(kReadChunk);
        const std::size_t room = c.capacity - c.end;
        const ssize_t n = ::read(c.fd, c.in.get() + c.end, room);
        if (n > 0) {
            c.end += static_cast<std::size_t>(n);
            counters.bytes_received.add(static_cast<std::uint64_t>(n));
            // A short read emptied the socket: with edge triggering the next byte brings a new
            // event, so no read is spent on EAGAIN (one system call less per request).
            if (static_cast<std::size_t>(n) < room) c.readable = false;
            return true;
        }
        if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
            c.readable = errno == EINTR;
            return true;
        }
        close_connection(c);
        return false;
    }

    void drive(Connection& c) {
        while (c.fd >= 0) {
            switch (c.phase) {
                case Phase::wait_timer:
                    return;
                case Phase::never_answer:
                    // Read and drop whatever comes, so the peer's close is seen and the fd freed.
                    if (!c.readable || !read_some(c)) return;
                    c.begin = c.end;
                    break;
                case Phase::write_response:
                    if (!write_some(c)) return;
                    break;
                case Phase::read_request: {
                    const ParseStatus s = c.parser.parse(c.in.get() + c.begin, c.end - c.begin, kMaxHeaderBytes,
                                                         options.max_body_bytes);
                    if (s == ParseStatus::complete) {
                        counters.requests.add();
                        respond(c);
                    } else if (s != ParseStatus::incomplete) {
                        respond_error(c, s);
                    } else {
                        if (c.parser.wanted_total() > c.end - c.begin)
                            c.reserve_input(c.parser.wanted_total() - (c.end - c.begin));
                        if (!c.readable || !read_some(c)) return;
                    }
                    break;
                }
            }
        }
    }

    std::uint64_t pattern_bytes(std::uint64_t n) {
        const std::size_t had = pattern.size();
        if (n > had) {
            pattern.resize(n);
            for (std::size_t i = had; i < n; ++i) pattern[i] = pattern_byte(i);
        }
        return n;
    }

    void respond_error(Connection& c, ParseStatus s) {
        const int status = s == ParseStatus::head_too_large       ? 431
                           : s == ParseStatus::body_too_large     ? 413
                           : s == ParseStatus::unsupported_coding ? 501
                           : s == ParseStatus::bad_version        ? 505
                                                                  : 400;
        counters.requests.add();
        prepare(c, status, BodySource::none, 0, 0, /*force_close=*/true);
        start_response(c, now_ns());
    }

    void respond(Connection& c) {
        refresh_settings();
        const std::int64_t now = now_ns();
        const RequestView& r = c.parser.request();

        if (dice.roll(faults.never_answer_share)) {
            counters.never_answered.add();
            c.begin += r.total_length;
            c.parser.reset();
            c.phase = Phase::never_answer;
            return;
        }

        int status = 200;
        BodySource source = BodySource::pattern;
        std::uint64_t length = 0;
        std::size_t offset = 0;
        int retry_after = 0;
        if (dice.roll(faults.rate_limited_share)) {
            retry_after = 1;
        } else if (faults.rate_limit_per_second > 0) {
            retry_after = settings.take_token(faults, now);
        }
        if (retry_after > 0) {
            status = 429;
            source = BodySource::none;
            counters.rate_limited.add();
        } else if (r.route == Route::echo) {
            source = BodySource::input;
            offset = c.begin + r.head_length;
            length = r.body_length;
        } else if (r.route == Route::bytes) {
            length = r.size_given ? r.size : options.body_bytes;
        } else if (r.route == Route::chunked || r.route == Route::trickle) {
            source = BodySource::chunked;
            length = r.size;
        } else if (r.route == Route::until_close) {
            length = r.size;
        } else {
            status = 404;
            source = BodySource::none;
        }
        if (source == BodySource::pattern || source == BodySource::chunked) {
            if (length > options.max_body_bytes) {
                status = 413;
                source = BodySource::none;
                length = 0;
            } else {
                pattern_bytes(length);
            }
        }
        if (source == BodySource::chunked) build_chunked(c, length, r.chunk_given ? r.chunk : options.chunk_bytes);
        const bool until_close = r.route == Route::until_close && status == 200;
        prepare(c, status, source, offset, length, !r.keep_alive || until_close, retry_after, r.http10_keep_alive,
                until_close);
        c.trickle = r.route == Route::trickle && status == 200;

        if (dice.roll(faults.reset_share)) {
            c.after = After::reset;
            const std::size_t total = c.head_length + c.body_length;
            c.send_limit = c.body_length > 0 ? c.head_length + c.body_length / 2 : total / 2;
        } else if (dice.roll(faults.malformed_share)) {
            make_malformed(c);
        }

        std::int64_t due = now;
        if (faults.delay_seconds > 0 || faults.delay_jitter_seconds > 0)
            due += seconds_to_ns(faults.delay_seconds + faults.delay_jitter_seconds * dice.uniform());
        start_response(c, due);
    }

    void build_chunked(Connection& c, std::uint64_t length, std::uint64_t chunk) {
        if (chunk == 0) chunk = length ? length : 1;
        c.chunked.clear();
        char hex[24];
        for (std::uint64_t at = 0; at < length; at += chunk) {
            const std::uint64_t n = std::min(chunk, length - at);
            const auto end = std::to_chars(hex, hex + sizeof hex, n, 16).ptr;
            c.chunked.append(hex, end);
            c.chunked.append("\r\n");
            c.chunked.append(pattern.data() + at, n);
            c.chunked.append("\r\n");
        }
        c.chunked.append("0\r\n\r\n");
    }

    // `until_close`: no Content-Length and no chunking; the body ends when the connection does.
    void prepare(Connection& c, int status, BodySource source, std::size_t offset, std::uint64_t length,
                 bool close, int retry_after = 0, bool http10_keep_alive = false, bool until_close = false) {
        HeadWriter h{c.head.data()};
        h.text("HTTP/1.1 ");
        h.number(static_cast<std::uint64_t>(status));
        h.text(" ");
        h.text(reason_phrase(status));
        h.text("\r\n");
        if (source == BodySource::chunked) {
            h.text("Transfer-Encoding: chunked\r\n");
        } else if (!until_close) {
            h.text("Content-Length: ");
            h.number(length);
            h.text("\r\n");
        }
        if (retry_after > 0) {
            h.text("Retry-After: ");
            h.number(static_cast<std::uint64_t>(retry_after));
            h.text("\r\n");
        }
        if (close) h.text("Connection: close\r\n");
        else if (http10_keep_alive) h.text("Connection: keep-alive\r\n");
        h.text("\r\n");
        c.head_length = h.length;
        c.body_source = source;
        c.body_offset = offset;
        c.body_length = source == BodySource::chunked ? c.chunked.size() : static_cast<std::size_t>(length);
        c.send_limit = c.head_length + c.body_length;
        c.status = status;
        c.after = close ? After::close : After::next_request;
        c.is_malformed = false;
        c.held_counted = false;
        c.trickle = false;
        c.sent = 0;
    }

    // The two broken framings a client must survive: a status line without a code, and a
    // Content-Length promising 16 bytes more than are sent. Both close the connection after.
    void make_malformed(Connection& c) {
        HeadWriter h{c.head.data()};
        if (faults.malformed_kind == MalformedKind::status_line) {
            h.text("HTTP/1.1 OK\r\nContent-Length: ");
            h.number(c.body_length);
        } else {
            h.text("HTTP/1.1 200 OK\r\nContent-Length: ");
            h.number(c.body_length + 16);
        }
        h.text("\r\nConnection: close\r\n\r\n");
        if (c.body_source == BodySource::chunked) c.body_source = BodySource::pattern, c.body_length = 0;
        c.head_length = h.length;
        c.send_limit = c.head_length + c.body_length;
        c.after = After::close;
        c.is_malformed = true;
    }

    void start_response(Connection& c, std::int64_t due) {
        const std::int64_t released = after_stalls(due, stalls);
        if (released != due) {
            counters.held_by_stall.add();
            c.held_counted = true;
        }
        if (released > now_ns()) {
            c.phase = Phase::wait_timer;
            timers.push({released, c.fd, c.serial});
            return;
        }
        c.phase = Phase::write_response;
    }

    void fire_timers() {
        if (timers.empty()) return;
        refresh_settings();
        std::int64_t now = now_ns();
        while (!timers.empty() && timers.top().due_ns <= now) {
            const Timer t = timers.top();
            timers.pop();
            Connection* c = by_fd[t.fd].get();
            if (c->fd < 0 || c->serial != t.serial || c->phase != Phase::wait_timer) continue;
            // A stall set after this response was scheduled holds it too.
            const std::int64_t released = after_stalls(now, stalls);
            if (released > now) {
                if (!c->held_counted) counters.held_by_stall.add();
                c->held_counted = true;
                timers.push({released, c->fd, c->serial});
                continue;
            }
            c->phase = Phase::write_response;
            drive(*c);
            now = now_ns();
        }
    }

    const char* body_data(const Connection& c) const {
        switch (c.body_source) {
            case BodySource::pattern: return pattern.data();
            case BodySource::input: return c.in.get() + c.body_offset;
            case BodySource::chunked: return c.chunked.data();
            case BodySource::none: break;
        }
        return nullptr;
    }

    // Sends what the socket takes. True when the response is done (and the connection moved
    // on to its next request or was closed); false when the socket is full or gone.
    bool write_some(Connection& c) {
        while (c.sent < c.send_limit) {
            iovec parts[2];
            int count = 0;
            if (c.sent < c.head_length) parts[count++] = {c.head.data() + c.sent, c.head_length - c.sent};
            const std::size_t body_sent = c.sent > c.head_length ? c.sent - c.head_length : 0;
            if (c.body_length > body_sent)
                parts[count++] = {const_cast<char*>(body_data(c)) + body_sent, c.body_length - body_sent};
            // Cut the vector at send_limit (a reset sends only part of the response).
            std::size_t allowed = c.send_limit - c.sent;
            if (c.trickle) allowed = std::min(allowed, kTrickleBytes);
            for (int i = 0; i < count; ++i) {
                parts[i].iov_len = std::min(parts[i].iov_len, allowed);
                allowed -= parts[i].iov_len;
            }
            msghdr message{};
            message.msg_iov = parts;
            message.msg_iovlen = static_cast<std::size_t>(count);
            // MSG_NOSIGNAL: a client gone away is an EPIPE here, never a SIGPIPE for the process.
            const ssize_t n = sendmsg(c.fd, &message, MSG_NOSIGNAL);
            if (n < 0) {
                if (errno == EAGAIN || errno == EINTR) return false;  // EPOLLOUT (edge) resumes it
                close_connection(c);
                return false;
            }
            c.sent += static_cast<std::size_t>(n);
            counters.bytes_sent.add(static_cast<std::uint64_t>(n));
            if (c.trickle && c.sent < c.send_limit) {
                c.phase = Phase::wait_timer;
                timers.push({now_ns() + kTrickleGapNs, c.fd, c.serial});
                return false;
            }
        }
        finish_response(c);
        return c.fd >= 0;
    }

    void finish_response(Connection& c) {
        if (c.after == After::reset) {
            reset_connection(c);
            return;
        }
        if (c.is_malformed) {
            counters.malformed.add();
        } else {
            counters.responses.add();
            counters.by_status[static_cast<std::size_t>(c.status)].add();
        }
        if (c.after == After::close) {
            close_connection(c);
            return;
        }
        c.begin += c.parser.request().total_length;
        if (c.begin == c.end) c.begin = c.end = 0;
        c.parser.reset();
        c.phase = Phase::read_request;
    }
};

HttpServer::HttpServer(HttpServerOptions options)
    : options_(std::move(options)), settings_(std::make_unique<Settings>()) {
    settings_->faults = options_.faults;
}

HttpServer::~HttpServer() { stop(); }

void HttpServer::start() {
    if (running_) throw std::logic_error("the HTTP server is already running");
    if (options_.threads < 1) throw HttpServerError("threads must be at least 1");

    auto fail = [this](const char* what) {
        const std::string why = std::strerror(errno);
        if (listen_fd_ >= 0) ::close(listen_fd_);
        if (stop_fd_ >= 0) ::close(stop_fd_);
        listen_fd_ = stop_fd_ = -1;
        throw HttpServerError(std::string(what) + ": " + why);
    };
    listen_fd_ = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (listen_fd_ < 0) fail("socket");
    const int one = 1;
    // A restart on the same port must not wait for the previous connections' TIME_WAIT.
    setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<std::uint16_t>(options_.port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(listen_fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) < 0) fail("bind 127.0.0.1");
    if (listen(listen_fd_, options_.backlog) < 0) fail("listen");
    socklen_t length = sizeof address;
    if (getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&address), &length) < 0) fail("getsockname");
    port_ = ntohs(address.sin_port);
    stop_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (stop_fd_ < 0) fail("eventfd");

    const std::int64_t started = now_ns();
    {
        std::lock_guard lock(settings_->mutex);
        settings_->stalls.clear();
        for (const auto& s : options_.stalls)
            settings_->stalls.push_back({started + seconds_to_ns(s.at_seconds),
                                         started + seconds_to_ns(s.at_seconds + s.seconds)});
        settings_->version.fetch_add(1, std::memory_order_release);
    }
    settings_->refill_bucket(faults(), started);

    std::vector<std::unique_ptr<Worker>> workers;
    try {
        for (int i = 0; i < options_.threads; ++i)
            workers.push_back(std::make_unique<Worker>(options_, *settings_, listen_fd_, stop_fd_,
                                                       static_cast<std::uint64_t>(started) * (2 * i + 1)));
    } catch (const HttpServerError&) {
        workers.clear();
        ::close(listen_fd_);
        ::close(stop_fd_);
        listen_fd_ = stop_fd_ = -1;
        throw;
    }
    {
        std::lock_guard lock(lifecycle_mutex_);
        workers_ = std::move(workers);
    }
    for (auto& w : workers_) threads_.emplace_back([worker = w.get()] { worker->run(); });
    running_ = true;
}

void HttpServer::stop() {
    if (!running_) return;
    const std::uint64_t one = 1;
    // The eventfd stays readable (nobody reads it), so every worker sees it, however many.
    [[maybe_unused]] const ssize_t written = ::write(stop_fd_, &one, sizeof one);
    for (auto& t : threads_) t.join();
    threads_.clear();
    {
        std::lock_guard lock(lifecycle_mutex_);
        retired_ = counters_locked();
        workers_.clear();  // closes every connection
    }
    ::close(listen_fd_);
    ::close(stop_fd_);
    listen_fd_ = stop_fd_ = -1;
    running_ = false;
}

void HttpServer::set_faults(const HttpFaults& faults) {
    {
        std::lock_guard lock(settings_->mutex);
        settings_->faults = faults;
        settings_->version.fetch_add(1, std::memory_order_release);
    }
    settings_->refill_bucket(faults, now_ns());
}

HttpFaults HttpServer::faults() const {
    std::lock_guard lock(settings_->mutex);
    return settings_->faults;
}

void HttpServer::stall(double seconds, double after_seconds) {
    const std::int64_t now = now_ns();
    std::lock_guard lock(settings_->mutex);
    auto& stalls = settings_->stalls;
    std::erase_if(stalls, [now](const StallWindow& w) { return w.end_ns <= now; });
    stalls.push_back({now + seconds_to_ns(after_seconds), now + seconds_to_ns(after_seconds + seconds)});
    settings_->version.fetch_add(1, std::memory_order_release);
}

HttpServerCounters HttpServer::counters() const {
    std::lock_guard lock(lifecycle_mutex_);
    return counters_locked();
}

HttpServerCounters HttpServer::counters_locked() const {
    HttpServerCounters total = retired_;
    std::array<std::uint64_t, 600> by_status{};
    for (const auto& [status, count] : retired_.by_status) by_status[static_cast<std::size_t>(status)] += count;
    for (const auto& w : workers_) {
        const WorkerCounters& c = w->counters;
        total.connections_accepted += c.connections_accepted.get();
        total.requests += c.requests.get();
        total.responses += c.responses.get();
        total.bytes_received += c.bytes_received.get();
        total.bytes_sent += c.bytes_sent.get();
        total.rate_limited += c.rate_limited.get();
        total.resets += c.resets.get();
        total.malformed += c.malformed.get();
        total.never_answered += c.never_answered.get();
        total.held_by_stall += c.held_by_stall.get();
        for (std::size_t s = 0; s < by_status.size(); ++s) by_status[s] += c.by_status[s].get();
    }
    total.by_status.clear();
    for (std::size_t s = 0; s < by_status.size(); ++s)
        if (by_status[s]) total.by_status.emplace_back(static_cast<int>(s), by_status[s]);
    return total;
}

}  // namespace perfbench
