// runtime.executor_create and runtime.startup: what creating an executor costs, and how
// long the first task takes on a new executor against a task on an existing one.
#include <condition_variable>
#include <mutex>
#include <set>
#include <thread>

#include "workloads.hpp"

namespace perfbench::workloads::runtime {

namespace {

// "" when `pool` runs `expected` tasks on `expected` distinct threads, none the caller's.
// Each task waits until all have arrived (with a deadline, so a pool with fewer threads
// fails instead of hanging): only then can no thread have run two of them.
std::string check_distinct_workers(ThreadPool& pool, std::size_t expected) {
    std::mutex mutex;
    std::condition_variable all_arrived;
    std::set<std::thread::id> seen;
    std::size_t arrived = 0;
    bool met = true;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    for (std::size_t i = 0; i < expected; ++i) {
        pool.submit([&] {
            std::unique_lock lock(mutex);
            seen.insert(std::this_thread::get_id());
            ++arrived;
            all_arrived.notify_all();
            if (!all_arrived.wait_until(lock, deadline, [&] { return arrived == expected; })) met = false;
        });
    }
    pool.wait_idle();
    if (!met) return "the pool's tasks never ran at the same time: it has fewer threads than asked";
    if (seen.size() != expected)
        return std::to_string(expected) + " concurrent tasks ran on " + std::to_string(seen.size()) + " threads";
    if (seen.count(std::this_thread::get_id())) return "a task ran on the submitting thread";
    return {};
}

}  // namespace

void ExecutorLifecycle::operator()() {
    const SteadyTime began = steady_now();
    SteadyTime constructed;
    {
        ThreadPool pool(workers);
        constructed = steady_now();
    }  // ~ThreadPool: sets the stop flag and joins every worker
    const SteadyTime joined = steady_now();
    construct_ns += ns_between(began, constructed);
    teardown_ns += ns_between(constructed, joined);
    ++lifecycles;
}

std::string ExecutorLifecycle::self_check() {
    ThreadPool pool(workers);
    if (pool.size() != workers) return "the pool was created with the wrong number of threads";
    if (auto problem = check_distinct_workers(pool, workers); !problem.empty()) return problem;
    ExecutorLifecycle probe(workers);
    for (int i = 0; i < 3; ++i) probe();
    if (probe.lifecycles != 3 || probe.construct_ns <= 0 || probe.teardown_ns <= 0)
        return "creation and teardown were not both timed";
    return {};
}

std::vector<WorkloadMetric> ExecutorLifecycle::metrics() const {
    const double n = lifecycles ? static_cast<double>(lifecycles) : 1.0;
    return {
        {"executor_threads", static_cast<double>(workers), "count"},
        {"construct_mean", static_cast<double>(construct_ns) / n, "ns"},
        {"teardown_mean", static_cast<double>(teardown_ns) / n, "ns"},
        {"lifecycles", static_cast<double>(lifecycles), "count"},
    };
}

void StartupLatency::operator()() {
    const auto task = [this] { tasks_run.fetch_add(1, std::memory_order_relaxed); };
    // Warm first: the warm executor's workers have been asleep since the previous
    // iteration, as they would be between two commands of a CLI session.
    ThreadPool& existing = warm.get();
    const SteadyTime warm_began = steady_now();
    existing.submit(task);
    existing.wait_idle();
    const SteadyTime warm_done = steady_now();
    warm_ns.record(static_cast<std::uint64_t>(ns_between(warm_began, warm_done)));

    LazyExecutor fresh(workers);
    const SteadyTime cold_began = steady_now();
    ThreadPool& created = fresh.get();
    created.submit(task);
    created.wait_idle();
    const std::int64_t cold = ns_between(cold_began, steady_now());
    cold_ns.record(static_cast<std::uint64_t>(cold));
    if (first_cold_ns < 0) first_cold_ns = cold;
}  // ~LazyExecutor joins the cold executor, outside both intervals

std::string StartupLatency::self_check() {
    // std::call_once: racing first users must all get the same, single pool.
    LazyExecutor lazy(workers);
    std::vector<ThreadPool*> got(8, nullptr);
    {
        std::vector<std::jthread> racers;
        for (auto& slot : got) racers.emplace_back([&lazy, &slot] { slot = &lazy.get(); });
    }
    for (ThreadPool* pool : got)
        if (pool != got.front()) return "racing first uses of a lazy executor created more than one pool";
    if (got.front()->size() != workers) return "the lazy executor has the wrong number of threads";

    StartupLatency probe(workers);
    probe.setup();
    for (int i = 0; i < 5; ++i) probe();
    if (probe.tasks_run.load() != 10) return "not every submitted task ran";
    if (probe.cold_ns.count() != 5 || probe.warm_ns.count() != 5) return "a start-up was not recorded";
    if (probe.first_cold_ns <= 0) return "the first cold start was not recorded";
    return {};
}

std::vector<WorkloadMetric> StartupLatency::metrics() const {
    std::vector<WorkloadMetric> out = histogram_metrics("cold_start", cold_ns);
    const auto warm_metrics = histogram_metrics("warm_start", warm_ns);
    out.insert(out.end(), warm_metrics.begin(), warm_metrics.end());
    const auto warm_p50 = static_cast<double>(warm_ns.value_at_percentile(50));
    out.push_back({"first_cold_start", static_cast<double>(first_cold_ns), "ns"});
    // From the two medians above: how many warm starts one cold start costs.
    out.push_back({"cold_over_warm", warm_p50 > 0 ? static_cast<double>(cold_ns.value_at_percentile(50)) / warm_p50 : 0.0,
                   "ratio"});
    out.push_back({"executor_threads", static_cast<double>(workers), "count"});
    return out;
}

}  // namespace perfbench::workloads::runtime
