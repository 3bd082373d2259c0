#include "load_worker.hpp"

#include <pthread.h>
#include <sched.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <stdexcept>

namespace perfbench::load {

namespace {
constexpr std::int64_t second_ns = 1'000'000'000;
// In-flight requests are checked for their timeout this often: a timeout is reported at most
// this late, and scanning every connection at every wake-up would cost O(connections) per request.
constexpr std::int64_t timeout_scan_ns = 10'000'000;
constexpr std::uint32_t wake_token = UINT32_MAX;
constexpr std::uint32_t reading_events = EPOLLIN | EPOLLRDHUP;
}  // namespace

std::int64_t monotonic_now_ns() noexcept {
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<std::int64_t>(ts.tv_sec) * second_ns + ts.tv_nsec;
}

LoadWorker::LoadWorker(const LoadConfig& config, const Protocol& protocol, TimelineCollector& timeline,
                       const std::atomic<bool>& stop, unsigned index, unsigned connections, std::uint64_t max_requests)
    : config_(config), protocol_(protocol), timeline_(timeline), stop_(stop), request_(protocol.request_bytes()),
      slots_(connections), max_requests_(max_requests), buffer_(64 * 1024) {
    epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
    wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (epoll_fd_ < 0 || wake_fd_ < 0) throw std::runtime_error("cannot create an epoll instance or an eventfd");
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u32 = wake_token;
    epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, wake_fd_, &ev);
    for (std::uint32_t i = 0; i < connections; ++i) {
        slots_[i].parser = protocol.new_parser();
        idle_.push_back(connections - 1 - i);  // slot 0 is used first
    }
    if (!config.closed_loop) {
        schedule_.emplace(config.stages, config.poisson, index, config.threads, max_requests, config.seed);
        totals_.stage_corrected.assign(config.stages.size(), LatencyHistogram::request_latency());
        totals_.stage_starts = schedule_->stage_starts();
    }
}

LoadWorker::~LoadWorker() {
    for (auto& slot : slots_) slot.connection.close();
    if (epoll_fd_ >= 0) ::close(epoll_fd_);
    if (wake_fd_ >= 0) ::close(wake_fd_);
}

void LoadWorker::wake() noexcept {
    const std::uint64_t one = 1;
    [[maybe_unused]] auto written = ::write(wake_fd_, &one, sizeof(one));
}

WindowRecord& LoadWorker::window(std::int64_t now) {
    while (now >= window_end_ns_) {
        timeline_.close_window(window_second_, window_);
        window_.reset();
        ++window_second_;
        window_end_ns_ += second_ns;
    }
    return window_;
}

bool LoadWorker::sending(std::int64_t now) const {
    if (schedule_) return upcoming_head_ < upcoming_.size();
    if (max_requests_ && issued_ >= max_requests_) return false;
    return config_.duration_ns <= 0 || now < send_until_ns_;
}

void LoadWorker::run(std::int64_t start_ns) {
    // Timer slack (50 us by default) would add that much lateness to every wake-up we ask for.
    prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
    if (config_.realtime) {
        const sched_param priority{1};
        if (pthread_setschedparam(pthread_self(), SCHED_FIFO, &priority) == 0) totals_.realtime_threads = 1;
    }
    start_ns_ = start_ns;
    send_until_ns_ = start_ns + config_.duration_ns;
    window_end_ns_ = start_ns + second_ns;
    if (schedule_) read_schedule_ahead();
    std::vector<epoll_event> events(256);
    std::int64_t now = monotonic_now_ns();
    while (true) {
        if (stop_.load(std::memory_order_relaxed)) {
            cancel_unfinished();
            break;
        }
        take_due_requests(now);
        assign_idle_connections(now);
        expire(now);
        if (!sending(now) && backlog_.empty() && in_flight_ == 0) break;
        const std::int64_t wait = std::max<std::int64_t>(0, next_wake(now) - now);
        const timespec timeout{static_cast<time_t>(wait / second_ns), static_cast<long>(wait % second_ns)};
        const int n = epoll_pwait2(epoll_fd_, events.data(), static_cast<int>(events.size()), &timeout, nullptr);
        for (int i = 0; i < n; ++i) {
            if (events[i].data.u32 == wake_token) continue;  // the stop flag is read at the loop's top
            on_event(events[i].data.u32, events[i].events);
        }
        now = monotonic_now_ns();
    }
    now = monotonic_now_ns();
    window(now);
    timeline_.close_window(window_second_, window_, static_cast<double>(now - (window_end_ns_ - second_ns)) * 1e-9);
    window_.reset();
    timespec cpu;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &cpu);
    totals_.thread_cpu_s.push_back(static_cast<double>(cpu.tv_sec) + cpu.tv_nsec * 1e-9);
    totals_.wall_ns = now - start_ns;
}

std::int64_t LoadWorker::next_wake(std::int64_t now) const {
    std::int64_t at = window_end_ns_;
    if (schedule_ && sending(now)) at = std::min(at, batch_due_at());
    if (in_flight_ || !backlog_.empty()) at = std::min(at, next_timeout_scan_);
    if (!schedule_ && config_.duration_ns > 0 && sending(now)) at = std::min(at, send_until_ns_);
    return at;
}

void LoadWorker::read_schedule_ahead() {
    if (upcoming_head_ == upcoming_.size()) {
        upcoming_.clear();
        upcoming_head_ = 0;
    } else if (upcoming_head_ >= 64 && 2 * upcoming_head_ >= upcoming_.size()) {
        upcoming_.erase(upcoming_.begin(), upcoming_.begin() + static_cast<std::ptrdiff_t>(upcoming_head_));
        upcoming_head_ = 0;
    }
    while (!schedule_exhausted_ &&
           (upcoming_head_ == upcoming_.size() ||
            upcoming_.back().offset_ns <= upcoming_[upcoming_head_].offset_ns + config_.send_slack_ns)) {
        ScheduledSend following;
        if (schedule_->next(following)) upcoming_.push_back(following);
        else schedule_exhausted_ = true;
    }
}

// When to wake for the next batch: the intended time of its last send, the batch being every
// send due within the slack of the first. The first is then at most the slack late, the last on
// time; a send with no other due within the slack is woken for at its own intended time, so a
// low rate pays no lag for the batching. Never earlier than the first's intended time, so no
// request leaves before it is due.
std::int64_t LoadWorker::batch_due_at() const {
    const std::int64_t first = upcoming_[upcoming_head_].offset_ns;
    std::int64_t last = first;
    for (std::size_t i = upcoming_head_ + 1; i < upcoming_.size() && upcoming_[i].offset_ns <= first + config_.send_slack_ns; ++i)
        last = upcoming_[i].offset_ns;
    return start_ns_ + last;
}

void LoadWorker::take_due_requests(std::int64_t now) {
    if (!schedule_) return;
    while (upcoming_head_ < upcoming_.size() && start_ns_ + upcoming_[upcoming_head_].offset_ns <= now) {
        const auto& next = upcoming_[upcoming_head_];
        const Due due{start_ns_ + next.offset_ns, next.stage};
        // The send lag is the generator's own lateness: how long after its intended time the
        // thread got to the request. A request that then waits for a free connection is the
        // server's doing (all connections busy) and shows in the corrected latency instead.
        const auto lag = static_cast<std::uint64_t>(now - due.intended);
        totals_.lag.record(lag);
        auto& w = window(now);
        w.lag.record(lag);
        ++totals_.counters.scheduled;
        ++w.counters.scheduled;
        if (backlog_.size() >= idle_.size()) {  // every idle connection is spoken for already
            ++totals_.counters.waited_for_connection;
            ++w.counters.waited_for_connection;
        }
        backlog_.push_back(due);
        ++upcoming_head_;
        if (upcoming_head_ == upcoming_.size()) read_schedule_ahead();
    }
    read_schedule_ahead();
}

void LoadWorker::assign_idle_connections(std::int64_t now) {
    while (!idle_.empty()) {
        Due due;
        if (!backlog_.empty()) {
            due = backlog_.front();
            backlog_.pop_front();
        } else if (!schedule_ && sending(now)) {
            due = {now, 0};  // closed loop: the request is intended the moment a connection is free
            ++issued_;
            ++totals_.counters.scheduled;
            ++window(now).counters.scheduled;
        } else {
            return;
        }
        const auto slot = idle_.back();
        idle_.pop_back();
        dispatch(slot, due, now);
        now = monotonic_now_ns();
    }
}

void LoadWorker::expire(std::int64_t now) {
    // Requests that waited for a connection longer than the timeout were never sent in time:
    // counted as timeouts, not dropped.
    while (!backlog_.empty() && now - backlog_.front().intended >= config_.timeout_ns) {
        backlog_.pop_front();
        auto& w = window(now);
        totals_.counters.count_error(RequestError::timeout);
        w.counters.count_error(RequestError::timeout);
    }
    if (now < next_timeout_scan_) return;
    next_timeout_scan_ = now + timeout_scan_ns;
    for (std::uint32_t i = 0; i < slots_.size(); ++i) {
        auto& slot = slots_[i];
        if (slot.state != Slot::State::idle && now - slot.sent_at >= config_.timeout_ns) fail(i, RequestError::timeout);
    }
}

void LoadWorker::watch(Slot& slot, std::uint32_t events) {
    if (slot.events == events) return;
    epoll_event ev{};
    ev.events = events;
    ev.data.u32 = static_cast<std::uint32_t>(&slot - slots_.data());
    epoll_ctl(epoll_fd_, slot.events ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, slot.connection.fd(), &ev);
    slot.events = events;
}

void LoadWorker::close_connection(Slot& slot) {
    slot.connection.close();  // closing the socket also removes it from the epoll set
    slot.events = 0;
}

void LoadWorker::dispatch(std::uint32_t index, Due request, std::int64_t now) {
    auto& slot = slots_[index];
    slot.request = request;
    slot.sent_at = now;
    slot.written = 0;
    slot.parser->reset();
    ++in_flight_;
    ++totals_.counters.sent;
    ++window(now).counters.sent;
    if (!slot.connection.is_open()) {
        const auto r = slot.connection.start_connect(config_.endpoint);
        ++totals_.counters.connections_opened;
        if (r.status == IoStatus::failed) return fail(index, r.error);
        if (r.status == IoStatus::would_block) {
            // Write at once rather than wait for EPOLLOUT: on loopback the handshake has usually
            // completed inside connect(), and the send then saves a getsockopt, an epoll_ctl and
            // a pass through epoll_wait per request (a new connection per request cost 9 syscalls
            // a request: socket, setsockopt, connect, getsockopt, 2 epoll_ctl, send, recv, close;
            // perf stat, closed loop against nginx). While the handshake is still on, the send
            // says EAGAIN (or the connect's own error) and the request waits for EPOLLOUT as before.
            slot.state = Slot::State::connecting;
            const auto w = slot.connection.write_some(request_.data(), request_.size(), true);
            if (w.status == IoStatus::failed) return fail(index, w.error);
            if (w.status == IoStatus::would_block) return watch(slot, EPOLLOUT | reading_events);
            slot.written = w.bytes;
        }
    }
    slot.state = Slot::State::writing;
    write_request(index);
}

void LoadWorker::write_request(std::uint32_t index) {
    auto& slot = slots_[index];
    while (slot.written < request_.size()) {
        const auto r = slot.connection.write_some(request_.data() + slot.written, request_.size() - slot.written);
        if (r.status == IoStatus::failed) return fail(index, r.error);
        if (r.status == IoStatus::would_block) return watch(slot, EPOLLOUT | reading_events);
        slot.written += r.bytes;
    }
    slot.state = Slot::State::reading;
    watch(slot, reading_events);
}

void LoadWorker::on_event(std::uint32_t index, std::uint32_t events) {
    auto& slot = slots_[index];
    switch (slot.state) {
        case Slot::State::connecting: {
            const auto r = slot.connection.finish_connect();
            if (r.status == IoStatus::failed) return fail(index, r.error);
            slot.state = Slot::State::writing;
            return write_request(index);
        }
        case Slot::State::writing:
            // A reset shows as EPOLLOUT|EPOLLERR, and the write then fails with the reason.
            if (events & EPOLLOUT) return write_request(index);
            return read_response(index);  // an answer before the request was written whole
        case Slot::State::reading:
            return read_response(index);
        case Slot::State::idle:
            // A kept-alive connection the server closed (or wrote to unasked): not a request's
            // failure; the next request on this slot opens a new connection.
            return close_connection(slot);
    }
}

void LoadWorker::read_response(std::uint32_t index) {
    auto& slot = slots_[index];
    while (true) {
        const auto r = slot.connection.read_some(buffer_.data(), buffer_.size());
        if (r.status == IoStatus::would_block) return;
        if (r.status == IoStatus::failed) return fail(index, r.error);
        ParseOutcome outcome = r.status == IoStatus::closed ? slot.parser->on_close()
                                                              : slot.parser->feed(buffer_.data(), r.bytes);
        if (outcome.state == ParseOutcome::State::malformed) return fail(index, RequestError::malformed);
        if (outcome.state == ParseOutcome::State::complete) return complete(index, outcome);
        if (r.status == IoStatus::closed) return fail(index, RequestError::reset);  // closed mid-response
        // A response in flight stays so until the rest arrives; a short read means nothing more is
        // waiting, which saves the recv that would only say EAGAIN.
        if (r.bytes < buffer_.size()) return;
    }
}

void LoadWorker::complete(std::uint32_t index, const ParseOutcome& outcome) {
    auto& slot = slots_[index];
    const std::int64_t now = monotonic_now_ns();
    auto& w = window(now);
    auto& total = totals_.counters;
    ++total.completed;
    ++w.counters.completed;
    if (outcome.status == 429) {
        ++total.rate_limited;
        ++w.counters.rate_limited;
    } else {
        ++total.status_class[outcome.status / 100];
        ++w.counters.status_class[outcome.status / 100];
    }
    if (outcome.status < 400) {
        ++total.ok;
        ++w.counters.ok;
        const auto corrected = static_cast<std::uint64_t>(now - slot.request.intended);
        const auto uncorrected = static_cast<std::uint64_t>(now - slot.sent_at);
        totals_.corrected.record(corrected);
        totals_.uncorrected.record(uncorrected);
        w.corrected.record(corrected);
        w.uncorrected.record(uncorrected);
        if (schedule_) totals_.stage_corrected[slot.request.stage].record(corrected);
    }
    if (!outcome.keep_alive || !config_.request.keep_alive) close_connection(slot);
    release(index);
}

void LoadWorker::fail(std::uint32_t index, RequestError kind) {
    auto& slot = slots_[index];
    totals_.counters.count_error(kind);
    window(monotonic_now_ns()).counters.count_error(kind);
    close_connection(slot);
    release(index);
}

void LoadWorker::release(std::uint32_t index) {
    slots_[index].state = Slot::State::idle;
    --in_flight_;
    // Handed back to the loop, which gives it the next request: dispatching from here could
    // recurse without bound when connects fail at once (a closed port on loopback).
    idle_.push_back(index);
}

void LoadWorker::cancel_unfinished() {
    totals_.counters.cancelled += backlog_.size() + in_flight_;
    backlog_.clear();
    for (auto& slot : slots_) close_connection(slot);
    in_flight_ = 0;
}

}  // namespace perfbench::load
