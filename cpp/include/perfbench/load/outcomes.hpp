// What became of each request a load test scheduled: the kinds of failure it counts and the
// counters every thread keeps (plain integers: each thread owns its own, merged at the end).
#pragma once

#include <array>
#include <cstdint>

namespace perfbench::load {

// A request that got no usable response. HTTP statuses are counted apart (StatusCounts):
// the server answered, so the request completed, even if with an error status.
enum class RequestError : std::uint8_t {
    connect_refused,  // nothing listens on the port (ECONNREFUSED)
    connect_failed,   // any other connect failure (unreachable, out of ports)
    reset,            // the connection was reset or closed before the response ended
    timeout,          // no complete response within the timeout (or never sent within it)
    malformed,        // bytes that are not an HTTP/1.1 response
};
inline constexpr std::size_t request_error_kinds = 5;
inline constexpr std::array<const char*, request_error_kinds> request_error_names = {
    "connect_refused", "connect_failed", "reset", "timeout", "malformed"};

struct LoadCounters {
    std::uint64_t scheduled = 0;  // requests due by the schedule (open loop) or issued (closed loop)
    std::uint64_t sent = 0;       // requests handed to a connection
    std::uint64_t completed = 0;  // complete responses, whatever their status
    std::uint64_t ok = 0;         // 1xx-3xx responses: the ones whose latency is recorded
    std::uint64_t rate_limited = 0;  // 429, counted apart from the other 4xx
    std::array<std::uint64_t, 6> status_class{};  // [1]..[5]: 1xx..5xx (429 excluded from [4])
    std::array<std::uint64_t, request_error_kinds> errors{};
    std::uint64_t waited_for_connection = 0;  // due while every connection of the thread was busy
    std::uint64_t connections_opened = 0;
    std::uint64_t cancelled = 0;  // in flight or waiting when stop() ended the run early

    void count_error(RequestError kind) noexcept { ++errors[static_cast<std::size_t>(kind)]; }
    std::uint64_t failed() const noexcept {
        std::uint64_t n = rate_limited + status_class[4] + status_class[5];
        for (auto e : errors) n += e;
        return n;
    }
    void add(const LoadCounters& other) noexcept {
        scheduled += other.scheduled;
        sent += other.sent;
        completed += other.completed;
        ok += other.ok;
        rate_limited += other.rate_limited;
        for (std::size_t i = 0; i < status_class.size(); ++i) status_class[i] += other.status_class[i];
        for (std::size_t i = 0; i < errors.size(); ++i) errors[i] += other.errors[i];
        waited_for_connection += other.waited_for_connection;
        connections_opened += other.connections_opened;
        cancelled += other.cancelled;
    }
};

}  // namespace perfbench::load
