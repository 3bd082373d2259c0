// The runtime-strategy workloads: what a CLI pays for an executor per command against one
// shared, lazily created executor, and how a thread pool scales on this machine.
//
//   runtime.executor_create   one iteration: create a pool of `workers` threads and join it
//   runtime.startup           one iteration: a task on a warm executor, then the first task
//                             on a lazily created (cold) one
//   runtime.cli_command       one iteration: one CLI command under a strategy
//   runtime.command_memory    one iteration: `commands` commands in flight, footprint measured
//   runtime.validation        one iteration: a round of the validation table (generation,
//                             both strategies, a 10-command memory batch)
//   runtime.pool_efficiency   one iteration: a CPU-bound job set on 1 worker and on `workers`
//
// Scenario timing uses std::chrono::steady_clock: the intervals are micro- to milliseconds,
// where its ~20 ns read cost is noise.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "perfbench/histogram.hpp"
#include "perfbench/workload.hpp"
#include "cli.hpp"
#include "executor.hpp"
#include "files.hpp"
#include "jobs.hpp"

namespace perfbench::workloads::runtime {

using SteadyTime = std::chrono::steady_clock::time_point;
inline SteadyTime steady_now() noexcept { return std::chrono::steady_clock::now(); }
inline std::int64_t ns_between(SteadyTime from, SteadyTime to) noexcept {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(to - from).count();
}

// The median of per-iteration figures (0 when there are none yet).
double median_of(std::vector<double> values);

// Creation overhead: construct a ThreadPool of `workers` threads and destroy it (which
// joins them). Construction returns once the threads are spawned; teardown waits for each
// to start, see the stop flag and exit — together, what a per-command executor costs.
struct ExecutorLifecycle {
    explicit ExecutorLifecycle(std::size_t workers) : workers(workers) {}
    void operator()();
    std::string self_check();
    std::vector<WorkloadMetric> metrics() const;

    std::size_t workers;
    std::int64_t construct_ns = 0;
    std::int64_t teardown_ns = 0;
    std::uint64_t lifecycles = 0;
};

// Start-up latency, submit to completion of a trivial task. Warm: a task on an executor
// that exists and whose workers have been idle since the previous iteration. Cold: the
// first task of a LazyExecutor nobody has used yet — its creation plus that task. The
// cold executor's teardown follows, outside both intervals.
struct StartupLatency {
    explicit StartupLatency(std::size_t workers) : workers(workers), warm(workers) {}
    void setup() { warm.get(); }
    void operator()();
    std::string self_check();
    std::vector<WorkloadMetric> metrics() const;

    std::size_t workers;
    LazyExecutor warm;
    LatencyHistogram cold_ns{3};
    LatencyHistogram warm_ns{3};
    std::int64_t first_cold_ns = -1;  // the very first cold start of this object
    std::atomic<std::uint64_t> tasks_run{0};
};

// One simulated CLI command (cli.hpp) per iteration, with its executor from the
// strategy: per-command pays creation and join inside the iteration, shared only once.
struct CliCommand {
    CliCommand(ExecutorStrategy strategy, std::size_t workers, std::size_t jobs, std::size_t chunk_bytes)
        : strategy(strategy), workers(workers), jobs(jobs), chunk_bytes(chunk_bytes) {}
    void setup();
    void operator()();
    std::string self_check();
    std::vector<WorkloadMetric> metrics() const;

    ExecutorStrategy strategy;
    std::size_t workers, jobs, chunk_bytes;
    std::unique_ptr<TempDirectory> directory;  // holds the config file
    CommandInput input;
    std::unique_ptr<CommandExecutors> executors;
    std::uint64_t commands = 0;
    std::uint64_t tracked_bytes = 0;
    std::uint64_t report_bytes = 0;
};

// Memory for N commands in flight under a strategy (batch.hpp), one batch per
// iteration. What the commands hold = live heap growth (mallinfo2) + the executors'
// resident stack pages (mincore); the stacks' virtual reservation is reported beside it,
// and the process's resident-set growth (/proc/self/statm) as a cross-check — which reads
// low in steady state, because later batches reuse pages (freed heap, glibc's cached
// thread stacks) that earlier ones made resident.
class CommandMemory final : public Workload {
public:
    CommandMemory(std::size_t commands, ExecutorStrategy strategy, std::size_t workers, std::size_t jobs,
                  std::size_t chunk_bytes)
        : commands_(commands), strategy_(strategy), workers_(workers), jobs_(jobs), chunk_bytes_(chunk_bytes) {}
    void setup() override;
    bool run(std::uint64_t iterations) override;
    std::string self_check() override;
    std::vector<WorkloadMetric> metrics() const override;

private:
    std::size_t commands_;
    ExecutorStrategy strategy_;
    std::size_t workers_, jobs_, chunk_bytes_;
    std::unique_ptr<TempDirectory> directory_;
    CommandInput input_;
    tracked_string expected_;
    std::size_t threads_ = 0;
    std::size_t stack_reserved_ = 0;
    std::vector<double> held_bytes_, resident_growth_, heap_growth_, stack_resident_, tracked_bytes_;
};

// One round of the validation table per iteration: generate a project skeleton (files
// written to a temp dir, verified, removed), run one command per strategy (alternating
// which goes first), and hold a batch of per-command commands for the memory row.
class Validation final : public Workload {
public:
    Validation(std::size_t workers, std::size_t jobs, std::size_t chunk_bytes, std::size_t batch)
        : workers_(workers), jobs_(jobs), chunk_bytes_(chunk_bytes), batch_(batch) {}
    void setup() override;
    bool run(std::uint64_t iterations) override;
    std::string self_check() override;
    std::vector<WorkloadMetric> metrics() const override;

private:
    void round();

    std::size_t workers_, jobs_, chunk_bytes_, batch_;
    std::unique_ptr<TempDirectory> directory_;
    CommandInput input_;
    tracked_string expected_;
    std::unique_ptr<CommandExecutors> shared_;
    std::unique_ptr<CommandExecutors> per_command_;
    std::size_t stack_reserved_per_command_ = 0;
    std::uint64_t rounds_ = 0;
    std::vector<double> generation_ns_, per_command_ns_, shared_ns_, memory_per_command_, rss_per_command_;
};

// Thread-pool efficiency: each iteration runs the same job set on a 1-worker pool (the
// reference) and on a `workers` pool, alternating which goes first, timing wall and
// process CPU for each. Speedup is the median of the per-round ratios of the reference
// worker's own CPU time (the job set's cost on a core of its own) to the pool's wall time.
// Not wall to wall: on a shared machine the scheduler hands out CPU per runnable thread,
// so an N-thread pool gets a larger share than the 1-thread reference, and a wall ratio
// then reads speed-ups above the CPU count (see runtime_pool_efficiency.cpp).
struct PoolEfficiency {
    PoolEfficiency(std::size_t workers, std::size_t jobs, std::uint64_t steps)
        : workers(workers), reference_jobs(jobs, steps), target_jobs(jobs, steps) {}
    void setup();
    void operator()();
    std::string self_check();
    std::vector<WorkloadMetric> metrics() const;

    std::size_t workers;
    HashChainJobs reference_jobs, target_jobs;
    std::unique_ptr<ThreadPool> reference, target;
    std::uint64_t rounds = 0;
    std::vector<double> target_wall_ns, reference_wall_ns, reference_thread_cpu_ns, target_cpu_use, reference_cpu_use,
        speedups;
};

}  // namespace perfbench::workloads::runtime
