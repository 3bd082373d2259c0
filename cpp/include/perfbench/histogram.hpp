// A log-linear latency histogram (the HdrHistogram idea, written for perfbench).
//
// Values below 2^M are counted exactly; above, each power-of-two range is split into
// 2^(M-1) equal sub-buckets, so every recorded value is known to within a relative error
// of 2^-(M-1): M = 11 (3 significant digits) gives 0.1 %. Recording is a bit-width, a
// shift and an increment (no division, no allocation), cheap enough to sit inside the
// workloads and the load generator that it measures.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

namespace perfbench {

class LatencyHistogram {
public:
    // significant_digits in [1, 5]; values above highest_trackable are clamped to it and
    // counted in saturated() so reports can say the top of the range was cut off.
    explicit LatencyHistogram(int significant_digits = 3, std::uint64_t highest_trackable = (1ull << 40));

    void record(std::uint64_t value) noexcept { record_n(value, 1); }
    void record_n(std::uint64_t value, std::uint64_t count) noexcept;
    // Coordinated-omission correction (as wrk2 does): when a response took `value` but
    // requests were due every `expected_interval`, the requests that could not be sent
    // meanwhile would have waited value - interval, value - 2*interval, ...; record them.
    void record_corrected(std::uint64_t value, std::uint64_t expected_interval) noexcept;
    void merge(const LatencyHistogram& other);
    void reset() noexcept;

    std::uint64_t count() const noexcept { return total_; }
    std::uint64_t saturated() const noexcept { return saturated_; }
    std::uint64_t min() const noexcept { return total_ ? min_ : 0; }
    std::uint64_t max() const noexcept { return max_; }
    double mean() const noexcept;
    double stdev() const noexcept;
    // Highest value equivalent (within the bucket's precision) to the value at quantile q
    // in [0, 100]; reporting the bucket's upper edge never under-states a tail.
    std::uint64_t value_at_percentile(double percentile) const noexcept;
    int significant_digits() const noexcept { return significant_digits_; }
    std::uint64_t highest_trackable() const noexcept { return highest_trackable_; }
    // (bucket upper edge, count) for every non-empty bucket, ascending.
    std::vector<std::pair<std::uint64_t, std::uint64_t>> nonzero_buckets() const;

private:
    std::size_t index_of(std::uint64_t value) const noexcept;
    std::uint64_t lowest_of(std::size_t index) const noexcept;
    std::uint64_t highest_of(std::size_t index) const noexcept;

    int significant_digits_;
    int sub_bucket_bits_;  // M
    std::uint64_t highest_trackable_;
    std::vector<std::uint64_t> counts_;
    std::uint64_t total_ = 0;
    std::uint64_t saturated_ = 0;
    std::uint64_t min_ = ~0ull;
    std::uint64_t max_ = 0;
    long double sum_ = 0;
    long double sum_squares_ = 0;
};

}  // namespace perfbench
