// runtime.cli_command and runtime.command_memory: the simulated CLI command's time under
// each strategy, and what N commands in flight hold.
#include <stdexcept>

#include "perfbench/compiler_barrier.hpp"
#include "batch.hpp"
#include "workloads.hpp"

namespace perfbench::workloads::runtime {

namespace {

// "" when every command run through `executors` reproduces the sequential reference.
std::string check_commands(const CommandInput& input, CommandExecutors& executors, int commands) {
    const tracked_string expected = run_command_sequentially(input);
    for (int i = 0; i < commands; ++i) {
        const tracked_string report = executors.run([&](ThreadPool& pool) { return run_command(input, pool); });
        if (report != expected)
            return "the " + strategy_name(executors.strategy()) + " command's report differs from the sequential one:\n" +
                   std::string(report);
    }
    const std::uint64_t expected_executors =
        executors.strategy() == ExecutorStrategy::per_command ? static_cast<std::uint64_t>(commands) : 1;
    if (executors.executors_created() != expected_executors)
        return strategy_name(executors.strategy()) + " strategy created " +
               std::to_string(executors.executors_created()) + " executors for " + std::to_string(commands) +
               " commands";
    return {};
}

}  // namespace

void CliCommand::setup() {
    directory = std::make_unique<TempDirectory>("perfbench-runtime-cli-");
    input = make_command_input(directory->path(), jobs, chunk_bytes, 1);
    executors = std::make_unique<CommandExecutors>(strategy, workers);
}

void CliCommand::operator()() {
    const AllocationStats before = allocation_stats();
    const tracked_string report = executors->run([this](ThreadPool& pool) { return run_command(input, pool); });
    tracked_bytes += (allocation_stats() - before).bytes_allocated;
    report_bytes += report.size();
    do_not_optimize(report.data());
    ++commands;
}

std::string CliCommand::self_check() {
    if (auto problem = check_cli_building_blocks(); !problem.empty()) return problem;
    CliCommand probe(strategy, workers, jobs, chunk_bytes);
    probe.setup();
    const tracked_string report = run_command_sequentially(probe.input);
    const std::string header = "forge build: demo-1 1.4.2 [release, " + std::to_string(jobs) + " jobs]\n";
    if (!report.starts_with(header)) return "the report does not start with '" + header + "': " + std::string(report);
    if (report.find(std::to_string(jobs) + " chunks, " + std::to_string(jobs * chunk_bytes) + " bytes") ==
        tracked_string::npos)
        return "the report's totals are wrong: " + std::string(report);
    return check_commands(probe.input, *probe.executors, 3);
}

std::vector<WorkloadMetric> CliCommand::metrics() const {
    const double n = commands ? static_cast<double>(commands) : 1.0;
    return {
        {"commands", static_cast<double>(commands), "count"},
        {"executors_per_command", static_cast<double>(executors ? executors->executors_created() : 0) / n, "ratio"},
        {"command_bytes", static_cast<double>(tracked_bytes) / n, "bytes"},
        {"report_bytes", static_cast<double>(report_bytes) / n, "bytes"},
        {"executor_threads", static_cast<double>(workers), "count"},
    };
}

void CommandMemory::setup() {
    directory_ = std::make_unique<TempDirectory>("perfbench-runtime-memory-");
    input_ = make_command_input(directory_->path(), jobs_, chunk_bytes_, 1);
    expected_ = run_command_sequentially(input_);
    // More batches than any plan takes, reserved so that recording never allocates.
    for (auto* figures : {&held_bytes_, &resident_growth_, &heap_growth_, &stack_resident_, &tracked_bytes_})
        figures->reserve(1024);
}

bool CommandMemory::run(std::uint64_t iterations) {
    for (std::uint64_t i = 0; i < iterations; ++i) {
        const BatchFootprint footprint = run_command_batch(input_, expected_, commands_, strategy_, workers_);
        held_bytes_.push_back(footprint.held_bytes());
        resident_growth_.push_back(static_cast<double>(footprint.growth.resident));
        heap_growth_.push_back(static_cast<double>(footprint.growth.heap));
        stack_resident_.push_back(static_cast<double>(footprint.stacks.resident));
        tracked_bytes_.push_back(static_cast<double>(footprint.tracked_bytes));
        threads_ = footprint.executor_threads;
        stack_reserved_ = footprint.stacks.reserved;
    }
    return true;
}

std::string CommandMemory::self_check() {
    CommandMemory probe(commands_, strategy_, workers_, jobs_, chunk_bytes_);
    probe.setup();
    try {
        probe.run(2);  // run_command_batch throws if any report is wrong
    } catch (const std::runtime_error& e) {
        return e.what();
    }
    const std::size_t expected_threads =
        strategy_ == ExecutorStrategy::per_command ? commands_ * workers_ : workers_;
    if (probe.threads_ != expected_threads)
        return std::to_string(probe.threads_) + " executor threads were alive, expected " +
               std::to_string(expected_threads);
    if (probe.stack_reserved_ < probe.threads_ * 16 * 1024)
        return "the executor threads' stacks were not measured (under 16 KiB reserved per thread)";
    for (std::size_t i = 0; i < probe.held_bytes_.size(); ++i) {
        if (probe.tracked_bytes_[i] <= 0) return "the commands' allocations were not counted";
        // Every running thread has touched at least the page holding its descriptor.
        if (probe.stack_resident_[i] < static_cast<double>(probe.threads_ * 4096))
            return "a running executor thread showed no resident stack page";
        if (probe.stack_resident_[i] > static_cast<double>(probe.stack_reserved_))
            return "more stack is resident than was reserved";
        if (probe.heap_growth_[i] <= 0)  // every command's state and report are still alive
            return "the heap did not grow while the commands held their state";
    }
    return {};
}

std::vector<WorkloadMetric> CommandMemory::metrics() const {
    const double commands = static_cast<double>(commands_);
    const double held = median_of(held_bytes_);
    const double resident = median_of(resident_growth_);
    return {
        {"commands", commands, "count"},
        {"executor_threads", static_cast<double>(threads_), "count"},
        {"memory_held", held, "bytes"},  // heap growth + resident executor stacks
        {"memory_per_command", held / commands, "bytes"},
        {"heap_growth", median_of(heap_growth_), "bytes"},
        {"stack_resident", median_of(stack_resident_), "bytes"},
        // Virtual address space reserved for the executor threads' stacks: not RAM.
        {"stack_reserved", static_cast<double>(stack_reserved_), "bytes"},
        {"rss_growth", resident, "bytes"},
        {"rss_per_command", resident / commands, "bytes"},
        {"command_bytes", median_of(tracked_bytes_) / commands, "bytes"},
        {"batches", static_cast<double>(held_bytes_.size()), "count"},
    };
}

}  // namespace perfbench::workloads::runtime
