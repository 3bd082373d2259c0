// The scheduler: a few threads that run agents which have mail.
//
// One shared ready queue (a mutex and a ring of agent pointers) feeds every thread, so
// load balances itself across threads; with a handful of threads the lock is cheap next
// to a slice of handlers, which is where the time goes. An agent is in the queue at most
// once (its mailbox's scheduled flag sees to that) and is re-queued at the back after a
// slice if mail remains, so a flooded agent cannot starve the others.
//
// Idle means: nothing queued and no slice running. Because an agent with mail is always
// queued or running, and handlers only send while running, idle implies every message
// sent so far has been handled — which is what drain() waits for, with no per-message
// counter shared between threads.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <thread>
#include <vector>

#include "workloads/tracking_allocator.hpp"

namespace perfbench::workloads::messages {

class Agent;
class MessageServer;

// A growable FIFO ring. Its storage is kept, so a scheduler in steady state allocates nothing.
class ReadyQueue {
public:
    bool empty() const noexcept { return size_ == 0; }
    std::size_t size() const noexcept { return size_; }
    std::size_t capacity() const noexcept { return slots_.size(); }
    void push(Agent* agent) {
        if (size_ == slots_.size()) grow();
        slots_[(head_ + size_) & (slots_.size() - 1)] = agent;
        ++size_;
    }
    Agent* pop() noexcept {
        Agent* agent = slots_[head_];
        head_ = (head_ + 1) & (slots_.size() - 1);
        --size_;
        return agent;
    }

private:
    void grow() {
        tracked_vector<Agent*> larger(slots_.empty() ? 64 : 2 * slots_.size());  // a power of two
        for (std::size_t i = 0; i < size_; ++i) larger[i] = slots_[(head_ + i) & (slots_.size() - 1)];
        slots_.swap(larger);
        head_ = 0;
    }
    tracked_vector<Agent*> slots_;
    std::size_t head_ = 0;
    std::size_t size_ = 0;
};

class Scheduler {
public:
    // `slice_budget`: messages one agent handles before its thread moves on to another.
    Scheduler(MessageServer& server, unsigned threads, std::size_t slice_budget);
    ~Scheduler();  // stop()
    Scheduler(const Scheduler&) = delete;
    Scheduler& operator=(const Scheduler&) = delete;

    // Queues an agent that has just become runnable (its mailbox said so).
    void make_ready(Agent* agent);
    // Blocks until idle: every message sent before the call, and every message their
    // handlers sent, has been handled. Senders outside the server must have stopped.
    void wait_idle();
    // Runs what is queued (and what that sends) to the end, then joins the threads.
    void stop();

    unsigned threads() const noexcept { return static_cast<unsigned>(threads_.size()); }
    std::uint64_t slices() const;  // slices run so far: mail handled per slice = batching
    std::size_t queue_bytes() const;  // what the ready queue holds allocated (it keeps its storage)

private:
    void work(unsigned index);

    MessageServer& server_;
    const std::size_t slice_budget_;
    mutable std::mutex mutex_;
    std::condition_variable work_ready_;
    std::condition_variable idle_;
    ReadyQueue queue_;
    std::size_t running_ = 0;
    std::size_t sleeping_ = 0;
    std::size_t idle_waiters_ = 0;
    std::uint64_t slices_ = 0;
    bool stopping_ = false;
    std::vector<std::thread> threads_;
};

}  // namespace perfbench::workloads::messages
