#include "perfbench/load/engine.hpp"

#include <stdexcept>

#include "load_worker.hpp"

namespace perfbench::load {

namespace {
void check(const LoadConfig& c) {
    if (c.threads < 1) throw std::invalid_argument("threads must be at least 1");
    if (c.connections < c.threads)
        throw std::invalid_argument("connections must be at least threads (each thread drives its own connections)");
    if (c.timeout_ns <= 0) throw std::invalid_argument("timeout must be positive");
    if (c.send_slack_ns < 0) throw std::invalid_argument("send slack must not be negative");
    if (c.closed_loop) {
        if (c.duration_ns <= 0 && c.max_requests == 0)
            throw std::invalid_argument("a run needs a duration or a request count");
        return;
    }
    if (c.stages.empty()) throw std::invalid_argument("an open-loop run needs at least one stage (a rate)");
    if (c.stages.back().duration_ns < 0 && c.max_requests == 0)
        throw std::invalid_argument("a run needs a duration or a request count");
}

// An even share of `total` for part `index` of `parts` (the first ones take the remainder).
std::uint64_t share(std::uint64_t total, unsigned index, unsigned parts) {
    return total / parts + (index < total % parts ? 1 : 0);
}
}  // namespace

LoadEngine::LoadEngine(LoadConfig config) : config_(std::move(config)), timeline_(config_.threads) {
    check(config_);
    protocol_ = std::make_unique<Http1Protocol>(config_.request);
    for (unsigned i = 0; i < config_.threads; ++i) {
        const auto requests = share(config_.max_requests, i, config_.threads);
        if (config_.max_requests && requests == 0)
            throw std::invalid_argument("requests must be at least threads (each thread sends its share)");
        workers_.push_back(std::make_unique<LoadWorker>(config_, *protocol_, timeline_, stop_, i,
                                                        static_cast<unsigned>(share(config_.connections, i, config_.threads)),
                                                        requests));
    }
}

LoadEngine::~LoadEngine() {
    stop();
    for (auto& t : threads_)
        if (t.joinable()) t.join();
}

void LoadEngine::start() {
    if (started_) throw std::logic_error("a load engine runs once");
    started_ = true;
    running_ = config_.threads;
    start_ns_ = monotonic_now_ns();
    for (auto& worker : workers_) {
        threads_.emplace_back([this, w = worker.get()] {
            w->run(start_ns_);
            if (--running_ == 0) {
                end_ns_ = monotonic_now_ns();
                std::lock_guard lock(done_mutex_);
                done_.notify_all();
            }
        });
    }
}

void LoadEngine::stop() noexcept {
    stop_ = true;
    for (auto& worker : workers_) worker->wake();
}

bool LoadEngine::wait_for(std::int64_t timeout_ns) {
    std::unique_lock lock(done_mutex_);
    return done_.wait_for(lock, std::chrono::nanoseconds(timeout_ns), [this] { return running_.load() == 0; });
}

LoadTotals LoadEngine::result() {
    if (!started_) throw std::logic_error("the load engine has not run");
    for (auto& t : threads_)
        if (t.joinable()) t.join();
    timeline_.finish();
    LoadTotals merged;
    merged.stopped_early = stop_.load();
    merged.wall_ns = end_ns_ - start_ns_;
    for (auto& worker : workers_) {
        auto& t = worker->totals();
        merged.counters.add(t.counters);
        merged.corrected.merge(t.corrected);
        merged.uncorrected.merge(t.uncorrected);
        merged.lag.merge(t.lag);
        if (merged.stage_corrected.empty()) {
            merged.stage_corrected = t.stage_corrected;
            merged.stage_starts = t.stage_starts;
        } else {
            for (std::size_t i = 0; i < t.stage_corrected.size(); ++i) merged.stage_corrected[i].merge(t.stage_corrected[i]);
        }
        merged.realtime_threads += t.realtime_threads;
        merged.thread_cpu_s.insert(merged.thread_cpu_s.end(), t.thread_cpu_s.begin(), t.thread_cpu_s.end());
    }
    return merged;
}

}  // namespace perfbench::load
