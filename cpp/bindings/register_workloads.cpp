#include <cmath>

#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "conversions.hpp"
#include "perfbench/workload.hpp"
#include "registrations.hpp"

namespace py = pybind11;

namespace perfbench::bindings {

namespace {
py::list metrics_to_python(const std::vector<WorkloadMetric>& metrics) {
    py::list out;
    for (const auto& metric : metrics) {
        py::dict entry;
        entry["name"] = metric.name;
        entry["value"] = metric.value;
        entry["unit"] = metric.unit;
        if (!std::isnan(metric.ci_low) && !std::isnan(metric.ci_high)) {
            entry["ci_low"] = metric.ci_low;
            entry["ci_high"] = metric.ci_high;
        }
        out.append(entry);
    }
    return out;
}
}  // namespace

void register_workloads(py::module_& m) {
    m.def("workload_catalog", [] {
        py::list out;
        for (const auto& spec : workload_catalog().all()) {
            py::dict entry;
            entry["name"] = spec.name;
            entry["family"] = spec.family;
            entry["description"] = spec.description;
            entry["defaults"] = spec.defaults;
            out.append(entry);
        }
        return out;
    });
    // Setup and sampling touch no Python object, so the GIL is released for both.
    m.def("measure_workload", [](const std::string& name, py::dict params, py::dict plan) {
        const WorkloadParams wp = workload_params_from(params);
        const SamplingPlan sp = sampling_plan_from(plan);
        std::unique_ptr<Workload> workload;
        SampleSet samples;
        {
            py::gil_scoped_release release;
            workload = make_workload(name, wp);
            workload->setup();
            EmptyBatch empty;
            samples = collect_samples(*workload, empty, sp);
        }
        py::dict out = to_python(std::move(samples));
        out["metrics"] = metrics_to_python(workload->metrics());
        return out;
    }, py::arg("name"), py::arg("params"), py::arg("plan"));
    m.def("check_workload", [](const std::string& name, py::dict params) {
        const WorkloadParams wp = workload_params_from(params);
        py::gil_scoped_release release;
        return make_workload(name, wp)->self_check();
    }, py::arg("name"), py::arg("params"));
}

}  // namespace perfbench::bindings
