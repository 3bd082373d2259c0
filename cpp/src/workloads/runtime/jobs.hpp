// A fixed CPU-bound job set for the thread-pool efficiency study: `jobs` independent hash
// chains of `steps` dependent mixes each. A chain touches no memory but its own registers
// and shares nothing with the others, so a job set can only go faster with more cores —
// never with more threads than cores — and any shortfall is the pool's (or the machine's).
#pragma once

#include <cstddef>
#include <cstdint>
#include <latch>
#include <vector>

#include "workloads/thread_pool.hpp"

namespace perfbench::workloads::runtime {

// `steps` rounds of the SplitMix64 finaliser, each depending on the last (a latency-bound
// chain the compiler cannot shorten).
inline std::uint64_t hash_chain(std::uint64_t seed, std::uint64_t steps) noexcept {
    std::uint64_t x = seed;
    for (std::uint64_t i = 0; i < steps; ++i) {
        x += 0x9E3779B97F4A7C15ull;
        x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
        x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
        x ^= x >> 31;
    }
    return x;
}

class HashChainJobs {
public:
    HashChainJobs(std::size_t jobs, std::uint64_t steps) : steps_(steps), results_(jobs) {}

    // Submits every job to `pool` and waits for all of them.
    void run_on(ThreadPool& pool) {
        std::latch done(static_cast<std::ptrdiff_t>(results_.size()));
        for (std::size_t job = 0; job < results_.size(); ++job)
            pool.submit([this, job, &done] {
                results_[job] = hash_chain(seed_of(job), steps_);
                done.count_down();
            });
        done.wait();
    }
    // The same jobs one after the other on the calling thread: the reference results.
    void run_sequentially() {
        for (std::size_t job = 0; job < results_.size(); ++job) results_[job] = hash_chain(seed_of(job), steps_);
    }

    const std::vector<std::uint64_t>& results() const noexcept { return results_; }
    std::size_t jobs() const noexcept { return results_.size(); }
    std::uint64_t steps() const noexcept { return steps_; }
    static std::uint64_t seed_of(std::size_t job) noexcept { return 0x5eed0000ull + job; }

private:
    std::uint64_t steps_;
    std::vector<std::uint64_t> results_;  // one writer per slot, written once per job
};

}  // namespace perfbench::workloads::runtime
