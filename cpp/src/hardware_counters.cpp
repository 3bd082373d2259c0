#include "perfbench/hardware_counters.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>

#if defined(__linux__)
#include <linux/perf_event.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

namespace perfbench {

namespace {

#if defined(__linux__)
std::string read_paranoid_level() {
    std::ifstream f("/proc/sys/kernel/perf_event_paranoid");
    std::string level;
    f >> level;
    return level.empty() ? "unknown" : level;
}

std::string explain_open_failure(int err, const char* event) {
    const std::string name(event);
    switch (err) {
        case EACCES:
        case EPERM:
            return "perf_event_open(" + name + ") denied: kernel.perf_event_paranoid=" +
                   read_paranoid_level() +
                   " (counting your own process needs <= 2 and no seccomp filter; "
                   "try `sysctl kernel.perf_event_paranoid=1` or CAP_PERFMON)";
        case ENOENT:
        case EOPNOTSUPP:
        case ENODEV:
            return "no hardware counter for " + name +
                   ": the CPU model or hypervisor exposes no PMU (typical of virtual machines "
                   "without PMU pass-through)";
        case ENOSYS:
            return "kernel built without perf events (CONFIG_PERF_EVENTS)";
        default:
            return "perf_event_open(" + name + ") failed: " + std::strerror(err);
    }
}

int open_counter(std::uint64_t config, int group_fd) {
    perf_event_attr attr{};
    attr.size = sizeof(attr);
    attr.type = PERF_TYPE_HARDWARE;
    attr.config = config;
    attr.disabled = group_fd < 0 ? 1 : 0;  // the leader gates the whole group
    attr.exclude_kernel = 1;               // allowed up to perf_event_paranoid=2
    attr.exclude_hv = 1;
    attr.read_format = PERF_FORMAT_GROUP | PERF_FORMAT_TOTAL_TIME_ENABLED |
                       PERF_FORMAT_TOTAL_TIME_RUNNING;
    return static_cast<int>(syscall(SYS_perf_event_open, &attr, 0, -1, group_fd, 0));
}
#endif

}  // namespace

HardwareCounterGroup::HardwareCounterGroup() {
#if defined(__linux__)
    leader_fd_ = open_counter(PERF_COUNT_HW_CPU_CYCLES, -1);
    if (leader_fd_ < 0) {
        reason_ = explain_open_failure(errno, "cycles");
        return;
    }
    instructions_fd_ = open_counter(PERF_COUNT_HW_INSTRUCTIONS, leader_fd_);
    if (instructions_fd_ < 0) {
        reason_ = explain_open_failure(errno, "instructions");
        close(leader_fd_);
        leader_fd_ = -1;
        return;
    }
    branch_misses_fd_ = open_counter(PERF_COUNT_HW_BRANCH_MISSES, leader_fd_);
    if (branch_misses_fd_ < 0) {
        reason_ = explain_open_failure(errno, "branch-misses");
        close(instructions_fd_);
        close(leader_fd_);
        instructions_fd_ = leader_fd_ = -1;
    }
#else
    reason_ = "hardware counters are only read on Linux (perf_event_open)";
#endif
}

HardwareCounterGroup::~HardwareCounterGroup() {
#if defined(__linux__)
    for (int fd : {branch_misses_fd_, instructions_fd_, leader_fd_})
        if (fd >= 0) close(fd);
#endif
}

void HardwareCounterGroup::start() {
#if defined(__linux__)
    if (leader_fd_ < 0) return;
    ioctl(leader_fd_, PERF_EVENT_IOC_RESET, PERF_IOC_FLAG_GROUP);
    ioctl(leader_fd_, PERF_EVENT_IOC_ENABLE, PERF_IOC_FLAG_GROUP);
#endif
}

HardwareCounts HardwareCounterGroup::stop() {
    HardwareCounts counts;
#if defined(__linux__)
    if (leader_fd_ < 0) {
        counts.unavailable_reason = reason_;
        return counts;
    }
    ioctl(leader_fd_, PERF_EVENT_IOC_DISABLE, PERF_IOC_FLAG_GROUP);
    // PERF_FORMAT_GROUP layout: nr, time_enabled, time_running, values[nr] (in open order).
    std::uint64_t buffer[3 + 3] = {};
    const ssize_t got = read(leader_fd_, buffer, sizeof(buffer));
    if (got < static_cast<ssize_t>(sizeof(buffer)) || buffer[0] != 3) {
        counts.unavailable_reason = "reading the counter group failed";
        return counts;
    }
    const double enabled = static_cast<double>(buffer[1]);
    const double running = static_cast<double>(buffer[2]);
    if (running <= 0) {
        counts.unavailable_reason = "the counters were never scheduled on the PMU (all slots busy)";
        return counts;
    }
    const double scale = enabled / running;
    counts.available = true;
    counts.running_fraction = running / enabled;
    counts.cycles = static_cast<double>(buffer[3]) * scale;
    counts.instructions = static_cast<double>(buffer[4]) * scale;
    counts.branch_misses = static_cast<double>(buffer[5]) * scale;
#else
    counts.unavailable_reason = reason_;
#endif
    return counts;
}

HardwareCounts hardware_counter_support() {
    static const HardwareCounts support = [] {
        HardwareCounterGroup probe;
        HardwareCounts s;
        s.available = probe.available();
        s.unavailable_reason = probe.unavailable_reason();
        return s;
    }();
    return support;
}

}  // namespace perfbench
