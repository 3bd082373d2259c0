#include "task_pool.hpp"

#include <algorithm>
#include <stdexcept>

namespace perfbench::workloads::messages {

std::uint64_t count_primes_by_trial_division(std::uint64_t begin, std::uint64_t end) {
    std::uint64_t primes = 0;
    for (std::uint64_t n = begin; n < end; ++n) {
        if (n < 2) continue;
        if (n % 2 == 0) {
            primes += n == 2;
            continue;
        }
        bool prime = true;
        for (std::uint64_t d = 3; d * d <= n; d += 2) {
            if (n % d == 0) {
                prime = false;
                break;
            }
        }
        primes += prime;
    }
    return primes;
}

void TaskWorker::on_message(Context& context, Message& task) {
    char buffer[kMinPayloadBytes];
    context.send(task.sender, task.tag, encode_payload(run_task(task.tag, span_), sizeof buffer, buffer));
    ++completed_;
}

void TaskCoordinator::dispatch(Context& context, AgentId worker) {
    if (next_ < tasks_) context.send(worker, next_++, {});
}

void TaskCoordinator::on_message(Context& context, Message& message) {
    if (message.sender >= kFirstClientId) {
        tasks_ = std::min<std::uint64_t>(message.tag, expected_->size());
        next_ = 0;
        answered_.assign(tasks_, 0);
        for (std::size_t w = 0; w < workers_; ++w)
            for (std::size_t p = 0; p < prefetch_; ++p) dispatch(context, static_cast<AgentId>(first_worker_ + w));
        return;
    }
    const std::uint64_t task = message.tag;
    if (task >= tasks_ || answered_[task] || decode_payload(message.payload) != (*expected_)[task]) {
        ++errors_;
    } else {
        answered_[task] = 1;
        ++done_;
    }
    dispatch(context, message.sender);
}

TaskPool::TaskPool(MessageServer& server, std::size_t workers, std::uint64_t tasks, std::uint64_t span,
                   std::size_t prefetch)
    : server_(server), client_(server, kFirstClientId), tasks_(tasks) {
    if (workers == 0 || tasks == 0 || span == 0 || prefetch == 0)
        throw std::invalid_argument("a task pool needs workers, tasks, a span and a prefetch of at least 1");
    expected_.resize(tasks);
    for (std::uint64_t id = 0; id < tasks; ++id) expected_[id] = run_task(id, span);
    coordinator_ = &server.spawn<TaskCoordinator>(&expected_, prefetch);
    workers_.reserve(workers);
    for (std::size_t w = 0; w < workers; ++w) workers_.push_back(&server.spawn<TaskWorker>(span));
    if (workers_.back()->id() != workers_.front()->id() + workers - 1)
        throw std::logic_error("task workers were not spawned with contiguous ids");
    coordinator_->set_workers(workers_.front()->id(), workers);
}

std::uint64_t TaskPool::run_batch() {
    const std::uint64_t began = message_clock_ns();
    client_.send(coordinator_->id(), tasks_, {});
    server_.drain();
    ++batches_;
    return message_clock_ns() - began;
}

std::uint64_t TaskPool::tasks_completed() const {
    std::uint64_t total = 0;
    for (const auto* worker : workers_) total += worker->completed();
    return total;
}

double TaskPool::balance() const {
    std::uint64_t fewest = ~0ull, most = 0;
    for (const auto* worker : workers_) {
        fewest = std::min(fewest, worker->completed());
        most = std::max(most, worker->completed());
    }
    return most == 0 ? 0.0 : static_cast<double>(fewest) / static_cast<double>(most);
}

std::string TaskPool::verify() const {
    if (coordinator_->errors() != 0)
        return std::to_string(coordinator_->errors()) + " task results were wrong, unknown or duplicated";
    const std::uint64_t expected = batches_ * tasks_;
    if (coordinator_->done() != expected)
        return "the coordinator accepted " + std::to_string(coordinator_->done()) + " results, expected " +
               std::to_string(expected);
    if (tasks_completed() != expected)
        return "workers completed " + std::to_string(tasks_completed()) + " tasks, expected " +
               std::to_string(expected);
    return {};
}

}  // namespace perfbench::workloads::messages
