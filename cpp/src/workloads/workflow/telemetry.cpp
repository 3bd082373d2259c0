#include "telemetry.hpp"

#include <bit>

namespace perfbench::workloads::workflow {

SpanRing::SpanRing(std::size_t capacity)
    : slots_(std::bit_ceil(capacity < 1 ? std::size_t{1} : capacity)), mask_(slots_.size() - 1) {}

std::vector<Span> SpanRing::snapshot() const {
    std::vector<Span> out;
    out.reserve(size());
    for (std::uint64_t i = next_ - size(); i < next_; ++i) out.push_back(slots_[static_cast<std::size_t>(i) & mask_]);
    return out;
}

}  // namespace perfbench::workloads::workflow
