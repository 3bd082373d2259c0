// Loop shapes side by side: does the loop around a body change what the body costs?
//
// The same body (copy N random uint32, then std::sort them: the built-in sort_1k when
// N = 1,000) in three loops, taking turns in one process:
//   * eight copies: repeat(), the eight-fold unrolled loop, which inlines the body eight times
//     (perfbench's BodyWorkload loop until the body got one copy);
//   * BodyWorkload: the core's workload loop as it is now;
//   * one copy alone: a plain counted loop in a function of its own, as Google Benchmark's
//     `for (auto _ : state)` and a body compiled alone have it.
// The input is the same in every iteration, as in the built-in workload, so the branch
// predictor can learn part of the sort; how much it learns depends on how many branch
// sites the loop gives it. A fourth row sorts 64 different inputs in turn in the one-copy
// loop: what the sort costs when there is nothing to learn. Thread CPU time, so time spent
// descheduled on a shared machine does not count; the median (and range) of the rounds is
// printed.
//
//   g++ -O3 -DNDEBUG -std=c++20 -falign-functions=64 -I cpp/include -I cpp/src
//       benchmarks/loop_shapes.cpp -o /tmp/loop_shapes && /tmp/loop_shapes [rounds]

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <vector>

#include "perfbench/compiler_barrier.hpp"
#include "perfbench/workload.hpp"
#include "workloads/splitmix64.hpp"

namespace {

// The basic family's SortIntegers (private to it), with `Inputs` different inputs taken in turn.
template <std::size_t N, std::size_t Inputs = 1>
struct Sort {
    std::vector<std::uint32_t> input, work;
    std::size_t next = 0;
    void setup() {
        input.resize(N * Inputs);
        work.resize(N);
        std::uint64_t seed = 11;
        for (auto& v : input) v = static_cast<std::uint32_t>(perfbench::workloads::splitmix64(seed));
    }
    void operator()() {
        const auto from = input.begin() + static_cast<std::ptrdiff_t>(next++ % Inputs * N);
        std::copy(from, from + N, work.begin());
        std::sort(work.begin(), work.end());
        perfbench::do_not_optimize(work.data());
        perfbench::clobber_memory();
    }
};

template <class Body>
struct EightCopies final : perfbench::Batch {
    Body body;
    __attribute__((noinline)) bool run(std::uint64_t n) override {
        perfbench::repeat(n, [this] { body(); });
        return true;
    }
};

template <class Body>
struct OneCopyAlone final : perfbench::Batch {
    Body body;
    __attribute__((noinline)) bool run(std::uint64_t n) override {
        for (; n > 0; --n) body();
        return true;
    }
};

double cpu_ns_per_iteration(perfbench::Batch& batch, std::uint64_t n) {
    batch.run(n / 4);  // warm up: caches, and the predictor's view of this loop
    timespec start{}, stop{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &start);
    batch.run(n);
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &stop);
    return (static_cast<double>(stop.tv_sec - start.tv_sec) * 1e9 + static_cast<double>(stop.tv_nsec - start.tv_nsec)) /
           static_cast<double>(n);
}

void print(const char* shape, std::vector<double>& ns) {
    std::sort(ns.begin(), ns.end());
    std::printf("  %-16s %10.0f ns  (%.0f-%.0f)\n", shape, ns[ns.size() / 2], ns.front(), ns.back());
}

template <std::size_t N>
void compare(std::uint64_t iterations, int rounds) {
    EightCopies<Sort<N>> eight;
    perfbench::BodyWorkload<Sort<N>> now;
    OneCopyAlone<Sort<N>> alone;
    OneCopyAlone<Sort<N, 64>> unlearnable;
    eight.body.setup();
    now.setup();
    alone.body.setup();
    unlearnable.body.setup();
    std::vector<double> a, b, c, d;
    for (int r = 0; r < rounds; ++r) {
        a.push_back(cpu_ns_per_iteration(eight, iterations));
        b.push_back(cpu_ns_per_iteration(now, iterations));
        c.push_back(cpu_ns_per_iteration(alone, iterations));
        d.push_back(cpu_ns_per_iteration(unlearnable, iterations));
    }
    std::printf("copy + std::sort of %zu uint32, median of %d rounds (thread CPU time per iteration):\n", N, rounds);
    print("eight copies", a);
    print("BodyWorkload", b);
    print("one copy alone", c);
    print("64 inputs", d);
}

}  // namespace

int main(int argc, char** argv) {
    const int rounds = argc > 1 ? std::atoi(argv[1]) : 7;
    compare<1000>(2000, rounds);
    compare<3000>(600, rounds);
    return 0;
}
