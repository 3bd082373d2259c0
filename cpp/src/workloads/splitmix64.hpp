// The deterministic pseudo-random stream every workload family draws its inputs from, so a
// workload sees the same input in every process and every run.
#pragma once

#include <cstdint>

namespace perfbench::workloads {

// SplitMix64 (Steele, Lea and Flood 2014): one 64-bit state, full period, good enough
// mixing for test inputs, and three multiplies per value.
inline std::uint64_t splitmix64(std::uint64_t& state) noexcept {
    std::uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

}  // namespace perfbench::workloads
