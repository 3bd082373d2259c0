// Counting what workloads allocate: a standard allocator that records every allocation and
// deallocation in process-wide counters, so a workload can report allocations and bytes per
// operation, and its live-memory growth over a sustained run.
//
// Counters are relaxed atomics: a worker process runs one workload, so process-wide totals
// are that workload's, and an uncontended relaxed add costs a few ns next to malloc's ~20.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <map>
#include <new>
#include <string>
#include <unordered_map>
#include <vector>

namespace perfbench {

struct AllocationStats {
    std::uint64_t allocations = 0;
    std::uint64_t deallocations = 0;
    std::uint64_t bytes_allocated = 0;
    std::uint64_t bytes_freed = 0;
    std::int64_t live_bytes() const {
        return static_cast<std::int64_t>(bytes_allocated) - static_cast<std::int64_t>(bytes_freed);
    }
    AllocationStats operator-(const AllocationStats& earlier) const {
        return {allocations - earlier.allocations, deallocations - earlier.deallocations,
                bytes_allocated - earlier.bytes_allocated, bytes_freed - earlier.bytes_freed};
    }
};

namespace detail {
struct AllocationCounters {
    std::atomic<std::uint64_t> allocations{0}, deallocations{0}, bytes_allocated{0}, bytes_freed{0};
};
inline AllocationCounters& allocation_counters() {
    static AllocationCounters counters;
    return counters;
}
}  // namespace detail

// A snapshot of the process-wide counters; subtract two snapshots to get an interval.
inline AllocationStats allocation_stats() {
    auto& c = detail::allocation_counters();
    return {c.allocations.load(std::memory_order_relaxed), c.deallocations.load(std::memory_order_relaxed),
            c.bytes_allocated.load(std::memory_order_relaxed), c.bytes_freed.load(std::memory_order_relaxed)};
}

template <class T>
class TrackingAllocator {
public:
    using value_type = T;
    TrackingAllocator() noexcept = default;
    template <class U>
    TrackingAllocator(const TrackingAllocator<U>&) noexcept {}

    T* allocate(std::size_t n) {
        auto& c = detail::allocation_counters();
        c.allocations.fetch_add(1, std::memory_order_relaxed);
        c.bytes_allocated.fetch_add(n * sizeof(T), std::memory_order_relaxed);
        return static_cast<T*>(::operator new(n * sizeof(T)));
    }
    void deallocate(T* p, std::size_t n) noexcept {
        auto& c = detail::allocation_counters();
        c.deallocations.fetch_add(1, std::memory_order_relaxed);
        c.bytes_freed.fetch_add(n * sizeof(T), std::memory_order_relaxed);
        ::operator delete(p);
    }
    template <class U>
    bool operator==(const TrackingAllocator<U>&) const noexcept { return true; }
};

template <class T>
using tracked_vector = std::vector<T, TrackingAllocator<T>>;
using tracked_string = std::basic_string<char, std::char_traits<char>, TrackingAllocator<char>>;
template <class K, class V, class Hash = std::hash<K>, class Eq = std::equal_to<K>>
using tracked_unordered_map = std::unordered_map<K, V, Hash, Eq, TrackingAllocator<std::pair<const K, V>>>;
template <class K, class V, class Less = std::less<K>>
using tracked_map = std::map<K, V, Less, TrackingAllocator<std::pair<const K, V>>>;

}  // namespace perfbench
