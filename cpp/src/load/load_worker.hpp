// One engine thread: its connections, its share of the schedule, its epoll loop and its own
// histograms (non-atomic; merged by the engine once the thread ended). Private to the engine.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <vector>

#include "perfbench/histogram.hpp"
#include "perfbench/load/connection.hpp"
#include "perfbench/load/engine.hpp"
#include "perfbench/load/protocol.hpp"
#include "perfbench/load/schedule.hpp"
#include "perfbench/load/timeline.hpp"

namespace perfbench::load {

std::int64_t monotonic_now_ns() noexcept;

class LoadWorker {
public:
    LoadWorker(const LoadConfig& config, const Protocol& protocol, TimelineCollector& timeline,
               const std::atomic<bool>& stop, unsigned index, unsigned connections, std::uint64_t max_requests);
    ~LoadWorker();
    LoadWorker(const LoadWorker&) = delete;
    LoadWorker& operator=(const LoadWorker&) = delete;

    void run(std::int64_t start_ns);
    void wake() noexcept;  // from another thread: look at the stop flag now
    LoadTotals& totals() noexcept { return totals_; }

private:
    struct Due {
        std::int64_t intended;  // absolute ns
        std::uint32_t stage;
    };
    struct Slot {
        TcpConnection connection;
        std::unique_ptr<ResponseParser> parser;
        enum class State : std::uint8_t { idle, connecting, writing, reading } state = State::idle;
        std::uint32_t events = 0;  // the epoll mask registered for the socket (0: none)
        std::size_t written = 0;
        Due request{};
        std::int64_t sent_at = 0;
    };

    void read_schedule_ahead();
    std::int64_t batch_due_at() const;
    void take_due_requests(std::int64_t now);
    void assign_idle_connections(std::int64_t now);
    void expire(std::int64_t now);
    void dispatch(std::uint32_t slot, Due request, std::int64_t now);
    void write_request(std::uint32_t slot);
    void on_event(std::uint32_t slot, std::uint32_t events);
    void read_response(std::uint32_t slot);
    void complete(std::uint32_t slot, const ParseOutcome& outcome);
    void fail(std::uint32_t slot, RequestError kind);
    void release(std::uint32_t slot);
    void watch(Slot& slot, std::uint32_t events);
    void close_connection(Slot& slot);
    WindowRecord& window(std::int64_t now);
    void cancel_unfinished();
    bool sending(std::int64_t now) const;
    std::int64_t next_wake(std::int64_t now) const;

    const LoadConfig& config_;
    const Protocol& protocol_;
    TimelineCollector& timeline_;
    const std::atomic<bool>& stop_;
    std::string_view request_;
    int epoll_fd_ = -1;
    int wake_fd_ = -1;
    std::vector<Slot> slots_;
    std::vector<std::uint32_t> idle_;
    std::deque<Due> backlog_;  // due, waiting for a free connection (oldest first)
    std::size_t in_flight_ = 0;
    std::optional<SendSchedule> schedule_;  // open loop
    // The schedule's next intended sends, not yet due, from upcoming_[upcoming_head_]: every
    // send within the slack of the first, and one beyond (the schedule read ahead so the thread
    // knows when the batch it wakes for is whole). A vector compacted in place, not a deque:
    // no allocation per request once it has grown to the batch size.
    std::vector<ScheduledSend> upcoming_;
    std::size_t upcoming_head_ = 0;
    bool schedule_exhausted_ = false;
    std::uint64_t max_requests_;
    std::uint64_t issued_ = 0;  // closed loop
    std::int64_t start_ns_ = 0;
    std::int64_t send_until_ns_ = 0;  // closed loop: stop sending after this
    std::int64_t next_timeout_scan_ = 0;
    std::int64_t window_second_ = 0;
    std::int64_t window_end_ns_ = 0;
    WindowRecord window_;
    LoadTotals totals_;
    std::vector<char> buffer_;
};

}  // namespace perfbench::load
