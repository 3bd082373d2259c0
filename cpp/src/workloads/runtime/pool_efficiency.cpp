// runtime.pool_efficiency: throughput, CPU use, speedup and efficiency of the shared
// ThreadPool at a given worker count, against a 1-worker pool measured in the same rounds.
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
}  // namespace

void PoolEfficiency::setup() {
    reference = std::make_unique<ThreadPool>(1);
    target = std::make_unique<ThreadPool>(workers);
    for (auto* figures : {&target_wall_ns, &reference_wall_ns, &target_cpu_use, &reference_cpu_use, &speedups})
        figures->reserve(4096);
}

void PoolEfficiency::operator()() {
    JobSetTiming on_target{}, on_reference{};
    if (rounds % 2 == 0) {
        on_target = time_job_set(target_jobs, *target);
        on_reference = time_job_set(reference_jobs, *reference);
    } else {
        on_reference = time_job_set(reference_jobs, *reference);
        on_target = time_job_set(target_jobs, *target);
    }
    target_wall_ns.push_back(on_target.wall_ns);
    reference_wall_ns.push_back(on_reference.wall_ns);
    target_cpu_use.push_back(on_target.cpu_use);
    reference_cpu_use.push_back(on_reference.cpu_use);
    speedups.push_back(on_target.wall_ns > 0 ? on_reference.wall_ns / on_target.wall_ns : 0.0);
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
    return {};
}

std::vector<WorkloadMetric> PoolEfficiency::metrics() const {
    const double wall = median_of(target_wall_ns);
    const double speedup = median_of(speedups);
    return {
        {"workers", static_cast<double>(workers), "count"},
        {"hardware_threads", static_cast<double>(std::thread::hardware_concurrency()), "count"},
        {"jobs", static_cast<double>(target_jobs.jobs()), "count"},
        {"job_set_time", wall, "ns"},
        {"reference_job_set_time", median_of(reference_wall_ns), "ns"},
        {"jobs_per_s", wall > 0 ? static_cast<double>(target_jobs.jobs()) * 1e9 / wall : 0.0, "per_s"},
        {"cpu_use", median_of(target_cpu_use), "ratio"},
        {"reference_cpu_use", median_of(reference_cpu_use), "ratio"},
        {"pool_speedup", speedup, "ratio"},  // median of per-round (1-worker wall / this wall)
        {"efficiency", speedup / static_cast<double>(workers), "ratio"},
        {"rounds", static_cast<double>(rounds), "count"},
    };
}

}  // namespace perfbench::workloads::runtime
