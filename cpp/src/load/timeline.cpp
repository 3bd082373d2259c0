#include "perfbench/load/timeline.hpp"

#include <algorithm>

namespace perfbench::load {

namespace {
// Merging walks every bucket (~32k); an idle window has nothing to add.
void merge_if_any(LatencyHistogram& into, const LatencyHistogram& from) {
    if (from.count()) into.merge(from);
}
}  // namespace

void WindowRecord::reset() noexcept {
    counters = {};
    if (corrected.count()) corrected.reset();
    if (uncorrected.count()) uncorrected.reset();
    if (lag.count()) lag.reset();
}

void WindowRecord::add(const WindowRecord& other) {
    counters.add(other.counters);
    merge_if_any(corrected, other.corrected);
    merge_if_any(uncorrected, other.uncorrected);
    merge_if_any(lag, other.lag);
}

void TimelineCollector::close_window(std::int64_t second, const WindowRecord& window) {
    std::lock_guard lock(mutex_);
    auto& pending = pending_[second];
    pending.merged.add(window);
    // Each thread closes its windows in order, so when every thread closed this one, every
    // earlier one is closed too and rows come out in order.
    if (++pending.reported == threads_) {
        emit(second, pending.merged);
        pending_.erase(second);
    }
}

void TimelineCollector::emit(std::int64_t second, const WindowRecord& merged) {
    TimelineSecond row;
    row.second = second;
    row.counters = merged.counters;
    row.corrected_p50 = merged.corrected.value_at_percentile(50);
    row.corrected_p99 = merged.corrected.value_at_percentile(99);
    row.uncorrected_p50 = merged.uncorrected.value_at_percentile(50);
    row.uncorrected_p99 = merged.uncorrected.value_at_percentile(99);
    row.lag_p50 = merged.lag.value_at_percentile(50);
    row.lag_p99 = merged.lag.value_at_percentile(99);
    row.lag_max = merged.lag.max();
    rows_.push_back(row);
}

std::vector<TimelineSecond> TimelineCollector::rows_since(std::size_t first) const {
    std::lock_guard lock(mutex_);
    if (first >= rows_.size()) return {};
    return {rows_.begin() + static_cast<std::ptrdiff_t>(first), rows_.end()};
}

void TimelineCollector::finish(std::int64_t run_ns) {
    std::lock_guard lock(mutex_);
    for (auto& [second, pending] : pending_) emit(second, pending.merged);
    pending_.clear();
    std::sort(rows_.begin(), rows_.end(), [](const auto& a, const auto& b) { return a.second < b.second; });
    if (!rows_.empty()) {
        auto& last = rows_.back();
        last.span_s = std::clamp(static_cast<double>(run_ns - last.second * 1'000'000'000) * 1e-9, 1e-9, 1.0);
    }
}

}  // namespace perfbench::load
