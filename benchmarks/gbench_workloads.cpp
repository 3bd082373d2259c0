// Google Benchmark side of the peer comparisons (compare_agreement.py, compare_stability.py,
// compare_clock.py).
//
// Workloads: this file compiles no workload. It links perfbench_core, the static library the
// imported perfbench._core was linked from (benchmarks/_peers.py finds it in the CMake build
// directory and checks that it is that build), and times the very function perfbench's
// sampler calls: the workload's Workload::run(n), with the same machine code in both tools.
// Recompiling the body headers here made a second program: GCC specialised the body to
// this caller (an inline `rep movsq` where the core calls memmove, as it could see the vector
// sizes), and the core's loop then inlined the body eight times where this one had one copy.
// On an Intel Xeon the core's sort_1k read 2.0x this harness's figure (16.4 us vs 8.5 us).
//
// Each benchmark hands Google Benchmark's whole iteration count to one run() call
// (KeepRunningBatch), so Google Benchmark's own loop adds one call per run, not one per
// iteration; its label names the C++ type whose run() was timed, so the panel can show that
// both tools executed the same symbol.
//
// Clock reads (clock/...): an independent figure for what perfbench's clock_info().read_costs
// reports (perfbench/clock.hpp, header-only, so the same inline code as in the core).
//
// Built by benchmarks/_peers.py:
//   g++ -O3 -DNDEBUG -std=c++20 -I cpp/include gbench_workloads.cpp <build>/libperfbench_core.a -lbenchmark -lpthread
// Benchmark names equal perfbench's workload names, so one --benchmark_filter selects the
// same workload on both sides.

#include <benchmark/benchmark.h>
#include <cxxabi.h>

#include <chrono>
#include <cstdlib>
#include <ctime>
#include <memory>
#include <string>
#include <typeinfo>

#include "perfbench/clock.hpp"
#include "perfbench/workload.hpp"

namespace {

std::string demangled(const std::type_info& type) {
    int status = 0;
    std::unique_ptr<char, void (*)(void*)> name(abi::__cxa_demangle(type.name(), nullptr, nullptr, &status),
                                                std::free);
    return status == 0 ? name.get() : type.name();
}

// Set up once outside the timed region, as perfbench's worker does, then one run() call
// for all of this benchmark run's iterations.
void workload_benchmark(benchmark::State& state, const std::string& name) {
    const std::unique_ptr<perfbench::Workload> workload = perfbench::make_workload(name, {});
    workload->setup();
    const perfbench::Workload& timed = *workload;
    state.SetLabel(demangled(typeid(timed)));
    const benchmark::IterationCount batch = state.max_iterations;
    while (state.KeepRunningBatch(batch)) {
        if (!workload->run(static_cast<std::uint64_t>(batch))) state.SkipWithError("workload run failed");
    }
}

#if PERFBENCH_HAS_TSC
void clock_tsc_start(benchmark::State& state) {
    for (auto _ : state) benchmark::DoNotOptimize(perfbench::TscClock::start());
}
void clock_tsc_stop(benchmark::State& state) {
    for (auto _ : state) benchmark::DoNotOptimize(perfbench::TscClock::stop());
}
void clock_tsc_raw(benchmark::State& state) {
    for (auto _ : state) benchmark::DoNotOptimize(perfbench::TscClock::raw());
}
#endif
void clock_steady_clock_now(benchmark::State& state) {
    for (auto _ : state) benchmark::DoNotOptimize(std::chrono::steady_clock::now());
}
void clock_monotonic_raw(benchmark::State& state) {
    for (auto _ : state) {
        timespec ts{};
        clock_gettime(CLOCK_MONOTONIC_RAW, &ts);
        benchmark::DoNotOptimize(ts);
    }
}

}  // namespace

int main(int argc, char** argv) {
    // Every workload of the catalogue; only those a --benchmark_filter selects are built.
    for (const perfbench::WorkloadSpec& spec : perfbench::workload_catalog().all())
        benchmark::RegisterBenchmark(spec.name.c_str(), workload_benchmark, spec.name);
#if PERFBENCH_HAS_TSC
    benchmark::RegisterBenchmark("clock/tsc_start", clock_tsc_start);
    benchmark::RegisterBenchmark("clock/tsc_stop", clock_tsc_stop);
    benchmark::RegisterBenchmark("clock/tsc_raw", clock_tsc_raw);
#endif
    benchmark::RegisterBenchmark("clock/steady_clock_now", clock_steady_clock_now);
    benchmark::RegisterBenchmark("clock/clock_gettime_monotonic_raw", clock_monotonic_raw);
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
