// The per-second timeline of a load test: every thread closes each 1 s window of its own
// figures (counters and three histograms) into the collector, which merges the threads' windows
// and turns a second into one row once every thread has closed it. Threads report once a second,
// so the mutex is taken T times a second, never per request.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <vector>

#include "perfbench/histogram.hpp"
#include "perfbench/load/outcomes.hpp"

namespace perfbench::load {

// One thread's figures over one window; also what the collector merges them into.
struct WindowRecord {
    LoadCounters counters;
    // The engine's layout (request_latency: 1 µs to 1 h), so that windows merge into its totals.
    LatencyHistogram corrected = LatencyHistogram::request_latency();
    LatencyHistogram uncorrected = LatencyHistogram::request_latency();
    LatencyHistogram lag = LatencyHistogram::request_latency();
    void reset() noexcept;
    void add(const WindowRecord& other);
};

struct TimelineSecond {
    std::int64_t second = 0;  // window [second, second + 1) s from the run's start
    double span_s = 1.0;      // < 1 for the run's last, partial window
    LoadCounters counters;
    std::uint64_t corrected_p50 = 0, corrected_p99 = 0, uncorrected_p50 = 0, uncorrected_p99 = 0;
    std::uint64_t lag_p50 = 0, lag_p99 = 0, lag_max = 0;
};

class TimelineCollector {
public:
    explicit TimelineCollector(unsigned threads) : threads_(threads) {}
    // span_s: how much of the window the thread lived through (1 but for its last window).
    void close_window(std::int64_t second, const WindowRecord& window, double span_s = 1.0);
    // Rows from index `first` on (rows are final once returned).
    std::vector<TimelineSecond> rows_since(std::size_t first) const;
    // After every thread stopped: rows still waiting for a thread (none when all ended normally).
    void finish();

private:
    struct Pending {
        WindowRecord merged;
        unsigned reported = 0;
        double span_s = 0;
    };
    void emit(std::int64_t second, const Pending& pending);

    unsigned threads_;
    mutable std::mutex mutex_;
    std::map<std::int64_t, Pending> pending_;
    std::vector<TimelineSecond> rows_;
};

}  // namespace perfbench::load
