#include "conversions.hpp"

#include <set>
#include <string>

namespace py = pybind11;

namespace perfbench::bindings {

SamplingPlan sampling_plan_from(const py::dict& plan) {
    static const std::set<std::string> known = {
        "budget_seconds", "min_sample_seconds", "warmup_seconds", "max_samples",
        "min_samples", "iterations", "subtract_overhead", "count_hardware_events"};
    SamplingPlan p;
    for (const auto& [key_obj, value] : plan) {
        const auto key = key_obj.cast<std::string>();
        if (!known.count(key)) throw py::key_error("unknown sampling plan key '" + key + "'");
        if (key == "budget_seconds") p.budget_seconds = value.cast<double>();
        else if (key == "min_sample_seconds") p.min_sample_seconds = value.cast<double>();
        else if (key == "warmup_seconds") p.warmup_seconds = value.cast<double>();
        else if (key == "max_samples") p.max_samples = value.cast<std::uint64_t>();
        else if (key == "min_samples") p.min_samples = value.cast<std::uint64_t>();
        else if (key == "iterations") p.iterations = value.cast<std::uint64_t>();
        else if (key == "subtract_overhead") p.subtract_overhead = value.cast<bool>();
        else if (key == "count_hardware_events") p.count_hardware_events = value.cast<bool>();
    }
    return p;
}

py::dict to_python(SampleSet&& samples) {
    py::dict out;
    out["samples_ns"] = py::cast(SampleBuffer{std::move(samples.ns_per_iteration)});
    out["iterations_per_sample"] = samples.iterations_per_sample;
    out["overhead_ns"] = samples.overhead_ns_per_iteration;
    out["loop_overhead_ns"] = samples.loop_overhead_ns_per_iteration;
    out["overhead_subtracted"] = samples.overhead_subtracted;
    out["target_sample_ns"] = samples.target_sample_ns;
    out["clock"] = samples.clock;
    out["ticks_per_ns"] = samples.ticks_per_ns;
    out["calibration_rounds"] = samples.calibration_rounds;
    out["warmup_samples"] = samples.warmup_samples;
    out["wall_seconds"] = samples.wall_seconds;
    out["stopped_by_budget"] = samples.stopped_by_budget;
    py::dict counters;
    counters["available"] = samples.counters.available;
    counters["reason"] = samples.counters.unavailable_reason;
    if (samples.counters.available) {
        counters["instructions"] = samples.counters.instructions;
        counters["cycles"] = samples.counters.cycles;
        counters["branch_misses"] = samples.counters.branch_misses;
        counters["running_fraction"] = samples.counters.running_fraction;
    }
    out["counters"] = counters;
    return out;
}

WorkloadParams workload_params_from(const py::dict& params) {
    WorkloadParams out;
    for (const auto& [key, value] : params) out[key.cast<std::string>()] = value.cast<double>();
    return out;
}

}  // namespace perfbench::bindings
