// The reference-workload interface: what the built-in suite times.
//
// A workload is a Batch (the timing loop runs it) with an untimed setup, an optional
// self-check that proves it does its work, and optional figures it measured about itself.
// Most workloads are a small "body" struct wrapped by BodyWorkload, so that a peer harness
// (Google Benchmark in benchmarks/) can time exactly the same body.
#pragma once

#include <concepts>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "perfbench/histogram.hpp"
#include "perfbench/timing_loop.hpp"

namespace perfbench {

using WorkloadParams = std::map<std::string, double>;

// A figure a workload measured about itself. `unit` is one of:
//   "ns" (a duration), "bytes", "per_s" (events per second), "bytes_per_s" (a byte rate),
//   "ticks", "count", "ratio" (dimensionless, e.g. a speedup or an efficiency), "fraction"
//   (0..1, e.g. an overhead share).
// SLA rules address metrics by name and parse their thresholds by this unit.
// `ci_low` / `ci_high`: the 95 % confidence interval of `value` where the workload can
// estimate one (NaN where it cannot); plausibility checks and verdicts judge the interval.
struct WorkloadMetric {
    std::string name;
    double value;
    std::string unit;
    double ci_low = std::numeric_limits<double>::quiet_NaN();
    double ci_high = std::numeric_limits<double>::quiet_NaN();
};

// The distribution in a latency histogram as metrics: <prefix>_p50 ... _p999, _max, _mean (ns)
// and <prefix>_count.
inline std::vector<WorkloadMetric> histogram_metrics(const std::string& prefix, const LatencyHistogram& h) {
    constexpr double kPercentiles[] = {50, 90, 95, 99, 99.9};
    std::uint64_t at[std::size(kPercentiles)];
    h.values_at_percentiles(kPercentiles, at);  // one pass over the buckets for all five
    return {
        {prefix + "_p50", static_cast<double>(at[0]), "ns"},
        {prefix + "_p90", static_cast<double>(at[1]), "ns"},
        {prefix + "_p95", static_cast<double>(at[2]), "ns"},
        {prefix + "_p99", static_cast<double>(at[3]), "ns"},
        {prefix + "_p999", static_cast<double>(at[4]), "ns"},
        {prefix + "_max", static_cast<double>(h.max()), "ns"},
        {prefix + "_mean", h.mean(), "ns"},
        {prefix + "_count", static_cast<double>(h.count()), "count"},
    };
}

class Workload : public Batch {
public:
    // Runs once before timing; allocation and table building belong here.
    virtual void setup() {}
    // Re-runs the work on known input; returns "" when the result is right, else what is wrong.
    virtual std::string self_check() { return {}; }
    // Figures the workload measured about itself during the timed runs (may be empty).
    virtual std::vector<WorkloadMetric> metrics() const { return {}; }
};

template <class Body>
concept HasSetup = requires(Body b) { b.setup(); };
template <class Body>
concept HasSelfCheck = requires(Body b) { { b.self_check() } -> std::convertible_to<std::string>; };
// A body may run its own batch (to keep loop-carried state in registers); it is handed
// repeat(), the eight-fold unrolled loop the overhead was measured with. That loop inlines
// its body eight times, so it is only for short straight-line bodies (see BodyWorkload::run).
template <class Body>
concept HasBatchRun = requires(Body b, std::uint64_t n) {
    b.run_batch(n, [](std::uint64_t, auto&&) {});
};
template <class Body>
concept HasMetrics = requires(const Body b) { { b.metrics() } -> std::convertible_to<std::vector<WorkloadMetric>>; };

// Adapts a body struct (operator() = one iteration) to the Workload interface.
template <class Body>
class BodyWorkload final : public Workload {
public:
    template <class... Args>
    explicit BodyWorkload(Args&&... args) : body_(std::forward<Args>(args)...) {}
    void setup() override {
        if constexpr (HasSetup<Body>) body_.setup();
    }
    bool run(std::uint64_t iterations) override {
        if constexpr (HasBatchRun<Body>) {
            body_.run_batch(iterations, [](std::uint64_t n, auto&& one) { repeat(n, one); });
        } else {
            // One copy of the body, as Google Benchmark's and nanobench's loops have, never
            // repeat()'s eight. A body with data-dependent branches run on the same input
            // every iteration is partly learnt by the branch predictor, and eight inlined
            // copies give it eight times the branch sites to learn, each seen every eighth
            // iteration. Measured (benchmarks/loop_shapes.cpp, AMD EPYC, thread CPU time,
            // medians of 7 rounds in two runs): copy + std::sort of 3,000 uint32 took
            // 32.1-32.9 us per iteration with eight copies and 12.1-12.3 us with one; of
            // 1,000, 3.50-3.54 us and 3.35 us. On an Intel Xeon the eight-copy loop read
            // sort_1k at 2.0x and hash_lookup_1k at 1.5x Google Benchmark's one-copy
            // figure. The loop counter costs ~1 cycle per iteration, hidden behind any body
            // with a dependency chain of its own.
            for (; iterations > 0; --iterations) body_();
        }
        return true;
    }
    std::string self_check() override {
        if constexpr (HasSelfCheck<Body>) return body_.self_check();
        return {};
    }
    std::vector<WorkloadMetric> metrics() const override {
        if constexpr (HasMetrics<Body>) return body_.metrics();
        return {};
    }

private:
    Body body_;
};

struct WorkloadSpec {
    std::string name;         // unique, e.g. "hash_lookup_1k"
    std::string family;       // its folder in cpp/src/workloads/, e.g. "basic"
    std::string description;  // what one iteration does
    WorkloadParams defaults;  // parameters it accepts, with their defaults
    std::function<std::unique_ptr<Workload>(const WorkloadParams&)> make;
};

class UnknownWorkload : public std::invalid_argument {
public:
    using std::invalid_argument::invalid_argument;
};

class WorkloadCatalog {
public:
    void add(WorkloadSpec spec);
    const WorkloadSpec& find(std::string_view name) const;  // throws UnknownWorkload
    const std::vector<WorkloadSpec>& all() const { return specs_; }

private:
    std::vector<WorkloadSpec> specs_;
};

// Every family registers itself here (see cpp/src/workloads/catalog.cpp).
const WorkloadCatalog& workload_catalog();

// Builds a workload; parameters not in the spec's defaults are rejected.
std::unique_ptr<Workload> make_workload(std::string_view name, const WorkloadParams& params);

// Reads a parameter that make_workload has already merged with the defaults.
double param(const WorkloadParams& params, const std::string& key);

}  // namespace perfbench
