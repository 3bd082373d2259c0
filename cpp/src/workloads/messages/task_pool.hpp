// Task processing across a pool of worker agents.
//
// A coordinator agent holds the work queue. Each worker starts with `prefetch` tasks; when
// a worker replies with a result, the coordinator checks it and hands that worker the next
// task (pull-based, so faster workers take more). A task is real arithmetic: counting the
// primes in a window of `span` integers by trial division, which the self-check verifies
// against an independent sieve.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "workloads/tracking_allocator.hpp"
#include "agent.hpp"
#include "server.hpp"

namespace perfbench::workloads::messages {

// Task `id` counts the primes in [kTaskBase + id * span, kTaskBase + (id + 1) * span).
inline constexpr std::uint64_t kTaskBase = 1'000'000;
std::uint64_t count_primes_by_trial_division(std::uint64_t begin, std::uint64_t end);
inline std::uint64_t run_task(std::uint64_t id, std::uint64_t span) {
    return count_primes_by_trial_division(kTaskBase + id * span, kTaskBase + (id + 1) * span);
}

class TaskWorker final : public Agent {
public:
    explicit TaskWorker(std::uint64_t span) : span_(span) {}
    std::uint64_t completed() const noexcept { return completed_; }

protected:
    // A task message carries its id as the tag; the reply carries the result as payload.
    void on_message(Context& context, Message& task) override;

private:
    std::uint64_t span_;
    std::uint64_t completed_ = 0;
};

class TaskCoordinator final : public Agent {
public:
    // `expected[id]` is the right result of task id (precomputed, so wrong answers show).
    TaskCoordinator(const tracked_vector<std::uint64_t>* expected, std::size_t prefetch)
        : expected_(expected), prefetch_(prefetch) {}
    void set_workers(AgentId first, std::size_t count) {
        first_worker_ = first;
        workers_ = count;
    }
    std::uint64_t done() const noexcept { return done_; }
    std::uint64_t errors() const noexcept { return errors_; }

protected:
    // From a client: tag = number of tasks to run (a new batch). From a worker: a result.
    void on_message(Context& context, Message& message) override;

private:
    void dispatch(Context& context, AgentId worker);

    const tracked_vector<std::uint64_t>* expected_;
    std::size_t prefetch_;
    AgentId first_worker_ = kNoAgent;
    std::size_t workers_ = 0;
    std::uint64_t tasks_ = 0;
    std::uint64_t next_ = 0;
    std::uint64_t done_ = 0;
    std::uint64_t errors_ = 0;  // wrong result, unknown task, or a task answered twice
    tracked_vector<unsigned char> answered_;
};

// The scenario: a server, a coordinator, `workers` workers, and batches of tasks.
class TaskPool {
public:
    TaskPool(MessageServer& server, std::size_t workers, std::uint64_t tasks, std::uint64_t span,
             std::size_t prefetch);
    // Runs one batch of all tasks to completion; returns its wall time in ns.
    std::uint64_t run_batch();
    // Once drained: "" when every task of every batch was answered once and correctly.
    std::string verify() const;
    std::uint64_t tasks_completed() const;
    // Fewest tasks any worker completed over most any worker completed (1 = even).
    double balance() const;
    const tracked_vector<std::uint64_t>& expected() const noexcept { return expected_; }

private:
    MessageServer& server_;
    Client client_;
    std::uint64_t tasks_;
    std::uint64_t batches_ = 0;
    tracked_vector<std::uint64_t> expected_;
    TaskCoordinator* coordinator_ = nullptr;
    std::vector<TaskWorker*> workers_;
};

}  // namespace perfbench::workloads::messages
