// The nodes family: node processing and workflow execution of an AI-workflow engine,
// and the memory those cost (see engine.hpp).
#include <cmath>
#include <stdexcept>
#include <thread>

#include "workloads/families.hpp"
#include "registration.hpp"

namespace perfbench {

namespace workloads::nodes {

long integer_param(const WorkloadParams& params, const std::string& key, long low, long high) {
    const double value = param(params, key);
    if (!(value >= static_cast<double>(low) && value <= static_cast<double>(high)) || value != std::floor(value))
        throw std::invalid_argument("parameter '" + key + "' must be a whole number in [" + std::to_string(low) +
                                    ", " + std::to_string(high) + "], got " + std::to_string(value));
    return static_cast<long>(value);
}

unsigned resolve_workers(long workers) {
    if (workers > 0) return static_cast<unsigned>(workers);
    const unsigned cores = std::thread::hardware_concurrency();
    return cores > 0 ? cores : 1;
}

}  // namespace workloads::nodes

void register_nodes_workloads(WorkloadCatalog& catalog) {
    workloads::nodes::register_node_processing_workloads(catalog);
    workloads::nodes::register_workflow_execution_workloads(catalog);
    workloads::nodes::register_node_memory_workloads(catalog);
}

}  // namespace perfbench
