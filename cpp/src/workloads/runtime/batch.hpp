// `commands` CLI commands in flight at once, for the memory study: what N commands hold
// when each has its own executor, against N commands on one shared executor.
//
// A batch stands for one CLI process serving N commands concurrently (a batch file run in
// parallel, or a daemon with N clients): with per-command executors, N pools are alive at
// the same time; with the shared strategy, one pool is created lazily by the first command
// of the batch — so its one-off cost is counted, as it would be in a fresh process.
#pragma once

#include <cstddef>
#include <cstdint>

#include "workloads/tracking_allocator.hpp"
#include "cli.hpp"
#include "executor.hpp"
#include "process.hpp"

namespace perfbench::workloads::runtime {

struct BatchFootprint {
    // Process growth from just before the batch to the moment every command has finished
    // its work and still holds its state and its executor (the batch's peak).
    MemorySnapshot growth;
    StackFootprint stacks;  // of every executor thread alive at that moment
    std::uint64_t tracked_bytes = 0;  // bytes the commands allocated (tracking allocator)
    std::size_t executor_threads = 0;  // executor threads alive at that moment

    // What the commands hold that no single counter sees: live heap growth (malloc's count,
    // immune to pages reused from earlier batches) plus the executors' resident stacks.
    double held_bytes() const { return static_cast<double>(growth.heap) + static_cast<double>(stacks.resident); }
};

// Starts `commands` commands on `input`, finishes them all, measures, checks every report
// equals `expected` (throws std::runtime_error if not), then tears everything down.
BatchFootprint run_command_batch(const CommandInput& input, const tracked_string& expected, std::size_t commands,
                                 ExecutorStrategy strategy, std::size_t workers);

}  // namespace perfbench::workloads::runtime
