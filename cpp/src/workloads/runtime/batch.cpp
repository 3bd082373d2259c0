#include "batch.hpp"

#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace perfbench::workloads::runtime {

BatchFootprint run_command_batch(const CommandInput& input, const tracked_string& expected, std::size_t commands,
                                 ExecutorStrategy strategy, std::size_t workers) {
    BatchFootprint out;
    const MemorySnapshot before = MemorySnapshot::now();
    const AllocationStats allocated_before = allocation_stats();
    // Declaration order is teardown order, reversed: commands go first (each waits for its
    // tasks), then the executors (each joins its threads).
    std::vector<std::unique_ptr<ThreadPool>> own_executors;
    std::optional<LazyExecutor> shared;
    std::vector<std::unique_ptr<CommandRun>> runs;
    own_executors.reserve(commands);
    runs.reserve(commands);
    if (strategy == ExecutorStrategy::shared) shared.emplace(workers);
    for (std::size_t i = 0; i < commands; ++i) {
        ThreadPool* executor = nullptr;
        if (strategy == ExecutorStrategy::per_command) {
            own_executors.push_back(std::make_unique<ThreadPool>(workers));
            executor = own_executors.back().get();
        } else {
            executor = &shared->get();
        }
        runs.push_back(std::make_unique<CommandRun>(input, *executor));
    }
    for (auto& run : runs) run->finish();
    out.growth = MemorySnapshot::now() - before;
    out.tracked_bytes = (allocation_stats() - allocated_before).bytes_allocated;
    if (strategy == ExecutorStrategy::per_command) {
        for (auto& executor : own_executors) out.stacks += worker_stacks(*executor);
        out.executor_threads = own_executors.size() * workers;
    } else {
        out.stacks = worker_stacks(shared->get());
        out.executor_threads = workers;
    }
    for (std::size_t i = 0; i < runs.size(); ++i)
        if (runs[i]->finish() != expected)
            throw std::runtime_error("command " + std::to_string(i) + " of the batch produced a wrong report");
    return out;
}

}  // namespace perfbench::workloads::runtime
