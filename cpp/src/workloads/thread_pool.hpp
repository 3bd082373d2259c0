// A fixed-size thread pool shared by the workloads that need one (parallel nodes, the
// runtime-strategy study, agent pools). Deliberately plain — one mutex-protected queue —
// because the workloads measure what such a pool costs, not a lock-free showcase.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace perfbench {

class ThreadPool {
public:
    explicit ThreadPool(std::size_t workers);
    ~ThreadPool();  // finishes every submitted task, then joins
    ThreadPool(const ThreadPool&) = delete;
    ThreadPool& operator=(const ThreadPool&) = delete;

    void submit(std::function<void()> task);
    // Blocks until every task submitted so far has finished.
    void wait_idle();
    std::size_t size() const noexcept { return threads_.size(); }
    // The workers' pthread handles, e.g. to inspect their stacks (pthread_getattr_np).
    std::vector<std::thread::native_handle_type> native_handles();

private:
    void work();

    std::mutex mutex_;
    std::condition_variable task_ready_;
    std::condition_variable idle_;
    std::deque<std::function<void()>> queue_;
    std::size_t running_ = 0;
    bool stopping_ = false;
    std::vector<std::thread> threads_;
};

}  // namespace perfbench
