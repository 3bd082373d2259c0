// The open loop's schedule of *intended* send times.
//
// A run's rate is a list of stages, each a constant rate for a duration (constant rate is one
// stage; ramping is several; a burst is baseline -> burst -> baseline). Arrivals are evenly
// spaced or Poisson. The expected number of requests due by time t is N(t) = integral of the
// rate; request n is due when N(t) reaches its position u_n on that count: u_n = n for even
// spacing, and u_n - u_(n-1) exponentially distributed with mean 1 for Poisson (the
// time-rescaling theorem: this gives a Poisson process whose rate follows the stages).
// Each of T threads takes every T-th position, so the threads' schedules interleave into
// the whole run's without talking to each other.
#pragma once

#include <cstdint>
#include <random>
#include <vector>

namespace perfbench::load {

struct Stage {
    double rate = 0;               // requests per second over all threads; 0 is a pause
    std::int64_t duration_ns = 0;  // < 0: unbounded (a run bounded by its request count)
};

struct ScheduledSend {
    std::int64_t offset_ns;  // intended send time from the run's start
    std::uint32_t stage;
};

class SendSchedule {
public:
    // max_requests: this thread's share of the run's request count (0: no count limit).
    SendSchedule(std::vector<Stage> stages, bool poisson, unsigned thread_index, unsigned thread_count,
                 std::uint64_t max_requests, std::uint64_t seed);
    // The next intended send, or false once the stages or the request count are exhausted.
    bool next(ScheduledSend& out);
    // Start offset of each stage (one more entry: the end of the last), for phase-wise figures.
    const std::vector<std::int64_t>& stage_starts() const noexcept { return starts_; }

private:
    std::vector<Stage> stages_;
    std::vector<std::int64_t> starts_;
    std::vector<double> counts_before_;  // N at the start of each stage
    bool poisson_;
    double step_;       // distance between this thread's positions on N (thread_count)
    double position_;   // u of the next request
    std::uint64_t remaining_;
    bool limited_;
    std::size_t stage_ = 0;
    std::mt19937_64 random_;
    std::exponential_distribution<double> gap_{1.0};
};

}  // namespace perfbench::load
