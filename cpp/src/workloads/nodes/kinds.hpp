// The general node types of the engine: compute, file I/O, JSON transform, router,
// failure injection, and a completion-based asynchronous node.
#pragma once

#include <atomic>
#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "workloads/thread_pool.hpp"
#include "engine.hpp"

namespace perfbench::workloads::nodes {

// CPU-bound: CRC-32 of a string field, written as a number.
class Crc32Node final : public Node {
public:
    Crc32Node(std::string name, std::string input_field, std::string output_field);
    NodeStatus process(const Value& input, Value& output, const NodeContext& context) const override;

private:
    std::string input_field_, output_field_;
};

// Parses the JSON order in a string field, validates and prices it, and writes the
// serialised result into another string field.
class JsonTransformNode final : public Node {
public:
    JsonTransformNode(std::string name, std::string input_field, std::string output_field);
    NodeStatus process(const Value& input, Value& output, const NodeContext& context) const override;

private:
    std::string input_field_, output_field_;
};

// A private directory under the system temp dir (mkdtemp), removed with everything in it
// when destroyed.
// Where scratch directories go: /dev/shm (tmpfs) where the machine has it, else the system
// temp dir (see kinds.cpp for the measured reason).
std::filesystem::path scratch_root();

class TempDir {
public:
    explicit TempDir(const std::string& prefix);
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::string& path() const noexcept { return path_; }

private:
    std::string path_;
};

// Real file I/O: writes a string field to a new file in the temp dir, reads it back,
// verifies every byte, unlinks the file, and reports the byte count. Without `fsync` the
// data reaches the page cache only (what a workflow's scratch files usually do); with it,
// each write waits for the device, which measures the disk rather than the node.
class FileIoNode final : public Node {
public:
    FileIoNode(std::string name, std::shared_ptr<const TempDir> directory, std::string input_field,
               std::string output_field, bool fsync);
    NodeStatus process(const Value& input, Value& output, const NodeContext& context) const override;

private:
    std::shared_ptr<const TempDir> directory_;
    std::string input_field_, output_field_;
    bool fsync_;
    mutable std::atomic<std::uint64_t> sequence_{0};  // unique names across concurrent executions
};

// Conditional branching: the first route whose conditions match (any of them) is taken;
// a route without conditions always matches (the default). Conditions address payload
// fields by dotted path ("totals.total") and compare with ==, > or <.
struct Condition {
    enum class Op { equals, greater, less };
    std::vector<std::string> path;
    Op op;
    Value operand;
    static Condition make(std::string_view dotted_path, Op op, Value operand);
    bool matches(const Value& payload) const;
};

struct Route {
    std::string name;
    std::vector<Condition> any_of;
};

class RouterNode final : public Node {
public:
    // Writes the chosen route's name into `output_field` and returns its index.
    RouterNode(std::string name, std::vector<FieldSpec> inputs, std::string output_field, std::vector<Route> routes);
    NodeStatus process(const Value& input, Value& output, const NodeContext& context) const override;
    const std::vector<Route>& routes() const noexcept { return routes_; }

private:
    std::string output_field_;
    std::vector<Route> routes_;
};

// Fails its first `failures` attempts of every execution with an injected error, then
// behaves as the wrapped node: the retry workloads' controlled fault.
class FailFirstAttemptsNode final : public Node {
public:
    FailFirstAttemptsNode(std::shared_ptr<const Node> inner, int failures);
    NodeStatus process(const Value& input, Value& output, const NodeContext& context) const override;

private:
    std::shared_ptr<const Node> inner_;
    int failures_;
};

// Completion signalling between the thread that finishes the work and the one awaiting
// it: a one-shot flag with C++20 atomic wait/notify (a futex on Linux), no allocation.
class Completion {
public:
    using Clock = std::chrono::steady_clock;
    void reset() noexcept { done_.store(0, std::memory_order_relaxed); }
    // Called exactly once per start(), on the completing thread.
    void complete(NodeStatus status);
    void wait() noexcept;
    bool done() const noexcept { return done_.load(std::memory_order_acquire) != 0; }
    NodeStatus& status() noexcept { return status_; }
    Clock::time_point completed_at() const noexcept { return completed_at_; }
    std::thread::id completed_on() const noexcept { return completed_on_; }

private:
    std::atomic<std::uint32_t> done_{0};
    NodeStatus status_ = NodeStatus::success();
    Clock::time_point completed_at_{};
    std::thread::id completed_on_{};
};

// One asynchronous invocation, owned by the caller. It must outlive the completing
// thread's last touch (the notify right after the flag is set), so keep it alive until
// the node is destroyed or reuse it for the next call, as the workloads do.
struct AsyncCall {
    const Value* input = nullptr;
    Value* output = nullptr;
    NodeContext context;
    Completion completion;
    Completion::Clock::time_point submitted_at{};
};

// Completion-based CRC-32: start() returns at once; the work runs on the node's own
// completion thread, which then signals the call's Completion (the callback).
class AsyncCrc32Node {
public:
    AsyncCrc32Node(std::string name, std::string input_field, std::string output_field);
    const std::string& name() const noexcept { return name_; }
    void start(AsyncCall& call) const;

private:
    void finish(AsyncCall& call) const;

    std::string name_, input_field_, output_field_;
    mutable ThreadPool completion_thread_{1};
};

}  // namespace perfbench::workloads::nodes
