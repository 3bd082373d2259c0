// Registers the runtime-strategy family (bodies in workloads.hpp).
#include "workloads.hpp"

#include <cmath>
#include <stdexcept>

#include "perfbench/workload.hpp"
#include "workloads/families.hpp"

namespace perfbench {

namespace workloads::runtime {
double median_of(std::vector<double> values) {
    if (values.empty()) return 0.0;
    const auto mid = values.begin() + static_cast<std::ptrdiff_t>(values.size() / 2);
    std::nth_element(values.begin(), mid, values.end());
    if (values.size() % 2 == 1) return *mid;
    return (*mid + *std::max_element(values.begin(), mid)) / 2;
}
}  // namespace workloads::runtime

namespace {

using namespace workloads::runtime;

std::size_t count_param(const WorkloadParams& params, const std::string& key, double low, double high) {
    const double value = param(params, key);
    if (!(value >= low && value <= high) || value != std::floor(value))
        throw std::invalid_argument(key + " must be a whole number from " + std::to_string(static_cast<long long>(low)) +
                                    " to " + std::to_string(static_cast<long long>(high)) + ", got " +
                                    std::to_string(value));
    return static_cast<std::size_t>(value);
}

WorkloadSpec spec(std::string name, std::string description, WorkloadParams defaults,
                  std::function<std::unique_ptr<Workload>(const WorkloadParams&)> make) {
    return {std::move(name), "runtime", std::move(description), std::move(defaults), std::move(make)};
}

}  // namespace

void register_runtime_workloads(WorkloadCatalog& catalog) {
    catalog.add(spec("runtime.executor_create",
                     "create a thread pool of `workers` threads (0: hardware concurrency) and join it",
                     {{"workers", 1}}, [](const WorkloadParams& p) {
                         return std::make_unique<BodyWorkload<ExecutorLifecycle>>(workers_from_param(param(p, "workers")));
                     }));
    catalog.add(spec("runtime.startup",
                     "first task on a warm executor, then on a lazily created (cold) one; latencies as metrics",
                     {{"workers", 0}}, [](const WorkloadParams& p) {
                         return std::make_unique<BodyWorkload<StartupLatency>>(workers_from_param(param(p, "workers")));
                     }));
    catalog.add(spec("runtime.cli_command",
                     "one CLI command (argv, config file, `jobs` hash tasks of `data_kib` KiB, report) with an "
                     "executor per command (strategy=1) or one shared lazy executor (strategy=0)",
                     {{"strategy", 0}, {"workers", 0}, {"jobs", 4}, {"data_kib", 4}}, [](const WorkloadParams& p) {
                         return std::make_unique<BodyWorkload<CliCommand>>(
                             strategy_from_param(param(p, "strategy")), workers_from_param(param(p, "workers")),
                             count_param(p, "jobs", 1, 1024), count_param(p, "data_kib", 1, 1024) * 1024);
                     }));
    catalog.add(spec("runtime.command_memory",
                     "`commands` CLI commands in flight at once under a strategy; resident, heap and stack "
                     "footprint as metrics",
                     {{"commands", 1}, {"strategy", 1}, {"workers", 0}, {"jobs", 4}, {"data_kib", 4}},
                     [](const WorkloadParams& p) {
                         return std::make_unique<CommandMemory>(
                             count_param(p, "commands", 1, 1000), strategy_from_param(param(p, "strategy")),
                             workers_from_param(param(p, "workers")), count_param(p, "jobs", 1, 1024),
                             count_param(p, "data_kib", 1, 1024) * 1024);
                     }));
    catalog.add(spec("runtime.validation",
                     "one round of the validation table: project generation, a command per strategy, a "
                     "`batch` of per-command commands for memory",
                     {{"workers", 0}, {"jobs", 4}, {"data_kib", 4}, {"batch", 10}}, [](const WorkloadParams& p) {
                         return std::make_unique<Validation>(
                             workers_from_param(param(p, "workers")), count_param(p, "jobs", 1, 1024),
                             count_param(p, "data_kib", 1, 1024) * 1024, count_param(p, "batch", 1, 1000));
                     }));
    catalog.add(spec("runtime.pool_efficiency",
                     "`jobs` hash chains of `steps` mixes on a 1-worker pool and on a `workers` pool",
                     {{"workers", 1}, {"jobs", 32}, {"steps", 100000}}, [](const WorkloadParams& p) {
                         return std::make_unique<BodyWorkload<PoolEfficiency>>(
                             workers_from_param(param(p, "workers")), count_param(p, "jobs", 1, 100000),
                             count_param(p, "steps", 1, 1e9));
                     }));
}

}  // namespace perfbench
