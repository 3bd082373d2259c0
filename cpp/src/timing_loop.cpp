#include "perfbench/timing_loop.hpp"

#include <algorithm>
#include <cmath>

#include "perfbench/clock.hpp"

namespace perfbench {

namespace {

template <class Clock>
inline std::uint64_t time_one_sample(Batch& batch, std::uint64_t n) {
    const std::uint64_t t0 = Clock::start();
    const bool ok = batch.run(n);
    const std::uint64_t t1 = Clock::stop();
    if (!ok) throw BodyFailed();
    return t1 - t0;
}

double median_of(std::vector<double> values) {
    const auto mid = values.begin() + static_cast<std::ptrdiff_t>(values.size() / 2);
    std::nth_element(values.begin(), mid, values.end());
    return *mid;
}

void validate(const SamplingPlan& plan) {
    if (!(plan.budget_seconds > 0) || !std::isfinite(plan.budget_seconds))
        throw std::invalid_argument("budget must be a positive duration");
    if (!(plan.min_sample_seconds > 0) || !std::isfinite(plan.min_sample_seconds))
        throw std::invalid_argument("min_sample_time must be a positive duration");
    if (plan.max_samples != 0 && plan.max_samples < plan.min_samples)
        throw std::invalid_argument("max_samples must be at least min_samples");
}

template <class Clock>
SampleSet collect_with(Batch& body, Batch& empty, const SamplingPlan& plan, const ClockInfo& clock) {
    SampleSet out;
    out.clock = clock.source_name;
    out.ticks_per_ns = clock.ticks_per_ns;
    const double tpn = clock.ticks_per_ns;
    const std::uint64_t began = Clock::start();
    const auto elapsed_ticks = [&](std::uint64_t now) { return static_cast<double>(now - began); };
    const double budget_ticks = plan.budget_seconds * 1e9 * tpn;

    out.target_sample_ns = std::max(plan.min_sample_seconds * 1e9, 1000.0 * clock.resolution_ns);
    const double target_ticks = out.target_sample_ns * tpn;

    // 1. Calibrate n. Growth is bounded to 10x per round so one cold first sample cannot
    //    overshoot by orders of magnitude; the first rounds also serve as warm-up.
    std::uint64_t n = plan.iterations > 0 ? plan.iterations : 1;
    if (plan.iterations == 0) {
        for (;;) {
            const double ticks = static_cast<double>(time_one_sample<Clock>(body, n));
            ++out.calibration_rounds;
            if (ticks >= target_ticks) break;
            if (elapsed_ticks(Clock::stop()) > 0.5 * budget_ticks) break;
            const double factor = ticks > 0 ? std::clamp(1.2 * target_ticks / ticks, 1.5, 10.0) : 10.0;
            n = static_cast<std::uint64_t>(std::ceil(static_cast<double>(n) * factor));
        }
    }

    // 2. Warm up with full-size samples; if caches or branch predictors made the calibration
    //    rounds slow, samples are now shorter than targeted, so n is corrected once.
    const double warmup_ticks =
        (plan.warmup_seconds >= 0 ? plan.warmup_seconds * 1e9 : 0.1 * plan.budget_seconds * 1e9) * tpn;
    {
        const std::uint64_t warmup_began = Clock::stop();
        double fastest = 0;
        do {
            const double ticks = static_cast<double>(time_one_sample<Clock>(body, n));
            fastest = out.warmup_samples == 0 ? ticks : std::min(fastest, ticks);
            ++out.warmup_samples;
        } while (static_cast<double>(Clock::stop() - warmup_began) < warmup_ticks);
        if (plan.iterations == 0 && fastest > 0 && fastest < 0.8 * target_ticks)
            n = static_cast<std::uint64_t>(std::ceil(static_cast<double>(n) * 1.1 * target_ticks / fastest));
    }
    out.iterations_per_sample = n;

    // 3. Overhead: the empty body through the same loop, interleaving 0 and n iterations so
    //    both medians see the same conditions. With 0 it is the fixed per-sample cost (clock
    //    reads, the virtual call); the difference is the loop's own per-iteration cost.
    std::vector<double> fixed_ticks, full_ticks;
    fixed_ticks.reserve(31);
    full_ticks.reserve(31);
    for (int i = 0; i < 31; ++i) {
        fixed_ticks.push_back(static_cast<double>(time_one_sample<Clock>(empty, 0)));
        full_ticks.push_back(static_cast<double>(time_one_sample<Clock>(empty, n)));
    }
    const double fixed_per_sample = median_of(std::move(fixed_ticks));
    const double loop_per_sample = std::max(0.0, median_of(std::move(full_ticks)) - fixed_per_sample);
    out.overhead_ns_per_iteration = fixed_per_sample / static_cast<double>(n) / tpn;
    out.loop_overhead_ns_per_iteration = loop_per_sample / static_cast<double>(n) / tpn;
    out.overhead_subtracted = plan.subtract_overhead;

    // 4. Sample. The stop read of each sample doubles as the budget check.
    const std::size_t expected =
        plan.max_samples > 0 ? plan.max_samples
                             : static_cast<std::size_t>(std::min(1e7, budget_ticks / target_ticks + 16));
    std::vector<std::uint64_t> raw;
    raw.reserve(expected);
    HardwareCounterGroup counters_group;
    const bool counting = plan.count_hardware_events && counters_group.available();
    if (counting) counters_group.start();
    for (;;) {
        const std::uint64_t t0 = Clock::start();
        const bool ok = body.run(n);
        const std::uint64_t t1 = Clock::stop();
        if (!ok) throw BodyFailed();
        raw.push_back(t1 - t0);
        if (plan.max_samples > 0 && raw.size() >= plan.max_samples) break;
        if (elapsed_ticks(t1) >= budget_ticks && raw.size() >= plan.min_samples) {
            out.stopped_by_budget = true;
            break;
        }
    }
    if (counting) {
        out.counters = counters_group.stop();
        const double iterations = static_cast<double>(raw.size()) * static_cast<double>(n);
        out.counters.instructions /= iterations;
        out.counters.cycles /= iterations;
        out.counters.branch_misses /= iterations;
    } else {
        out.counters.unavailable_reason = plan.count_hardware_events
                                              ? counters_group.unavailable_reason()
                                              : "not requested";
    }

    const double subtract = plan.subtract_overhead ? fixed_per_sample : 0.0;
    const double to_ns_per_iteration = 1.0 / (static_cast<double>(n) * tpn);
    out.ns_per_iteration.reserve(raw.size());
    for (const std::uint64_t ticks : raw)
        out.ns_per_iteration.push_back((static_cast<double>(ticks) - subtract) * to_ns_per_iteration);
    out.wall_seconds = elapsed_ticks(Clock::stop()) / tpn / 1e9;
    return out;
}

}  // namespace

SampleSet collect_samples(Batch& body, Batch& empty, const SamplingPlan& plan) {
    validate(plan);
    const ClockInfo& clock = clock_info();
    switch (clock.source) {
#if PERFBENCH_HAS_TSC
        case ClockSource::tsc: return collect_with<TscClock>(body, empty, plan, clock);
#endif
#if PERFBENCH_HAS_CNTVCT
        case ClockSource::cntvct: return collect_with<CntvctClock>(body, empty, plan, clock);
#endif
        default: return collect_with<SteadyClock>(body, empty, plan, clock);
    }
}

}  // namespace perfbench
