// The timing loop: per sample, `n` iterations of a body between two clock reads.
//
// Shape (calibration kept apart from the hot loop, as nanobench's IterationLogic does):
//   1. calibrate  grow n until one sample lasts >= max(min_sample, 1000 x resolution)
//   2. warm up    samples that are run but not kept
//   3. overhead   the same loop with an empty body, timed alike: with 0 iterations (the fixed
//                 cost of a sample: clock reads, the call into the batch) and with n
//                 (adds the loop's own per-iteration cost)
//   4. sample     until the time budget or the sample count is reached
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "perfbench/hardware_counters.hpp"

namespace perfbench {

// What the sampler times: `iterations` repetitions of one body. Each implementation owns
// its loop (see repeat()) so the body is inlined into it; the sampler pays one virtual
// call per sample, outside the per-iteration cost and inside the measured overhead.
class Batch {
public:
    virtual ~Batch() = default;
    // Returns false when the body failed (e.g. a Python exception is pending).
    virtual bool run(std::uint64_t iterations) = 0;
};

// Runs body() n times, unrolled eight-fold.
// Why unrolled: a plain counted loop costs about one cycle per iteration by itself (the
// counter's dependency chain), ~0.25-0.4 ns here. On an out-of-order core that cost overlaps
// with any body whose own dependency chain is longer, so it must not be subtracted (an
// 8-add chain would read 7 cycles), yet unsubtracted it is what an empty body reads.
// Unrolled, the loop's own share falls to ~1/8 cycle (measured: 0.03-0.05 ns per iteration),
// so it is reported and left in, and an empty body still reads ~0.
// Only for short straight-line bodies: the body is inlined eight times, and a body with
// data-dependent branches must keep one copy (see BodyWorkload::run in workload.hpp).
template <class Body>
inline void repeat(std::uint64_t n, Body&& body) {
    for (; n >= 8; n -= 8) {
        body(); body(); body(); body();
        body(); body(); body(); body();
    }
    for (; n > 0; --n) body();
}

// The reference for loop and timer overhead: repeat() around nothing.
class EmptyBatch final : public Batch {
public:
    bool run(std::uint64_t iterations) override {
        repeat(iterations, [] { asm volatile(""); });
        return true;
    }
};

struct SamplingPlan {
    double budget_seconds = 0.5;       // calibration + warm-up + sampling
    double min_sample_seconds = 1e-4;  // a sample lasts at least this (and 1000 x resolution)
    double warmup_seconds = -1;        // < 0: a tenth of the budget
    std::uint64_t max_samples = 0;     // 0: sample until the budget is spent
    std::uint64_t min_samples = 3;     // taken even when one sample outlasts the budget
    std::uint64_t iterations = 0;      // fixed iterations per sample; 0: calibrate
    bool subtract_overhead = true;
    bool count_hardware_events = true;
};

struct SampleSet {
    std::vector<double> ns_per_iteration;    // one value per kept sample
    std::uint64_t iterations_per_sample = 0;
    // The fixed cost of one sample (clock reads, the call into the batch), per iteration:
    // it never overlaps with the body, so this is what is subtracted.
    double overhead_ns_per_iteration = 0;
    // The empty loop's own cost per iteration (counter and branch): measured and reported,
    // not subtracted, because on an out-of-order core it overlaps with real bodies.
    double loop_overhead_ns_per_iteration = 0;
    bool overhead_subtracted = false;
    double target_sample_ns = 0;
    std::string clock;                       // source that took the samples
    double ticks_per_ns = 1.0;
    std::uint64_t calibration_rounds = 0;
    std::uint64_t warmup_samples = 0;
    double wall_seconds = 0;                 // everything, calibration included
    bool stopped_by_budget = false;          // false: stopped by the sample count
    HardwareCounts counters;                 // per iteration when available
};

// Thrown when Batch::run reports failure; the caller holds the reason (e.g. PyErr).
class BodyFailed : public std::runtime_error {
public:
    BodyFailed() : std::runtime_error("benchmark body failed") {}
};

// Samples `body` according to `plan`, using `empty` (the same loop with an empty body)
// to measure overhead. Throws std::invalid_argument for an unusable plan.
SampleSet collect_samples(Batch& body, Batch& empty, const SamplingPlan& plan);

}  // namespace perfbench
