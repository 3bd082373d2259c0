// Basic workloads of known shape, from ~2 ns to ~10 ms per iteration. They anchor the
// measurement core: each has a cost a reader can predict from the hardware, and each is
// also timed by Google Benchmark on the same body (benchmarks/gbench_workloads.cpp, driven by
// benchmarks/compare_agreement.py and compare_stability.py).
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string>
#include <unordered_map>
#include <vector>

#include "perfbench/compiler_barrier.hpp"
#include "workloads/splitmix64.hpp"

namespace perfbench::workloads {

// Nothing: the loop alone. After overhead correction it must read ~0 ns, so it runs in the
// very loop the overhead is measured with (EmptyBatch's unrolled repeat()).
struct Empty {
    void operator()() const noexcept { asm volatile(""); }
    template <class Repeat>
    void run_batch(std::uint64_t n, Repeat repeat) const noexcept {
        repeat(n, [] { asm volatile(""); });
    }
};

// Eight dependent 64-bit adds: a latency-bound chain of 8 core cycles on any core with
// single-cycle integer adds (the empty asm makes each result opaque, so the compiler can
// neither fold nor reassociate the chain). Note that TSC ticks are not core cycles: with
// turbo the core may run faster than the TSC's reference rate.
struct AddChain8 {
    static constexpr std::uint64_t kStep = 0x9E3779B97F4A7C15ull;
    std::uint64_t x = 1;
    static inline void chain(std::uint64_t& v) noexcept {
        for (int i = 0; i < 8; ++i) {
            v += kStep;
            asm("" : "+r"(v));
        }
    }
    void operator()() noexcept { chain(x); }
    // The chain must live in a register across iterations: GCC keeps a member reached
    // through `this` in memory inside the unrolled loop, which put a store-to-load
    // forward into every add (measured 20.2 ns per iteration instead of 1.9 ns).
    template <class Repeat>
    void run_batch(std::uint64_t n, Repeat repeat) noexcept {
        std::uint64_t v = x;
        repeat(n, [&v] { chain(v); });
        x = v;
    }
    std::string self_check() {
        AddChain8 probe;
        for (int i = 0; i < 1000; ++i) probe();
        const std::uint64_t expected = 1 + 8000ull * kStep;  // wraps modulo 2^64 like the adds
        return probe.x == expected ? "" : "add chain result differs from 1 + 8000 * step";
    }
};

// Independent lookups of present keys in a 1024-entry std::unordered_map.
struct HashLookup1k {
    static constexpr std::size_t kEntries = 1024;
    static constexpr std::size_t kProbes = 4096;  // power of two: index by mask
    std::unordered_map<std::uint64_t, std::uint64_t> table;
    std::vector<std::uint64_t> probes;
    std::size_t next = 0;
    std::uint64_t sum = 0;

    static std::uint64_t value_for(std::uint64_t key) { return key * 3 + 1; }
    void setup() {
        std::uint64_t seed = 42;
        std::vector<std::uint64_t> keys(kEntries);
        for (auto& k : keys) k = splitmix64(seed);
        table.reserve(kEntries);
        for (auto k : keys) table.emplace(k, value_for(k));
        probes.resize(kProbes);
        for (auto& p : probes) p = keys[splitmix64(seed) % kEntries];
    }
    void operator()() noexcept {
        sum += table.find(probes[next++ & (kProbes - 1)])->second;
        do_not_optimize(sum);
    }
    std::string self_check() {
        HashLookup1k probe;
        probe.setup();
        std::uint64_t expected = 0;
        for (std::size_t i = 0; i < kProbes; ++i) {
            expected += value_for(probe.probes[i]);
            probe();
        }
        return probe.sum == expected ? "" : "hash lookups returned wrong values";
    }
};

// A page-aligned buffer. memcpy's speed depends on the two buffers' relative alignment and
// 4 KiB aliasing: in std::vectors (16-byte aligned, wherever the heap puts them) a 4 KiB
// copy measured 37 to 54 ns depending on what the process had allocated before.
class AlignedBuffer {
public:
    explicit AlignedBuffer(std::size_t bytes)
        : data_(static_cast<unsigned char*>(std::aligned_alloc(4096, (bytes + 4095) / 4096 * 4096))), size_(bytes) {
        if (data_ == nullptr) throw std::bad_alloc();
    }
    ~AlignedBuffer() { std::free(data_); }
    AlignedBuffer(const AlignedBuffer&) = delete;
    AlignedBuffer& operator=(const AlignedBuffer&) = delete;
    unsigned char* data() noexcept { return data_; }
    const unsigned char* data() const noexcept { return data_; }
    std::size_t size() const noexcept { return size_; }

private:
    unsigned char* data_;
    std::size_t size_;
};

// memcpy of a fixed-size buffer (4 KiB stays in L1; 1 MiB goes to L2/L3), between two
// page-aligned buffers: the same layout in every process and every harness.
// The size is hidden from the compiler so that every harness calls the C library's memcpy.
// With a constant size GCC expands the copy inline as `rep movsq`, and the expansion
// depends on what the *caller* lets it prove about alignment: where the buffers were
// allocated in the same function (Google Benchmark's loop) it copies 512 aligned qwords
// (28 ns here); where they were not (perfbench's loop) it copies the first and last 8 bytes
// and 511 qwords from offset 8 (37 ns). Same source, two programs: the harness decided.
template <std::size_t Bytes>
struct MemoryCopy {
    AlignedBuffer source{Bytes}, target{Bytes};
    void setup() {
        std::uint64_t seed = 7;
        for (std::size_t i = 0; i < Bytes; ++i) source.data()[i] = static_cast<unsigned char>(splitmix64(seed));
        std::memset(target.data(), 0, Bytes);
    }
    void operator()() noexcept {
        std::size_t bytes = Bytes;
        do_not_optimize(bytes);
        std::memcpy(target.data(), source.data(), bytes);
        clobber_memory();
    }
    std::string self_check() {
        MemoryCopy probe;
        probe.setup();
        probe();
        return std::memcmp(probe.target.data(), probe.source.data(), Bytes) == 0 ? ""
                                                                                 : "copied bytes differ from the source";
    }
};

// Copy N random 32-bit integers into a work buffer and std::sort them: O(N log N).
template <std::size_t N>
struct SortIntegers {
    std::vector<std::uint32_t> input, work;
    void setup() {
        input.resize(N);
        work.resize(N);
        std::uint64_t seed = 11;
        for (auto& v : input) v = static_cast<std::uint32_t>(splitmix64(seed));
    }
    void operator()() {
        std::copy(input.begin(), input.end(), work.begin());
        std::sort(work.begin(), work.end());
        do_not_optimize(work.data());
        clobber_memory();
    }
    std::string self_check() {
        SortIntegers probe;
        probe.setup();
        probe();
        auto expected = probe.input;
        std::sort(expected.begin(), expected.end());
        if (!std::is_sorted(probe.work.begin(), probe.work.end())) return "output is not sorted";
        return probe.work == expected ? "" : "output is not a permutation of the input";
    }
};

}  // namespace perfbench::workloads
