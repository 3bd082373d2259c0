// Google Benchmark side of the peer comparisons (compare_agreement.py, compare_stability.py,
// compare_clock.py). It times exactly the body structs perfbench's built-in workloads use
// (cpp/src/workloads/basic/bodies.hpp) and perfbench's clock reads
// (cpp/include/perfbench/clock.hpp), so any difference in the figures comes from the
// harness (loop shape, overhead handling, statistic reported), not from the code timed.
//
// Built by benchmarks/_peers.py:
//   g++ -O3 -DNDEBUG -std=c++20 -I cpp/include -I cpp/src gbench_workloads.cpp -lbenchmark -lpthread
// (-O3 -DNDEBUG is what CMake's Release build, and so perfbench's own core, uses.)
//
// Benchmark names equal perfbench's workload names, so one --benchmark_filter selects the
// same workload on both sides. Clock reads are named clock/...

#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdint>
#include <ctime>

#include "perfbench/clock.hpp"
#include "workloads/basic/bodies.hpp"

namespace wl = perfbench::workloads;

namespace {

// A body with setup() + operator()(): set up once outside the timed loop, as perfbench's
// BodyWorkload does, then one call per Google Benchmark iteration.
template <class Body>
void body_benchmark(benchmark::State& state) {
    Body body;
    if constexpr (requires { body.setup(); }) body.setup();
    for (auto _ : state) body();
}

// AddChain8 keeps its chain in a local (a register), as its run_batch() does in perfbench:
// calling the member operator() here would put the chain in memory (see basic/bodies.hpp).
void add_chain_8(benchmark::State& state) {
    std::uint64_t v = 1;
    for (auto _ : state) wl::AddChain8::chain(v);
    benchmark::DoNotOptimize(v);
}

// Clock reads, one per iteration: an independent figure for what perfbench's
// clock_info().read_costs reports (it times batches of reads against CLOCK_MONOTONIC_RAW).
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
    benchmark::RegisterBenchmark("empty", body_benchmark<wl::Empty>);
    benchmark::RegisterBenchmark("add_chain_8", add_chain_8);
    benchmark::RegisterBenchmark("hash_lookup_1k", body_benchmark<wl::HashLookup1k>);
    benchmark::RegisterBenchmark("memcpy_4KiB", body_benchmark<wl::MemoryCopy<4096>>);
    benchmark::RegisterBenchmark("memcpy_1MiB", body_benchmark<wl::MemoryCopy<1 << 20>>);
    benchmark::RegisterBenchmark("sort_1k", body_benchmark<wl::SortIntegers<1000>>);
    benchmark::RegisterBenchmark("sort_100k", body_benchmark<wl::SortIntegers<100000>>);
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
