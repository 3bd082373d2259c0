// Translations shared by the binding files: Python plan dict -> SamplingPlan, and
// SampleSet -> Python dict with the samples as a read-only SampleBuffer (no copy).
#pragma once

#include <pybind11/pybind11.h>

#include <vector>

#include "perfbench/timing_loop.hpp"
#include "perfbench/workload.hpp"

namespace perfbench::bindings {

// The samples of one measurement, owned here and exported read-only through the buffer
// protocol: numpy.asarray() views them without a copy, and a worker process serialises
// them with memoryview.tolist() without importing numpy, which was ~90 ms of a ~160 ms
// worker start-up (python -X importtime; see worker.py).
struct SampleBuffer {
    std::vector<double> ns_per_iteration;
};

SamplingPlan sampling_plan_from(const pybind11::dict& plan);
pybind11::dict to_python(SampleSet&& samples);
WorkloadParams workload_params_from(const pybind11::dict& params);

}  // namespace perfbench::bindings
