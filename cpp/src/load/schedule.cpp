#include "perfbench/load/schedule.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace perfbench::load {

SendSchedule::SendSchedule(std::vector<Stage> stages, bool poisson, unsigned thread_index, unsigned thread_count,
                           std::uint64_t max_requests, std::uint64_t seed)
    : stages_(std::move(stages)), poisson_(poisson), step_(thread_count), remaining_(max_requests),
      limited_(max_requests > 0), random_(seed ^ (0x9e3779b97f4a7c15ull * (thread_index + 1))) {
    if (stages_.empty()) throw std::invalid_argument("a schedule needs at least one stage");
    std::int64_t start = 0;
    double count = 0;
    for (std::size_t i = 0; i < stages_.size(); ++i) {
        const auto& s = stages_[i];
        if (!(s.rate >= 0) || !std::isfinite(s.rate)) throw std::invalid_argument("stage rate must be >= 0");
        if (s.duration_ns < 0 && i + 1 != stages_.size())
            throw std::invalid_argument("only the last stage may be unbounded");
        starts_.push_back(start);
        counts_before_.push_back(count);
        if (s.duration_ns >= 0) {
            start += s.duration_ns;
            count += s.rate * static_cast<double>(s.duration_ns) * 1e-9;
        }
    }
    starts_.push_back(stages_.back().duration_ns < 0 ? INT64_MAX : start);
    // Even spacing: thread k takes positions k, k+T, k+2T... Poisson: each thread's own
    // process at 1/T of the rate; the superposition of independent Poisson processes is one.
    position_ = poisson_ ? step_ * gap_(random_) : static_cast<double>(thread_index);
}

bool SendSchedule::next(ScheduledSend& out) {
    if (limited_ && remaining_ == 0) return false;
    // Find the stage in which N(t) reaches position_ (pauses and spent stages are passed over).
    // The stage's end is compared in integer ns: in floating point, 100/s x 1.2 s is 120.00000000000001
    // requests, and a 121st would be due exactly at the end.
    for (; stage_ < stages_.size(); ++stage_) {
        const auto& s = stages_[stage_];
        if (s.rate <= 0) {
            if (s.duration_ns < 0) return false;  // an unbounded pause: nothing more is ever due
            continue;
        }
        const double into_stage_s = (position_ - counts_before_[stage_]) / s.rate;
        const std::int64_t offset =
            std::max(starts_[stage_], starts_[stage_] + static_cast<std::int64_t>(std::llround(into_stage_s * 1e9)));
        if (s.duration_ns >= 0 && offset >= starts_[stage_ + 1]) continue;
        out.offset_ns = offset;
        out.stage = static_cast<std::uint32_t>(stage_);
        position_ += poisson_ ? step_ * gap_(random_) : step_;
        if (limited_) --remaining_;
        return true;
    }
    return false;
}

}  // namespace perfbench::load
