// An agent's mailbox: any number of senders, one consumer (its agent, which at most one
// scheduler thread runs at a time).
//
// A mutex and two vectors rather than a lock-free queue. Senders append under the lock;
// the consumer swaps the whole arrived batch out under the lock once and handles it
// without holding it, so the consumer pays one lock per batch, not per message, and a
// sender is never blocked by a running handler. Both vectors keep their capacity across
// swaps, so a mailbox in steady state allocates nothing.
//
// Order: pushes of one sender are ordered by the lock, batches are handled in the order
// they were taken, so messages from one sender are handled in the order they were sent.
//
// Scheduling: the mailbox also records whether its agent is scheduled (queued or running).
// Exactly one push — the one that finds the agent idle — is told to schedule it; the
// consumer keeps it scheduled while messages remain, and marks it idle under the same
// lock that senders check, so no message can arrive unseen between "empty" and "idle".
#pragma once

#include <cstddef>
#include <mutex>
#include <utility>

#include "workloads/tracking_allocator.hpp"
#include "message.hpp"

namespace perfbench::workloads::messages {

class Mailbox {
public:
    explicit Mailbox(std::size_t initial_capacity) { incoming_.reserve(initial_capacity); }

    // Any thread. True when the agent was idle: the caller must now schedule it.
    [[nodiscard]] bool push(Message&& message) {
        std::lock_guard lock(mutex_);
        incoming_.push_back(std::move(message));
        if (scheduled_) return false;
        scheduled_ = true;
        return true;
    }

    // Consumer only: moves everything that has arrived into `batch`, which must be empty.
    void take_arrived(tracked_vector<Message>& batch) {
        std::lock_guard lock(mutex_);
        batch.swap(incoming_);
    }

    // Consumer only, after handling its batch: true when more has arrived (the agent stays
    // scheduled); otherwise the agent is marked idle and the next push schedules it again.
    [[nodiscard]] bool stay_scheduled() {
        std::lock_guard lock(mutex_);
        if (!incoming_.empty()) return true;
        scheduled_ = false;
        return false;
    }

    std::size_t waiting() const {
        std::lock_guard lock(mutex_);
        return incoming_.size();
    }

private:
    mutable std::mutex mutex_;
    tracked_vector<Message> incoming_;
    bool scheduled_ = false;
};

}  // namespace perfbench::workloads::messages
