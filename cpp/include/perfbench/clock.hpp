// The clock every perfbench measurement reads.
//
// Three tick sources, each a type with static start()/stop() so that timing loops are
// templated on the clock and carry no runtime branch:
//   TscClock     x86-64 time-stamp counter (ticks at a constant rate when invariant)
//   CntvctClock  aarch64 virtual counter cntvct_el0 (constant rate by architecture)
//   SteadyClock  std::chrono::steady_clock, ticks are nanoseconds (portable fallback)
// clock_info() picks one per process, calibrates it against CLOCK_MONOTONIC_RAW and
// measures what each available clock costs to read.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#if defined(__x86_64__) || defined(_M_X64)
#define PERFBENCH_HAS_TSC 1
#endif
#if defined(__aarch64__)
#define PERFBENCH_HAS_CNTVCT 1
#endif

namespace perfbench {

enum class ClockSource { tsc, cntvct, steady_clock };

#if PERFBENCH_HAS_TSC
struct TscClock {
    // Read at the start of a timed region.
    // LFENCE before RDTSC: every earlier instruction has completed locally, so work that
    // precedes the region cannot leak into it. LFENCE after: the body cannot begin
    // executing before the counter is read (RDTSC itself is not ordered).
    // Caveat: on AMD, LFENCE is only dispatch-serialising when MSR C001_1029[1] is set;
    // Linux sets it on every AMD CPU it boots (X86_FEATURE_LFENCE_RDTSC), other kernels
    // may not, in which case the fences order loads only and regions can blur by a few
    // cycles. Inside a VM the hypervisor usually lets RDTSC run natively with an offset
    // and a scale; if it traps RDTSC instead, each read costs microseconds, which
    // clock_info().read_costs exposes.
    static inline std::uint64_t start() noexcept {
        std::uint32_t lo, hi;
        asm volatile("lfence\n\trdtsc\n\tlfence" : "=a"(lo), "=d"(hi) : : "memory");
        return (static_cast<std::uint64_t>(hi) << 32) | lo;
    }
    // Read at the end of a timed region.
    // RDTSCP waits until all earlier instructions have executed (but not that stores are
    // globally visible) before reading; the trailing LFENCE keeps later instructions
    // from starting before the read. Every x86-64 CPU with an invariant TSC has RDTSCP.
    static inline std::uint64_t stop() noexcept {
        std::uint32_t lo, hi, aux;
        asm volatile("rdtscp\n\tlfence" : "=a"(lo), "=d"(hi), "=c"(aux) : : "memory");
        return (static_cast<std::uint64_t>(hi) << 32) | lo;
    }
    // Unserialised read, for measuring the raw instruction cost only.
    static inline std::uint64_t raw() noexcept {
        std::uint32_t lo, hi;
        asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
        return (static_cast<std::uint64_t>(hi) << 32) | lo;
    }
};
#endif

#if PERFBENCH_HAS_CNTVCT
struct CntvctClock {
    // ISB before reading cntvct_el0: the counter read may otherwise be speculated ahead
    // of earlier instructions. The counter's rate (cntfrq_el0) is fixed by the
    // architecture, typically 24 MHz to 1 GHz, so resolution can be tens of ns.
    static inline std::uint64_t start() noexcept {
        std::uint64_t v;
        asm volatile("isb\n\tmrs %0, cntvct_el0\n\tisb" : "=r"(v) : : "memory");
        return v;
    }
    static inline std::uint64_t stop() noexcept { return start(); }
    static inline std::uint64_t raw() noexcept {
        std::uint64_t v;
        asm volatile("mrs %0, cntvct_el0" : "=r"(v));
        return v;
    }
};
#endif

struct SteadyClock {
    // Nanoseconds since an arbitrary epoch; on Linux a vDSO clock_gettime call.
    static inline std::uint64_t start() noexcept {
        return static_cast<std::uint64_t>(
            std::chrono::duration_cast<std::chrono::nanoseconds>(
                std::chrono::steady_clock::now().time_since_epoch())
                .count());
    }
    static inline std::uint64_t stop() noexcept { return start(); }
    static std::uint64_t raw() noexcept { return start(); }
};

// CLOCK_MONOTONIC_RAW in ns: not slewed by NTP, the reference the TSC is calibrated to.
std::uint64_t monotonic_raw_ns() noexcept;
// CLOCK_MONOTONIC in ns: what most peers (timeit, pyperf) read.
std::uint64_t monotonic_ns() noexcept;

struct ClockReadCost {
    std::string clock;  // e.g. "tsc (lfence;rdtsc;lfence)", "steady_clock::now"
    double ns_per_read;
};

struct ClockInfo {
    ClockSource source = ClockSource::steady_clock;
    std::string source_name;         // "tsc", "cntvct_el0", "steady_clock"
    double ticks_per_ns = 1.0;       // calibrated against CLOCK_MONOTONIC_RAW
    double resolution_ns = 1.0;      // smallest non-zero step seen between two reads
    double calibration_seconds = 0;  // how long calibration ran
    bool calibration_inherited = false;  // taken from PERFBENCH_CLOCK_CALIBRATION (a worker)
    bool tsc_present = false;
    bool tsc_invariant = false;      // constant rate across P-states and C-states
    std::string tsc_invariant_evidence;  // which check established it
    std::string selection_reason;    // why this source was chosen (or a fallback happened)
};

// Selected and calibrated once per process (thread-safe); later calls are free.
// PERFBENCH_CLOCK=steady|tsc in the environment overrides the automatic choice;
// PERFBENCH_CLOCK_CALIBRATION=<source>:<ticks per ns> supplies the rate instead of
// calibrating (the runner passes its own to worker processes).
const ClockInfo& clock_info();

// What one read of each available clock costs here (median of batches of back-to-back
// reads). Measured on demand (~30 ms), not at start-up: timing loops never need it.
std::vector<ClockReadCost> measure_clock_read_costs();

// Calibrates the active source's rate against CLOCK_MONOTONIC_RAW over `seconds`.
// Exposed so that tests and benchmarks can check the calibration on their own terms.
double calibrate_ticks_per_ns(ClockSource source, double seconds);

// Reads the active source once (start-style read); for code outside timing loops.
std::uint64_t read_ticks(ClockSource source) noexcept;

}  // namespace perfbench
