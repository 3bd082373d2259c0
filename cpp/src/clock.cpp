#include "perfbench/clock.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <mutex>
#include <sstream>
#include <string_view>
#include <thread>

#if PERFBENCH_HAS_TSC
#include <cpuid.h>
#endif

namespace perfbench {

namespace {

std::uint64_t read_posix_clock(clockid_t id) noexcept {
    timespec ts{};
    clock_gettime(id, &ts);
    return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000ull +
           static_cast<std::uint64_t>(ts.tv_nsec);
}

struct TscSupport {
    bool present = false;
    bool invariant = false;
    std::string evidence;
};

#if PERFBENCH_HAS_TSC
bool cpuinfo_has_flags(std::initializer_list<std::string_view> wanted) {
    std::ifstream cpuinfo("/proc/cpuinfo");
    std::string line;
    while (std::getline(cpuinfo, line)) {
        if (line.rfind("flags", 0) != 0) continue;
        std::istringstream words(line.substr(line.find(':') + 1));
        std::vector<std::string> flags;
        for (std::string w; words >> w;) flags.push_back(w);
        return std::all_of(wanted.begin(), wanted.end(), [&](std::string_view f) {
            return std::find(flags.begin(), flags.end(), f) != flags.end();
        });
    }
    return false;
}
#endif

TscSupport detect_tsc() {
    TscSupport s;
#if PERFBENCH_HAS_TSC
    unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
    if (__get_cpuid(1, &eax, &ebx, &ecx, &edx)) s.present = (edx >> 4) & 1u;
    if (!s.present) return s;
    bool has_rdtscp = false;
    if (__get_cpuid(0x80000001u, &eax, &ebx, &ecx, &edx)) has_rdtscp = (edx >> 27) & 1u;
    // CPUID 0x80000007 EDX[8] "Invariant TSC": the counter runs at a constant rate in
    // every P-, C- and T-state. Hypervisors may hide this bit even when the host TSC is
    // invariant; Linux then still reports constant_tsc + nonstop_tsc when it trusts the
    // counter, so that is accepted as second evidence.
    if (__get_cpuid(0x80000007u, &eax, &ebx, &ecx, &edx) && ((edx >> 8) & 1u)) {
        s.invariant = true;
        s.evidence = "cpuid 0x80000007 EDX[8]";
    } else if (cpuinfo_has_flags({"constant_tsc", "nonstop_tsc"})) {
        s.invariant = true;
        s.evidence = "/proc/cpuinfo flags constant_tsc and nonstop_tsc";
    }
    if (!has_rdtscp) {
        // stop() relies on RDTSCP; every CPU with an invariant TSC has it, so this is a
        // defensive fallback for odd virtual CPUs.
        s.invariant = false;
        s.evidence = "RDTSCP not available";
    }
#endif
    return s;
}

template <class Clock>
double calibrate_against_monotonic_raw(double seconds) {
    // Read the counter between two CLOCK_MONOTONIC_RAW reads and keep the tightest
    // bracket of several tries: its midpoint is the reference time of the counter read,
    // uncertain by half the bracket (tens of ns), i.e. ~1e-6 over 20 ms.
    struct Pair {
        std::uint64_t ticks;
        double ns;
    };
    auto bracketed_pair = [] {
        Pair best{0, 0};
        std::uint64_t best_width = ~0ull;
        for (int i = 0; i < 9; ++i) {
            const std::uint64_t m0 = monotonic_raw_ns();
            const std::uint64_t t = Clock::start();
            const std::uint64_t m1 = monotonic_raw_ns();
            if (m1 - m0 < best_width) {
                best_width = m1 - m0;
                best = {t, 0.5 * static_cast<double>(m0 + m1)};
            }
        }
        return best;
    };
    const Pair a = bracketed_pair();
    std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
    const Pair b = bracketed_pair();
    return static_cast<double>(b.ticks - a.ticks) / (b.ns - a.ns);
}

template <class Read>
double measure_read_cost_ns(Read read) {
    // Back-to-back reads in batches, timed by CLOCK_MONOTONIC_RAW; the median batch is
    // reported so a preempted batch does not count.
    constexpr int kBatches = 15;
    constexpr int kReadsPerBatch = 20000;
    std::vector<double> per_read;
    per_read.reserve(kBatches);
    volatile std::uint64_t sink = 0;
    for (int b = 0; b < kBatches; ++b) {
        const std::uint64_t t0 = monotonic_raw_ns();
        for (int i = 0; i < kReadsPerBatch; ++i) sink = read();
        const std::uint64_t t1 = monotonic_raw_ns();
        per_read.push_back(static_cast<double>(t1 - t0) / kReadsPerBatch);
    }
    (void)sink;
    std::nth_element(per_read.begin(), per_read.begin() + kBatches / 2, per_read.end());
    return per_read[kBatches / 2];
}

template <class Clock>
double measure_resolution_ticks() {
    // Smallest non-zero difference between consecutive reads (nanobench's definition):
    // below this a timed region cannot be resolved at all.
    std::uint64_t best = ~0ull;
    for (int i = 0; i < 2000; ++i) {
        const std::uint64_t a = Clock::start();
        std::uint64_t b = Clock::stop();
        while (b == a) b = Clock::stop();
        best = std::min(best, b - a);
    }
    return static_cast<double>(best);
}

#if PERFBENCH_HAS_TSC || PERFBENCH_HAS_CNTVCT  // only cycle counters need a rate
// A worker process started by perfbench's runner inherits the runner's calibration as
// PERFBENCH_CLOCK_CALIBRATION=<source>:<ticks per ns>: the counter is constant-rate and
// shared by every process on the machine, so calibrating again would only spend 20 ms of
// each worker's start-up (about a third of it once numpy is not imported there) for a
// figure that agrees to ~0.01 ppm. Used only when it names the source this process chose.
bool adopt_inherited_calibration(ClockInfo& info) {
    const char* inherited = std::getenv("PERFBENCH_CLOCK_CALIBRATION");
    if (inherited == nullptr) return false;
    const std::string_view text = inherited;
    const auto colon = text.find(':');
    if (colon == std::string_view::npos || text.substr(0, colon) != info.source_name) return false;
    const std::string number(text.substr(colon + 1));
    char* end = nullptr;
    const double ticks_per_ns = std::strtod(number.c_str(), &end);
    if (end == number.c_str() || *end != '\0' || !(ticks_per_ns > 0) || !std::isfinite(ticks_per_ns)) return false;
    info.ticks_per_ns = ticks_per_ns;
    info.calibration_seconds = 0;
    info.calibration_inherited = true;
    return true;
}

// The rate of a cycle counter: the parent's when it handed one down, else measured here.
void set_rate(ClockInfo& info, double (*calibrate)(double seconds)) {
    constexpr double kCalibrationSeconds = 0.02;
    if (adopt_inherited_calibration(info)) return;
    info.ticks_per_ns = calibrate(kCalibrationSeconds);
    info.calibration_seconds = kCalibrationSeconds;
}
#endif

ClockInfo build_clock_info() {
    ClockInfo info;
    const TscSupport tsc = detect_tsc();
    info.tsc_present = tsc.present;
    info.tsc_invariant = tsc.invariant;
    info.tsc_invariant_evidence = tsc.evidence;

    const char* forced = std::getenv("PERFBENCH_CLOCK");
    const std::string_view forced_name = forced ? forced : "";

    info.source = ClockSource::steady_clock;
    info.selection_reason = "no constant-rate cycle counter on this architecture";
#if PERFBENCH_HAS_TSC
    if (tsc.present && tsc.invariant) {
        info.source = ClockSource::tsc;
        info.selection_reason = "the TSC is invariant, per " + tsc.evidence;
    } else if (tsc.present) {
        info.selection_reason = "TSC present but not invariant (" +
                                (tsc.evidence.empty() ? std::string("no cpuid bit, no kernel flags")
                                                      : tsc.evidence) +
                                "); its rate may change with frequency scaling";
    }
#elif PERFBENCH_HAS_CNTVCT
    info.source = ClockSource::cntvct;
    info.selection_reason = "aarch64 generic timer (constant rate by architecture)";
#endif
    if (forced_name == "steady") {
        info.source = ClockSource::steady_clock;
        info.selection_reason = "forced by PERFBENCH_CLOCK=steady";
    } else if (forced_name == "tsc" && tsc.present) {
        info.source = ClockSource::tsc;
        info.selection_reason = "forced by PERFBENCH_CLOCK=tsc";
    }

    switch (info.source) {
#if PERFBENCH_HAS_TSC
        case ClockSource::tsc:
            info.source_name = "tsc";
            set_rate(info, &calibrate_against_monotonic_raw<TscClock>);
            info.resolution_ns = measure_resolution_ticks<TscClock>() / info.ticks_per_ns;
            break;
#endif
#if PERFBENCH_HAS_CNTVCT
        case ClockSource::cntvct: {
            std::uint64_t freq;
            asm volatile("mrs %0, cntfrq_el0" : "=r"(freq));
            info.source_name = "cntvct_el0";
            set_rate(info, &calibrate_against_monotonic_raw<CntvctClock>);
            info.resolution_ns = std::max(1e9 / static_cast<double>(freq),
                                          measure_resolution_ticks<CntvctClock>() / info.ticks_per_ns);
            break;
        }
#endif
        default:
            info.source = ClockSource::steady_clock;
            info.source_name = "steady_clock";
            info.ticks_per_ns = 1.0;
            info.resolution_ns = measure_resolution_ticks<SteadyClock>();
            break;
    }

    return info;
}

}  // namespace

std::uint64_t monotonic_raw_ns() noexcept { return read_posix_clock(CLOCK_MONOTONIC_RAW); }
std::uint64_t monotonic_ns() noexcept { return read_posix_clock(CLOCK_MONOTONIC); }

std::vector<ClockReadCost> measure_clock_read_costs() {
    std::vector<ClockReadCost> costs;
#if PERFBENCH_HAS_TSC
    if (detect_tsc().present) {
        costs.push_back({"tsc lfence;rdtsc;lfence (region start)",
                         measure_read_cost_ns([] { return TscClock::start(); })});
        costs.push_back({"tsc rdtscp;lfence (region end)",
                         measure_read_cost_ns([] { return TscClock::stop(); })});
        costs.push_back({"tsc rdtsc (unserialised)",
                         measure_read_cost_ns([] { return TscClock::raw(); })});
    }
#endif
#if PERFBENCH_HAS_CNTVCT
    costs.push_back({"cntvct_el0 isb;mrs;isb", measure_read_cost_ns([] { return CntvctClock::start(); })});
#endif
    costs.push_back({"std::chrono::steady_clock::now",
                     measure_read_cost_ns([] { return SteadyClock::start(); })});
    costs.push_back({"clock_gettime(CLOCK_MONOTONIC_RAW)",
                     measure_read_cost_ns([] { return monotonic_raw_ns(); })});
    return costs;
}

const ClockInfo& clock_info() {
    static const ClockInfo info = build_clock_info();  // C++11 guarantees one thread-safe init
    return info;
}

double calibrate_ticks_per_ns(ClockSource source, double seconds) {
    switch (source) {
#if PERFBENCH_HAS_TSC
        case ClockSource::tsc: return calibrate_against_monotonic_raw<TscClock>(seconds);
#endif
#if PERFBENCH_HAS_CNTVCT
        case ClockSource::cntvct: return calibrate_against_monotonic_raw<CntvctClock>(seconds);
#endif
        default: return calibrate_against_monotonic_raw<SteadyClock>(seconds);
    }
}

std::uint64_t read_ticks(ClockSource source) noexcept {
    switch (source) {
#if PERFBENCH_HAS_TSC
        case ClockSource::tsc: return TscClock::start();
#endif
#if PERFBENCH_HAS_CNTVCT
        case ClockSource::cntvct: return CntvctClock::start();
#endif
        default: return SteadyClock::start();
    }
}

}  // namespace perfbench
