// A load test: N connections over T threads, each thread its own epoll loop, schedule and
// histograms (no sharing on the request path), merged when the run ends.
//
//   LoadEngine engine(config);
//   engine.start();                      // returns at once; the run happens on its own threads
//   engine.timeline_since(k);            // per-second rows so far, for live progress
//   engine.stop();                       // from any thread: ends early, keeps what finished
//   engine.wait_for(ns); engine.result();
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "perfbench/histogram.hpp"
#include "perfbench/load/connection.hpp"
#include "perfbench/load/http1.hpp"
#include "perfbench/load/outcomes.hpp"
#include "perfbench/load/schedule.hpp"
#include "perfbench/load/timeline.hpp"

namespace perfbench::load {

struct LoadConfig {
    Endpoint endpoint;
    HttpRequestSpec request;
    unsigned connections = 1;
    unsigned threads = 1;
    // Closed loop: each connection sends its next request when the previous one completes.
    // Open loop: requests are due on the schedule the stages define, whatever the server does.
    bool closed_loop = false;
    std::vector<Stage> stages;  // open loop only
    bool poisson = false;
    std::int64_t duration_ns = 0;    // closed loop: how long to send (0: until max_requests)
    std::uint64_t max_requests = 0;  // 0: no count limit (then the duration bounds the run)
    std::int64_t timeout_ns = 2'000'000'000;
    std::uint64_t seed = 1;
    // Run the engine threads under SCHED_FIFO (priority 1) when the process may. On a shared
    // machine the default scheduler lets a neighbour's time slice delay a wake-up by
    // milliseconds: a bare epoll_pwait2 loop woke 25 us late at p50 and 3.5 ms at p99 on the
    // 2-core VM at load ~3.5, and 24 us / 49 us under SCHED_FIFO. The kernel's real-time
    // throttling still leaves other tasks 5 % of each core, which is too little for a server on
    // the same cores: at 50k/s over 2 threads against nginx on the same 2 cores, realtime engine
    // threads starved nginx to 17k/s (30k/s without). Use it when the server runs elsewhere.
    bool realtime = false;
    // Open loop: how late the thread may wake for a due request so that the sends due within
    // this much of it (and any response arriving meanwhile) share one wake-up. A request is never
    // sent before its intended time; the first of a batch is at most this late, its last on
    // time, and a send with no other due within the slack is woken for at its own time. The
    // lateness is the send lag, recorded per request; corrected latency is measured from the
    // intended time as ever. 0: wake at every intended time.
    //
    // Why: a sleep/wake-up is the open loop's main cost here. Against nginx on loopback (client
    // and nginx pinned to one core each, 32 connections, 26k/s, medians of 3 interleaved 3 s
    // runs on the shared 2-core VM) the engine used 10.78 us of CPU per request with 0 slack
    // (0.40 context switches per request; perf record at 29k/s and 0 slack: 22 % of samples in
    // finish_task_switch, 15 points of it after epoll_pwait2 slept, 7 % arming its timer), 9.59
    // us with 50 us, 8.86 us with 90 us (0.27 switches per request) and 8.96 us with 150 us.
    // 90 us keeps a constant 10k/s per thread (100 us apart: the send-lag goal, p99 <=
    // 50 us at 10k/s) unbatched, and adds at most 90 us of lag: far below the default 1 ms
    // generator-bound bound. (benchmarks/load_vs_wrk.py shows it beside 0 slack in one run.)
    std::int64_t send_slack_ns = default_send_slack_ns;
    static constexpr std::int64_t default_send_slack_ns = 90'000;
};

struct LoadTotals {
    LoadCounters counters;
    // 1 µs to 1 h at 3 digits (histogram.hpp): a request's latency, however long it stalls.
    LatencyHistogram corrected = LatencyHistogram::request_latency();
    LatencyHistogram uncorrected = LatencyHistogram::request_latency();
    LatencyHistogram lag = LatencyHistogram::request_latency();
    std::vector<LatencyHistogram> stage_corrected;  // open loop: corrected latency by intended stage
    std::vector<std::int64_t> stage_starts;         // ns from the start; one more than stages
    std::vector<double> thread_cpu_s;               // CPU time each engine thread used
    std::int64_t wall_ns = 0;
    bool stopped_early = false;
    unsigned realtime_threads = 0;  // threads that run under SCHED_FIFO (config.realtime)
};

class LoadWorker;

class LoadEngine {
public:
    // Throws std::invalid_argument for a configuration that cannot run (checked here, not later).
    explicit LoadEngine(LoadConfig config);
    ~LoadEngine();
    LoadEngine(const LoadEngine&) = delete;
    LoadEngine& operator=(const LoadEngine&) = delete;

    void start();
    void stop() noexcept;
    bool wait_for(std::int64_t timeout_ns);  // true once every thread ended
    bool finished() const noexcept { return running_.load() == 0 && started_; }
    std::vector<TimelineSecond> timeline_since(std::size_t first) const { return timeline_.rows_since(first); }
    // After the run: joins the threads and merges their figures (once).
    LoadTotals result();

private:
    LoadConfig config_;
    std::unique_ptr<Http1Protocol> protocol_;
    TimelineCollector timeline_;
    std::vector<std::unique_ptr<LoadWorker>> workers_;
    std::vector<std::thread> threads_;
    std::atomic<bool> stop_{false};
    std::atomic<unsigned> running_{0};
    std::mutex done_mutex_;
    std::condition_variable done_;
    bool started_ = false;
    std::int64_t start_ns_ = 0;
    std::int64_t end_ns_ = 0;
};

}  // namespace perfbench::load
