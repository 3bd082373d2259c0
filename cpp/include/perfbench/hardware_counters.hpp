// Hardware event counts (instructions, cycles, branch misses) through perf_event_open.
//
// Counting is opt-in per measurement and per thread. Where the kernel or hypervisor
// refuses, the reason is recorded (perf_event_paranoid, no PMU in a virtual machine,
// seccomp) so that reports say why there are no counts instead of showing zeros.
#pragma once

#include <cstdint>
#include <string>

namespace perfbench {

struct HardwareCounts {
    bool available = false;
    std::string unavailable_reason;  // set when !available
    // Totals over the counted region; the sampler divides by iterations.
    double instructions = 0;
    double cycles = 0;
    double branch_misses = 0;
    // When the PMU is shared (multiplexed), counts are scaled by enabled/running time.
    double running_fraction = 1.0;
};

// Counts events of the calling thread in user space, between start() and stop().
class HardwareCounterGroup {
public:
    HardwareCounterGroup();
    ~HardwareCounterGroup();
    HardwareCounterGroup(const HardwareCounterGroup&) = delete;
    HardwareCounterGroup& operator=(const HardwareCounterGroup&) = delete;

    bool available() const { return leader_fd_ >= 0; }
    const std::string& unavailable_reason() const { return reason_; }
    void start();
    HardwareCounts stop();

private:
    int leader_fd_ = -1;
    int instructions_fd_ = -1;
    int branch_misses_fd_ = -1;
    std::string reason_;
};

// Whether counters can be opened in this process, and if not, why (probed once).
HardwareCounts hardware_counter_support();

}  // namespace perfbench
