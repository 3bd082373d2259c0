// Engine telemetry: one span per executed task (case, task, start and end ticks), recorded
// into a fixed-size ring buffer that overwrites its oldest spans. Recording is one 24-byte
// store; the engine reads the counter once per task (see Engine::run). Nothing allocates
// after construction.
#pragma once

#include <cstdint>
#include <vector>

#include "perfbench/clock.hpp"
#include "workloads/tracking_allocator.hpp"

namespace perfbench::workloads::workflow {

// The counter spans are stamped with: unserialised, as tracers read it (Tracy, perf's
// user-space timestamps). The timing loop's fenced reads wait for every earlier instruction
// to finish, which would stall the engine twice per task; an unfenced span of a task that
// runs for tens of ns blurs by a few cycles at most. Spans are
// compared with each other, so they need a monotonic counter, not calibrated ns.
inline std::uint64_t span_clock() noexcept {
#if PERFBENCH_HAS_TSC
    return TscClock::raw();
#elif PERFBENCH_HAS_CNTVCT
    return CntvctClock::raw();
#else
    return SteadyClock::raw();
#endif
}

struct Span {
    std::uint64_t start_ticks;
    std::uint64_t end_ticks;
    std::uint32_t case_id;
    std::uint32_t task_id;
};

class SpanRing {
public:
    // `capacity` is rounded up to a power of two so the slot is an AND, not a division.
    explicit SpanRing(std::size_t capacity);

    void record(const Span& span) noexcept {
        slots_[static_cast<std::size_t>(next_) & mask_] = span;
        ++next_;
    }
    std::size_t capacity() const noexcept { return slots_.size(); }
    std::uint64_t recorded() const noexcept { return next_; }  // ever, including overwritten
    std::size_t size() const noexcept { return next_ < slots_.size() ? static_cast<std::size_t>(next_) : slots_.size(); }
    // The spans still held, oldest first.
    std::vector<Span> snapshot() const;
    void clear() noexcept { next_ = 0; }

private:
    tracked_vector<Span> slots_;
    std::size_t mask_;
    std::uint64_t next_ = 0;
};

}  // namespace perfbench::workloads::workflow
