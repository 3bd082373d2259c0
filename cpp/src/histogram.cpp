#include "perfbench/histogram.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <stdexcept>

namespace perfbench {

namespace {
int sub_bucket_bits_for(int digits) {
    // Smallest M with 2^(M-1) >= 10^digits: the sub-buckets of each range then resolve
    // `digits` significant decimal digits.
    const double needed = std::pow(10.0, digits);
    int bits = 1;
    while (static_cast<double>(1ull << (bits - 1)) < needed) ++bits;
    return bits;
}
}  // namespace

LatencyHistogram::LatencyHistogram(int significant_digits, std::uint64_t highest_trackable)
    : significant_digits_(significant_digits), highest_trackable_(highest_trackable) {
    if (significant_digits < 1 || significant_digits > 5)
        throw std::invalid_argument("significant_digits must be between 1 and 5");
    sub_bucket_bits_ = sub_bucket_bits_for(significant_digits);
    if (highest_trackable < (1ull << sub_bucket_bits_))
        throw std::invalid_argument("highest_trackable is below the histogram's exact range");
    counts_.assign(index_of(highest_trackable) + 1, 0);
}

std::size_t LatencyHistogram::index_of(std::uint64_t value) const noexcept {
    const int m = sub_bucket_bits_;
    const int width = std::bit_width(value);
    if (width <= m) return static_cast<std::size_t>(value);
    const int shift = width - m;
    const std::uint64_t half = 1ull << (m - 1);
    return static_cast<std::size_t>((1ull << m) + static_cast<std::uint64_t>(shift - 1) * half +
                                    ((value >> shift) - half));
}

std::uint64_t LatencyHistogram::lowest_of(std::size_t index) const noexcept {
    const std::uint64_t exact = 1ull << sub_bucket_bits_;
    if (index < exact) return index;
    const std::uint64_t half = exact >> 1;
    const std::uint64_t shift = (index - exact) / half + 1;
    const std::uint64_t sub = (index - exact) % half + half;
    return sub << shift;
}

std::uint64_t LatencyHistogram::highest_of(std::size_t index) const noexcept {
    const std::uint64_t exact = 1ull << sub_bucket_bits_;
    if (index < exact) return index;
    const std::uint64_t shift = (index - exact) / (exact >> 1) + 1;
    return lowest_of(index) + (1ull << shift) - 1;
}

void LatencyHistogram::record_n(std::uint64_t value, std::uint64_t count) noexcept {
    if (count == 0) return;
    if (value > highest_trackable_) {
        value = highest_trackable_;
        saturated_ += count;
    }
    counts_[index_of(value)] += count;
    total_ += count;
    min_ = std::min(min_, value);
    max_ = std::max(max_, value);
    const long double v = static_cast<long double>(value);
    sum_ += v * static_cast<long double>(count);
    sum_squares_ += v * v * static_cast<long double>(count);
}

void LatencyHistogram::record_corrected(std::uint64_t value, std::uint64_t expected_interval) noexcept {
    record(value);
    if (expected_interval == 0) return;
    for (std::uint64_t missing = value > expected_interval ? value - expected_interval : 0;
         missing >= expected_interval; missing -= expected_interval)
        record(missing);
}

void LatencyHistogram::merge(const LatencyHistogram& other) {
    if (other.sub_bucket_bits_ != sub_bucket_bits_ || other.highest_trackable_ != highest_trackable_)
        throw std::invalid_argument("can only merge histograms of the same precision and range");
    for (std::size_t i = 0; i < counts_.size(); ++i) counts_[i] += other.counts_[i];
    total_ += other.total_;
    saturated_ += other.saturated_;
    if (other.total_) {
        min_ = std::min(min_, other.min_);
        max_ = std::max(max_, other.max_);
    }
    sum_ += other.sum_;
    sum_squares_ += other.sum_squares_;
}

void LatencyHistogram::reset() noexcept {
    std::fill(counts_.begin(), counts_.end(), 0);
    total_ = saturated_ = max_ = 0;
    min_ = ~0ull;
    sum_ = sum_squares_ = 0;
}

double LatencyHistogram::mean() const noexcept {
    return total_ ? static_cast<double>(sum_ / static_cast<long double>(total_)) : 0.0;
}

double LatencyHistogram::stdev() const noexcept {
    if (total_ < 2) return 0.0;
    const long double n = static_cast<long double>(total_);
    const long double variance = (sum_squares_ - sum_ * sum_ / n) / (n - 1);
    return variance > 0 ? static_cast<double>(std::sqrt(variance)) : 0.0;
}

std::uint64_t LatencyHistogram::value_at_percentile(double percentile) const noexcept {
    if (total_ == 0) return 0;
    const double q = std::clamp(percentile, 0.0, 100.0) / 100.0;
    // The rank of the requested quantile, at least 1 so p0 is the smallest value.
    const std::uint64_t rank = std::max<std::uint64_t>(
        1, static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(total_))));
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < counts_.size(); ++i) {
        seen += counts_[i];
        if (seen >= rank) return std::min(highest_of(i), max_);
    }
    return max_;
}

std::vector<std::pair<std::uint64_t, std::uint64_t>> LatencyHistogram::nonzero_buckets() const {
    std::vector<std::pair<std::uint64_t, std::uint64_t>> out;
    for (std::size_t i = 0; i < counts_.size(); ++i)
        if (counts_[i]) out.emplace_back(highest_of(i), counts_[i]);
    return out;
}

}  // namespace perfbench
