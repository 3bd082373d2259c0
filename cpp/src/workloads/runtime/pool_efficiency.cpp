// runtime.pool_efficiency: throughput, CPU use, speedup and efficiency of the shared
// ThreadPool at a given worker count, against a 1-worker pool measured in the same rounds.
//
// Why the speedup divides the reference worker's CPU time, not its wall time: on a machine
// shared with other work, the kernel's scheduler gives each runnable thread its share, so
// an N-thread pool gets more of the CPUs than the 1-thread reference beside it. With six
// busy loops competing on 2 CPUs, the reference kept 0.15 cores busy and a 4-worker pool
// 0.29, and wall / wall read a 2.16x "speedup" (one round 5.1x) where only 2 CPUs exist.
// The reference thread's CPU time is what the job set costs on a core of its own, which
// contention does not change; the pool's wall time can only shrink by the cores it got.
#include <pthread.h>

#include <algorithm>
#include <cmath>
#include <ctime>
#include <thread>

#include "process.hpp"
#include "workloads.hpp"

namespace perfbench::workloads::runtime {

namespace {
struct JobSetTiming {
    double wall_ns;
    double cpu_use;  // process CPU time / wall time: how many cores were busy on average
};

JobSetTiming time_job_set(HashChainJobs& jobs, ThreadPool& pool) {
    const std::int64_t cpu_before = process_cpu_ns();
    const SteadyTime began = steady_now();
    jobs.run_on(pool);
    const double wall = static_cast<double>(ns_between(began, steady_now()));
    const double cpu = static_cast<double>(process_cpu_ns() - cpu_before);
    return {wall, wall > 0 ? cpu / wall : 0.0};
}

// CPU time of one thread, from its own clock (pthread_getcpuclockid), in ns.
double thread_cpu_ns(std::thread::native_handle_type thread) {
    clockid_t clock{};
    timespec now{};
    if (::pthread_getcpuclockid(thread, &clock) != 0 || ::clock_gettime(clock, &now) != 0) return 0.0;
    return static_cast<double>(now.tv_sec) * 1e9 + static_cast<double>(now.tv_nsec);
}

struct MedianWithInterval {
    double median, low, high;
};

// The median of per-round figures with a distribution-free 95 % interval: the order
// statistics k and n + 1 - k, k the largest count whose binomial(n, 1/2) tail stays within
// 2.5 %. Below 6 rounds no pair reaches 95 %, and the interval is min .. max. The rounds
// share one process, so the interval speaks for this process, not for every run.
MedianWithInterval median_with_interval(std::vector<double> values) {
    if (values.empty()) return {0.0, 0.0, 0.0};
    std::sort(values.begin(), values.end());
    const std::size_t n = values.size();
    const double log_half_n = static_cast<double>(n) * std::log(0.5);
    std::size_t k = 1;
    double tail = 0.0;  // P(binomial(n, 1/2) <= k - 1)
    for (std::size_t i = 0; i < n / 2; ++i) {
        const double log_choose = std::lgamma(n + 1.0) - std::lgamma(i + 1.0) - std::lgamma(n - i + 1.0);
        tail += std::exp(log_choose + log_half_n);
        if (tail > 0.025) break;
        k = i + 1;
    }
    return {median_of(values), values[k - 1], values[n - k]};
}
}  // namespace

void PoolEfficiency::setup() {
    reference = std::make_unique<ThreadPool>(1);
    target = std::make_unique<ThreadPool>(workers);
    for (auto* figures : {&target_wall_ns, &reference_wall_ns, &reference_thread_cpu_ns, &target_cpu_use,
                          &reference_cpu_use, &speedups})
        figures->reserve(4096);
}

void PoolEfficiency::operator()() {
    const auto reference_thread = reference->native_handles().front();
    JobSetTiming on_target{}, on_reference{};
    double reference_cpu = 0.0;
    auto run_reference = [&] {
        const double before = thread_cpu_ns(reference_thread);
        on_reference = time_job_set(reference_jobs, *reference);
        reference_cpu = thread_cpu_ns(reference_thread) - before;
    };
    if (rounds % 2 == 0) {
        on_target = time_job_set(target_jobs, *target);
        run_reference();
    } else {
        run_reference();
        on_target = time_job_set(target_jobs, *target);
    }
    target_wall_ns.push_back(on_target.wall_ns);
    reference_wall_ns.push_back(on_reference.wall_ns);
    reference_thread_cpu_ns.push_back(reference_cpu);
    target_cpu_use.push_back(on_target.cpu_use);
    reference_cpu_use.push_back(on_reference.cpu_use);
    speedups.push_back(on_target.wall_ns > 0 ? reference_cpu / on_target.wall_ns : 0.0);
    ++rounds;
}

std::string PoolEfficiency::self_check() {
    HashChainJobs expected(target_jobs.jobs(), target_jobs.steps());
    expected.run_sequentially();
    for (std::size_t i = 0; i + 1 < expected.jobs(); ++i)
        if (expected.results()[i] == expected.results()[i + 1]) return "two jobs computed the same chain";
    PoolEfficiency probe(workers, target_jobs.jobs(), target_jobs.steps());
    probe.setup();
    for (int i = 0; i < 2; ++i) probe();
    if (probe.target_jobs.results() != expected.results()) return "the pool's results differ from sequential ones";
    if (probe.reference_jobs.results() != expected.results()) return "the 1-worker pool's results are wrong";
    if (probe.target->size() != workers || probe.reference->size() != 1) return "a pool has the wrong size";
    if (probe.speedups.size() != 2 || probe.target_cpu_use.size() != 2) return "a round was not recorded";
    for (const double cpu : probe.reference_thread_cpu_ns)
        if (!(cpu > 0)) return "the reference worker's CPU clock did not advance";
    return {};
}

std::vector<WorkloadMetric> PoolEfficiency::metrics() const {
    const double wall = median_of(target_wall_ns);
    const auto speedup = median_with_interval(speedups);
    const auto cpu_use = median_with_interval(target_cpu_use);
    const double per_worker = 1.0 / static_cast<double>(workers);
    return {
        {"workers", static_cast<double>(workers), "count"},
        {"hardware_threads", static_cast<double>(std::thread::hardware_concurrency()), "count"},
        {"jobs", static_cast<double>(target_jobs.jobs()), "count"},
        {"job_set_time", wall, "ns"},
        {"reference_job_set_time", median_of(reference_wall_ns), "ns"},
        {"reference_job_set_cpu_time", median_of(reference_thread_cpu_ns), "ns"},
        {"jobs_per_s", wall > 0 ? static_cast<double>(target_jobs.jobs()) * 1e9 / wall : 0.0, "per_s"},
        {"cpu_use", cpu_use.median, "ratio", cpu_use.low, cpu_use.high},
        {"reference_cpu_use", median_of(reference_cpu_use), "ratio"},
        // median of per-round (reference worker CPU time / this pool's wall time)
        {"pool_speedup", speedup.median, "ratio", speedup.low, speedup.high},
        {"efficiency", speedup.median * per_worker, "ratio", speedup.low * per_worker, speedup.high * per_worker},
        {"rounds", static_cast<double>(rounds), "count"},
    };
}

}  // namespace perfbench::workloads::runtime
