// The two executor strategies a CLI can choose between (the runtime-strategy study).
//
//   per-command  every command creates its own executor (a ThreadPool), runs on it, and
//                joins it before returning: nothing outlives a command, but every command
//                pays for thread creation and teardown.
//   shared       one executor for the whole process, created lazily by the first command
//                that needs it (std::call_once, like a function-local static) and reused:
//                the creation cost is paid once, the threads live as long as the process.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "workloads/thread_pool.hpp"

namespace perfbench::workloads::runtime {

enum class ExecutorStrategy { shared = 0, per_command = 1 };

// Reads the `strategy` workload parameter: 0 shared, 1 per-command.
ExecutorStrategy strategy_from_param(double value);
std::string strategy_name(ExecutorStrategy strategy);

// Reads a `workers` parameter: a positive count, or 0 for the hardware concurrency
// (the "multi-thread executor" default).
std::size_t workers_from_param(double value);

// A thread pool created on first use. Safe to call get() from several threads at once:
// std::call_once makes exactly one of them create the pool, the others wait for it.
class LazyExecutor {
public:
    explicit LazyExecutor(std::size_t workers) : workers_(workers) {}
    ThreadPool& get() {
        std::call_once(created_, [this] {
            pool_ = std::make_unique<ThreadPool>(workers_);
            creations_.fetch_add(1, std::memory_order_relaxed);
        });
        return *pool_;
    }
    bool created() const noexcept { return creations_.load(std::memory_order_relaxed) != 0; }
    std::size_t workers() const noexcept { return workers_; }

private:
    std::size_t workers_;
    std::once_flag created_;
    std::atomic<std::uint64_t> creations_{0};
    std::unique_ptr<ThreadPool> pool_;  // destroyed last: joins its workers
};

// Hands each command the executor its strategy prescribes and counts the executors made.
class CommandExecutors {
public:
    CommandExecutors(ExecutorStrategy strategy, std::size_t workers)
        : strategy_(strategy), workers_(workers), shared_(workers) {}

    // Runs command(ThreadPool&) and returns its result. With per-command, the pool is
    // created before and joined after the command, both inside this call.
    template <class Command>
    auto run(Command&& command) {
        if (strategy_ == ExecutorStrategy::per_command) {
            ThreadPool own(workers_);
            ++created_;
            return command(own);
        }
        const bool first = !shared_.created();
        ThreadPool& pool = shared_.get();
        if (first) ++created_;
        return command(pool);
    }

    ExecutorStrategy strategy() const noexcept { return strategy_; }
    std::size_t workers() const noexcept { return workers_; }
    std::uint64_t executors_created() const noexcept { return created_; }

private:
    ExecutorStrategy strategy_;
    std::size_t workers_;
    LazyExecutor shared_;
    std::uint64_t created_ = 0;  // run() is called from one thread only
};

}  // namespace perfbench::workloads::runtime
