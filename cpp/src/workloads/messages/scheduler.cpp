#include "scheduler.hpp"

#include <stdexcept>

#include "agent.hpp"

namespace perfbench::workloads::messages {

Scheduler::Scheduler(MessageServer& server, unsigned threads, std::size_t slice_budget)
    : server_(server), slice_budget_(slice_budget) {
    if (threads == 0) throw std::invalid_argument("the message server needs at least one scheduler thread");
    if (slice_budget == 0) throw std::invalid_argument("the slice budget must be at least one message");
    threads_.reserve(threads);
    for (unsigned i = 0; i < threads; ++i) threads_.emplace_back([this, i] { work(i); });
}

Scheduler::~Scheduler() { stop(); }

void Scheduler::make_ready(Agent* agent) {
    bool wake;
    {
        std::lock_guard lock(mutex_);
        queue_.push(agent);
        wake = sleeping_ > 0;
    }
    // Only a sleeping thread needs the futex call; a running one finds the agent itself.
    if (wake) work_ready_.notify_one();
}

void Scheduler::wait_idle() {
    std::unique_lock lock(mutex_);
    ++idle_waiters_;
    idle_.wait(lock, [this] { return queue_.empty() && running_ == 0; });
    --idle_waiters_;
}

void Scheduler::stop() {
    {
        std::lock_guard lock(mutex_);
        if (stopping_) return;
        stopping_ = true;
    }
    work_ready_.notify_all();
    for (auto& thread : threads_) thread.join();
}

std::uint64_t Scheduler::slices() const {
    std::lock_guard lock(mutex_);
    return slices_;
}

std::size_t Scheduler::queue_bytes() const {
    std::lock_guard lock(mutex_);
    return queue_.capacity() * sizeof(Agent*);
}

// One lock per slice: the same critical section hands back the agent that just ran
// (re-queued at the back if it still has mail) and takes the next one.
void Scheduler::work(unsigned index) {
    Context context(server_, index);
    Agent* agent = nullptr;
    bool again = false;
    std::unique_lock lock(mutex_);
    for (;;) {
        if (agent != nullptr) {
            if (again) queue_.push(agent);
            --running_;
            ++slices_;
            agent = nullptr;
        }
        if (queue_.empty() && running_ == 0 && idle_waiters_ > 0) idle_.notify_all();
        while (queue_.empty() && !stopping_) {
            ++sleeping_;
            work_ready_.wait(lock);
            --sleeping_;
        }
        // Stopping: keep going while anything is queued, so no accepted message is dropped;
        // a thread still running a slice re-checks the queue when it finishes.
        if (queue_.empty()) return;
        agent = queue_.pop();
        ++running_;
        lock.unlock();
        again = agent->run_slice(context, slice_budget_);
        lock.lock();
    }
}

}  // namespace perfbench::workloads::messages
