#include "executor.hpp"

#include <cmath>
#include <stdexcept>
#include <thread>

namespace perfbench::workloads::runtime {

ExecutorStrategy strategy_from_param(double value) {
    if (value == 0) return ExecutorStrategy::shared;
    if (value == 1) return ExecutorStrategy::per_command;
    throw std::invalid_argument("strategy must be 0 (shared executor) or 1 (executor per command), got " +
                                std::to_string(value));
}

std::string strategy_name(ExecutorStrategy strategy) {
    return strategy == ExecutorStrategy::shared ? "shared" : "per-command";
}

std::size_t workers_from_param(double value) {
    if (!(value >= 0) || value != std::floor(value) || value > 1024)
        throw std::invalid_argument("workers must be a whole number from 0 (hardware concurrency) to 1024, got " +
                                    std::to_string(value));
    if (value == 0) return std::max(1u, std::thread::hardware_concurrency());
    return static_cast<std::size_t>(value);
}

}  // namespace perfbench::workloads::runtime
