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

void TimelineCollector::close_window(std::int64_t second, const WindowRecord& window, double span_s) {
    std::lock_guard lock(mutex_);
    auto& pending = pending_[second];
    pending.merged.add(window);
    pending.span_s = std::max(pending.span_s, span_s);
    // Each thread closes its windows in order, so when every thread closed this one, every
    // earlier one is closed too and rows come out in order.
    if (++pending.reported == threads_) {
        emit(second, pending);
        pending_.erase(second);
    }
}

void TimelineCollector::emit(std::int64_t second, const Pending& pending) {
    const WindowRecord& merged = pending.merged;
    TimelineSecond row;
    row.second = second;
    row.span_s = std::clamp(pending.span_s, 1e-9, 1.0);
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

void TimelineCollector::finish() {
    std::lock_guard lock(mutex_);
    for (auto& [second, pending] : pending_) emit(second, pending);
    pending_.clear();
}

}  // namespace perfbench::load
