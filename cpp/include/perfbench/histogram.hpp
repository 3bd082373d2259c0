// A log-linear latency histogram (the HdrHistogram idea, written for perfbench).
//
// Values below 2^M are counted exactly; above, each power-of-two range is split into
// 2^(M-1) equal sub-buckets, so every recorded value is known to within a relative error
// of 2^-(M-1): M = 11 (3 significant digits) gives 1/1024 < 0.1 %. Recording is a bit-width,
// two shifts and an increment (no division, no allocation, no branch on the value), cheap
// enough to sit inside the workloads and the load generator that it measures.
//
// One histogram belongs to one thread: nothing here is atomic. Threads record into their own
// and merge() them afterwards; merging is lossless (the counts of the union, exactly).
//
// Layout: values are in ns. `lowest_discernible` sets where the relative precision starts:
// values below it share one underflow bucket (they are still counted, and min, max, mean and
// stdev stay exact). It exists for memory: 1 ns to 1 h at 3 digits needs 33,421 buckets
// (267,368 bytes of 64-bit counts), over the 256 KiB (262,144 bytes) a histogram may take;
// 1 µs to 1 h needs 32,422 (259,520 bytes with the object), because the 1,000 exact buckets
// below 1 µs collapse into one. The in-process
// workloads measure hundreds of ns and keep the default (lowest_discernible = 1, up to 2^40 ns
// = 18 min, 31,745 buckets); network requests use request_latency() (1 µs to 1 h).
#pragma once

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <utility>
#include <vector>

namespace perfbench {

// Exact sums of values and of their squares: a 1 h value squared is 2^84, so 128 bits hold
// 2^44 such values before overflow, and sums merge and serialise without rounding.
__extension__ typedef unsigned __int128 uint128;

// What a histogram's buckets are; two histograms merge only when their layouts are equal.
struct HistogramLayout {
    int significant_digits = 3;              // 1..5
    std::uint64_t lowest_discernible = 1;    // ns; >= 1
    std::uint64_t highest_trackable = 1ull << 40;  // ns; above lowest_discernible, <= 2^48
    bool operator==(const HistogramLayout&) const = default;
};

// The largest highest_trackable: 2^48 ns is 78 h, and keeps the exact sum of squares (2^96
// per value) from overflowing 128 bits before 2^32 values at the very top of the range.
inline constexpr std::uint64_t kHighestTrackableLimit = 1ull << 48;

// Everything a histogram holds, as the serialisation writes it and restores it.
struct HistogramState {
    HistogramLayout layout;
    std::vector<std::pair<std::size_t, std::uint64_t>> nonzero_slots;  // (slot, count), ascending slot
    std::uint64_t saturated = 0;
    std::uint64_t min = 0;  // 0 when empty
    std::uint64_t max = 0;
    uint128 sum = 0;
    uint128 sum_of_squares = 0;
};

class LatencyHistogram {
public:
    // significant_digits in [1, 5]; values above highest_trackable are clamped to it and
    // counted in saturated() so reports can say the top of the range was cut off.
    explicit LatencyHistogram(int significant_digits = 3, std::uint64_t highest_trackable = (1ull << 40),
                              std::uint64_t lowest_discernible = 1);
    explicit LatencyHistogram(const HistogramLayout& layout)
        : LatencyHistogram(layout.significant_digits, layout.highest_trackable, layout.lowest_discernible) {}
    // Network request latencies: 1 µs to 1 h in ns at 3 significant digits (259,520 bytes).
    static LatencyHistogram request_latency() { return LatencyHistogram(3, 3'600'000'000'000ull, 1'000); }
    // Rebuilds a histogram from its state; throws std::invalid_argument naming the first
    // inconsistency (a slot out of range, counts that do not add up, min/max outside their buckets).
    static LatencyHistogram from_state(const HistogramState& state);

    void record(std::uint64_t value) noexcept { record_n(value, 1); }
    // Branch-free on the value (but for the saturation check), no allocation: measured
    // 2.0-2.2 ns per record into request_latency() (benchmarks/histogram_timing.cpp, 1e7
    // lognormal values). Inline so the caller's loop keeps its state in registers; an
    // out-of-line call measured 2.0-2.6 ns, so the layout, not the inlining, makes it cheap.
    void record_n(std::uint64_t value, std::uint64_t count) noexcept {
        if (count == 0) return;
        if (value > layout_.highest_trackable) [[unlikely]] {
            value = layout_.highest_trackable;
            saturated_ += count;
        }
        counts_[slot_of(value)] += count;
        total_ += count;
        min_ = std::min(min_, value);
        max_ = std::max(max_, value);
        sum_ += static_cast<uint128>(value) * count;
        sum_of_squares_ += static_cast<uint128>(value) * value * count;
    }
    // Coordinated-omission correction (as wrk2 does): when a response took `value` but
    // requests were due every `expected_interval`, the requests that could not be sent
    // meanwhile would have waited value - interval, value - 2*interval, ...; record them.
    void record_corrected(std::uint64_t value, std::uint64_t expected_interval) noexcept;
    // Adds other's counts; throws std::invalid_argument when the layouts differ (re-bucketing
    // would blur the counts, and a merge must stay exact).
    void merge(const LatencyHistogram& other);
    void reset() noexcept;

    std::uint64_t count() const noexcept { return total_; }
    std::uint64_t saturated() const noexcept { return saturated_; }
    std::uint64_t min() const noexcept { return total_ ? min_ : 0; }
    std::uint64_t max() const noexcept { return max_; }
    double mean() const noexcept;
    double stdev() const noexcept;
    // Highest value equivalent (within the bucket's precision) to the value at quantile q
    // in [0, 100] (clamped); reporting the bucket's upper edge never under-states a tail.
    // The result never exceeds max(), so p100 is the exact max.
    std::uint64_t value_at_percentile(double percentile) const noexcept;
    // The same for many percentiles in one pass over the buckets; out[i] answers
    // percentiles[i] (any order). Throws std::invalid_argument for a percentile outside
    // [0, 100] or NaN, or when out is not as long as percentiles.
    void values_at_percentiles(std::span<const double> percentiles, std::span<std::uint64_t> out) const;

    const HistogramLayout& layout() const noexcept { return layout_; }
    int significant_digits() const noexcept { return layout_.significant_digits; }
    std::uint64_t highest_trackable() const noexcept { return layout_.highest_trackable; }
    std::uint64_t lowest_discernible() const noexcept { return layout_.lowest_discernible; }
    // The buckets: counts()[i] counts values in [lowest_of_slot(i), highest_of_slot(i)].
    // Slot 0 is the underflow bucket [0, lowest_discernible) (just value 0 when it is 1).
    std::span<const std::uint64_t> counts() const noexcept { return counts_; }
    std::uint64_t lowest_of_slot(std::size_t slot) const noexcept;
    std::uint64_t highest_of_slot(std::size_t slot) const noexcept;
    // Bucket edges in numpy's convention: counts()[i] holds values v with edges[i] <= v < edges[i+1].
    std::vector<std::uint64_t> bucket_edges() const;
    // (bucket upper edge, count) for every non-empty bucket, ascending.
    std::vector<std::pair<std::uint64_t, std::uint64_t>> nonzero_buckets() const;
    // This object and its buckets, in bytes.
    std::size_t memory_bytes() const noexcept { return sizeof(*this) + counts_.capacity() * sizeof(std::uint64_t); }
    HistogramState state() const;

    bool operator==(const LatencyHistogram& other) const = default;

private:
    // The bucket of a value not above highest_trackable: its standard index, with the
    // indexes below lowest_discernible's folded into slot 0 (a max, not a branch).
    std::size_t slot_of(std::uint64_t value) const noexcept {
        const std::uint64_t index = log_linear_index(value, sub_bucket_bits_, exact_mask_);
        return static_cast<std::size_t>(std::max(index, first_index_ - 1) - (first_index_ - 1));
    }
    // The standard log-linear layout: `shift` is 0 in the exact range [0, 2^M) (the OR gives
    // every value there bit width M) and counts octaves above it, each of 2^(M-1) buckets
    // indexed by the value's top M bits.
    static std::uint64_t log_linear_index(std::uint64_t value, unsigned m, std::uint64_t exact_mask) noexcept {
        const unsigned shift = static_cast<unsigned>(std::bit_width(value | exact_mask)) - m;
        return (static_cast<std::uint64_t>(shift) << (m - 1)) + (value >> shift);
    }
    std::uint64_t lowest_of_index(std::uint64_t index) const noexcept;
    // One walk over the buckets for ranks in ascending order (the histogram is not empty).
    void values_at_ascending_ranks(std::span<const std::uint64_t> ranks, std::span<std::uint64_t> out) const noexcept;

    HistogramLayout layout_;
    unsigned sub_bucket_bits_;   // M
    std::uint64_t exact_mask_;   // 2^M - 1
    std::uint64_t first_index_;  // the standard layout's index of lowest_discernible: slot 1
    std::vector<std::uint64_t> counts_;
    std::uint64_t total_ = 0;
    std::uint64_t saturated_ = 0;
    std::uint64_t min_ = ~0ull;
    std::uint64_t max_ = 0;
    uint128 sum_ = 0;
    uint128 sum_of_squares_ = 0;
};

}  // namespace perfbench
