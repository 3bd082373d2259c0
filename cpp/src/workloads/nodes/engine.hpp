// A small node-graph engine, the kind an AI-workflow engine runs its pipelines on.
//
//   Node      reads typed inputs from the payload, writes typed outputs into a fresh
//             record, returns a status (success + the route it chose, or an error).
//             Nodes are const and stateless per execution: one workflow serves many
//             concurrent executions.
//   Workflow  a graph of steps; a step runs one node, or several as parallel branches.
//             Edges: route r of a step -> next step; error edge -> handler step.
//             Each step has a retry policy (attempts, backoff).
//   Executor  walks the graph for one payload: checks each node's declared inputs before
//             it runs and its declared outputs after, merges outputs into the payload,
//             runs parallel branches on a ThreadPool (or in turn without one), catches
//             failures (returned errors and thrown exceptions alike), records them,
//             retries with backoff, then takes the error edge or fails the execution.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "workloads/thread_pool.hpp"
#include "value.hpp"

namespace perfbench::workloads::nodes {

// A field a node reads or writes, with the kind it must have.
struct FieldSpec {
    std::string name;
    Value::Kind kind;
};

// How one node execution ended. Errors are values, as in std::expected: the handled-failure
// path then costs what recording the error costs, not a stack unwind. A node that throws
// anyway is caught by the executor and turned into an error with the exception's message.
class NodeStatus {
public:
    static NodeStatus success(int route = 0) { return NodeStatus(route, {}); }
    static NodeStatus failure(String message) { return NodeStatus(-1, std::move(message)); }
    static NodeStatus failure(std::string_view message) { return failure(make_string(message)); }
    static NodeStatus failure(const char* message) { return failure(std::string_view(message)); }

    bool ok() const noexcept { return route_ >= 0; }
    int route() const noexcept { return route_; }
    const String& error() const noexcept { return error_; }
    String take_error() { return std::move(error_); }

private:
    NodeStatus(int route, String error) : route_(route), error_(std::move(error)) {}
    int route_;
    String error_;
};

struct NodeContext {
    std::uint64_t execution_id = 0;  // unique per execution (e.g. for temp file names)
    int attempt = 1;                 // 1 on the first try, 2 on the first retry, ...
};

class Node {
public:
    Node(std::string name, std::vector<FieldSpec> inputs, std::vector<FieldSpec> outputs)
        : name_(std::move(name)), inputs_(std::move(inputs)), outputs_(std::move(outputs)) {}
    virtual ~Node() = default;

    const std::string& name() const noexcept { return name_; }
    const std::vector<FieldSpec>& inputs() const noexcept { return inputs_; }
    const std::vector<FieldSpec>& outputs() const noexcept { return outputs_; }

    // `input` is the payload (its declared inputs are present with their kinds); `output`
    // is an empty object to receive the declared outputs. Called concurrently from several
    // threads for different executions: implementations keep no per-execution state.
    virtual NodeStatus process(const Value& input, Value& output, const NodeContext& context) const = 0;

private:
    std::string name_;
    std::vector<FieldSpec> inputs_;
    std::vector<FieldSpec> outputs_;
};

// Runs one node the way the executor does: input check, process (exceptions caught),
// output check. `output` is cleared first and keeps its capacity.
NodeStatus execute_node(const Node& node, const Value& input, Value& output, const NodeContext& context);

// Moves every member of `output` into `payload` (replacing members of the same name).
void merge_outputs(Value& payload, Value& output);

using StepId = std::uint32_t;
inline constexpr StepId kEnd = ~StepId{0};

struct RetryPolicy {
    int max_attempts = 1;                   // 1: no retry
    std::chrono::nanoseconds backoff{0};    // wait before the first retry
    double backoff_multiplier = 2.0;        // each further retry waits this much longer
};

inline constexpr std::size_t kMaxBranches = 8;

struct Step {
    std::string name;
    std::vector<std::shared_ptr<const Node>> nodes;  // one; or 2..kMaxBranches parallel branches
    std::vector<StepId> routes;                      // routes[r]: next step when the node chose route r
    StepId error_route = kEnd;                       // kEnd: a failure fails the execution
    RetryPolicy retry;
    bool parallel() const noexcept { return nodes.size() > 1; }
};

class Workflow {
public:
    explicit Workflow(std::string name) : name_(std::move(name)) {}

    // The first step added is the entry.
    StepId add(std::shared_ptr<const Node> node, RetryPolicy retry = {});
    // Branches run concurrently on the executor's pool; each reads the payload as it was
    // before the step and writes its own outputs, merged in branch order after all finish.
    StepId add_parallel(std::string name, std::vector<std::shared_ptr<const Node>> branches, RetryPolicy retry = {});
    // After `from` succeeds with route `route`, run `to` (kEnd: the execution completes).
    void connect(StepId from, StepId to, int route = 0);
    void on_error(StepId from, StepId handler);

    const std::string& name() const noexcept { return name_; }
    const Step& step(StepId id) const { return steps_.at(id); }
    std::size_t size() const noexcept { return steps_.size(); }

private:
    std::string name_;
    std::vector<Step> steps_;
};

struct ErrorRecord {
    StepId step;
    int attempt;
    String message;
};

// What one execution did. Reused across executions: clear() keeps the capacity, so a
// steady stream of executions records its path without allocating.
struct ExecutionResult {
    using Clock = std::chrono::steady_clock;
    bool completed = false;             // reached the end of the graph (perhaps via an error edge)
    tracked_vector<StepId> path;        // steps that ran, in order (a retried step once)
    tracked_vector<ErrorRecord> errors; // every failed attempt, handled or not
    int retries = 0;
    int offloaded_branches = 0;         // parallel branches a pool worker ran (not the caller)
    Clock::time_point first_failure{};  // when the first error was caught (if any)
    Clock::time_point finished{};

    void clear() {
        completed = false;
        path.clear();
        errors.clear();
        retries = 0;
        offloaded_branches = 0;
        first_failure = {};
        finished = {};
    }
};

class Executor {
public:
    // pool == nullptr: parallel steps run their branches one after the other on the caller.
    explicit Executor(const Workflow& workflow, ThreadPool* pool = nullptr) : workflow_(workflow), pool_(pool) {}

    // Runs the workflow on `payload` (an object, modified in place) and fills `result`.
    // Before an error edge is taken, the payload gets an "error" record {step, message}
    // for the handler to read.
    void run(Value& payload, ExecutionResult& result, std::uint64_t execution_id = 0) const;

private:
    NodeStatus run_step(const Step& step, Value& payload, Value& scratch, const NodeContext& context,
                        ExecutionResult& result) const;
    NodeStatus run_parallel(const Step& step, Value& payload, const NodeContext& context, ExecutionResult& result) const;

    const Workflow& workflow_;
    ThreadPool* pool_;
};

}  // namespace perfbench::workloads::nodes
