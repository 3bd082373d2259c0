// Allocations and bytes per operation, from the TrackingAllocator's process-wide counters.
//
// Brackets each timed batch (two snapshots of four relaxed atomics: a few ns per batch, not
// per operation). What it sees is everything the node payloads, the engine's records and
// the parallel-step state allocate; the thread pool's std::function queue and libc's own
// buffers use the standard allocator and are not counted.
#pragma once

#include <cstdint>
#include <vector>

#include "perfbench/workload.hpp"
#include "workloads/tracking_allocator.hpp"

namespace perfbench::workloads::nodes {

class AllocationMeter {
public:
    void start() noexcept { at_start_ = allocation_stats(); }
    void stop(std::uint64_t operations) noexcept {
        const AllocationStats interval = allocation_stats() - at_start_;
        allocations_ += interval.allocations;
        bytes_ += interval.bytes_allocated;
        operations_ += operations;
    }
    std::uint64_t operations() const noexcept { return operations_; }

    // One timed batch of `body` with the meter around it, for a body's run_batch hook.
    template <class Repeat, class Body>
    void metered(std::uint64_t n, Repeat repeat, Body& body) {
        start();
        repeat(n, [&body] { body(); });
        stop(n);
    }

    std::vector<WorkloadMetric> metrics() const {
        if (operations_ == 0) return {};
        const auto ops = static_cast<double>(operations_);
        return {
            {"allocations_per_op", static_cast<double>(allocations_) / ops, "count"},
            {"bytes_per_op", static_cast<double>(bytes_) / ops, "bytes"},
        };
    }

private:
    AllocationStats at_start_;
    std::uint64_t allocations_ = 0;
    std::uint64_t bytes_ = 0;
    std::uint64_t operations_ = 0;
};

}  // namespace perfbench::workloads::nodes
