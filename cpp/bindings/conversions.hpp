// Translations shared by the binding files: Python plan dict -> SamplingPlan, and
// SampleSet -> Python dict with the samples as a read-only numpy array (no copy).
#pragma once

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include "perfbench/timing_loop.hpp"
#include "perfbench/workload.hpp"

namespace perfbench::bindings {

SamplingPlan sampling_plan_from(const pybind11::dict& plan);
pybind11::dict to_python(SampleSet&& samples);
WorkloadParams workload_params_from(const pybind11::dict& params);

}  // namespace perfbench::bindings
