#include <algorithm>

#include "perfbench/workload.hpp"
#include "workloads/families.hpp"

namespace perfbench {

void WorkloadCatalog::add(WorkloadSpec spec) {
    if (std::any_of(specs_.begin(), specs_.end(), [&](const WorkloadSpec& s) { return s.name == spec.name; }))
        throw std::logic_error("workload registered twice: " + spec.name);
    specs_.push_back(std::move(spec));
}

const WorkloadSpec& WorkloadCatalog::find(std::string_view name) const {
    for (const auto& spec : specs_)
        if (spec.name == name) return spec;
    throw UnknownWorkload("unknown workload '" + std::string(name) + "'");
}

const WorkloadCatalog& workload_catalog() {
    static const WorkloadCatalog catalog = [] {
        WorkloadCatalog c;
        register_basic_workloads(c);
        register_runtime_workloads(c);
        register_messages_workloads(c);
        register_workflow_workloads(c);
        register_nodes_workloads(c);
        return c;
    }();
    return catalog;
}

std::unique_ptr<Workload> make_workload(std::string_view name, const WorkloadParams& params) {
    const WorkloadSpec& spec = workload_catalog().find(name);
    WorkloadParams merged = spec.defaults;
    for (const auto& [key, value] : params) {
        if (!spec.defaults.count(key))
            throw std::invalid_argument("workload '" + spec.name + "' has no parameter '" + key + "'");
        merged[key] = value;
    }
    return spec.make(merged);
}

double param(const WorkloadParams& params, const std::string& key) {
    const auto it = params.find(key);
    if (it == params.end()) throw std::logic_error("missing workload parameter '" + key + "'");
    return it->second;
}

}  // namespace perfbench
