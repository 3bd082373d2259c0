#include "engine.hpp"

#include <cmath>
#include <exception>
#include <new>
#include <stdexcept>
#include <thread>

namespace perfbench::workloads::nodes {

namespace {

String field_message(const Node& node, std::string_view role, const FieldSpec& field, std::string_view problem) {
    String message = make_string(node.name());
    message.append(": ");
    message.append(role.data(), role.size());
    message.append(" '");
    message.append(field.name);
    message.append("' (");
    const std::string_view kind = kind_name(field.kind);
    message.append(kind.data(), kind.size());
    message.append(") ");
    message.append(problem.data(), problem.size());
    return message;
}

NodeStatus process_catching(const Node& node, const Value& input, Value& output, const NodeContext& context) {
    // A node that throws is a failing node, not a crashing engine: the exception becomes
    // an error like any returned one (the retry / error-edge logic treats both alike).
    try {
        return node.process(input, output, context);
    } catch (const std::exception& error) {
        String message = make_string(node.name());
        message.append(" threw: ");
        message.append(error.what());
        return NodeStatus::failure(std::move(message));
    } catch (...) {
        String message = make_string(node.name());
        message.append(" threw a non-standard exception");
        return NodeStatus::failure(std::move(message));
    }
}

// The shared state of one parallel step. Pool tasks may still hold it after the step is
// over (a branch the caller ran itself leaves its pool task with nothing to do), so it is
// reference-counted; the count lives inside so that the task closure is a pointer and an
// index, small enough for std::function's inline storage (no allocation per submit).
struct ParallelRun {
    struct Branch {
        const Node* node = nullptr;
        Value output = Value::object();
        NodeStatus status = NodeStatus::success();
        std::atomic<bool> claimed{false};
        bool on_pool = false;  // written by the claimer, read after wait_all()
    };

    std::array<Branch, kMaxBranches> branches;
    const Value* input = nullptr;
    NodeContext context;
    std::uint32_t count = 0;
    std::atomic<std::uint32_t> finished{0};
    std::atomic<std::uint32_t> references{1};

    static ParallelRun* create() {
        TrackingAllocator<ParallelRun> allocator;
        ParallelRun* run = allocator.allocate(1);
        return new (run) ParallelRun();
    }
    void release() {
        if (references.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
        this->~ParallelRun();
        TrackingAllocator<ParallelRun>().deallocate(this, 1);
    }

    // Whoever claims a branch first runs it: a pool worker, or the caller while it waits.
    void run_branch(std::uint32_t index, bool on_pool) {
        Branch& branch = branches[index];
        if (branch.claimed.exchange(true, std::memory_order_acq_rel)) return;
        branch.on_pool = on_pool;
        branch.status = execute_node(*branch.node, *input, branch.output, context);
        if (finished.fetch_add(1, std::memory_order_acq_rel) + 1 == count) finished.notify_all();
    }
    void wait_all() {
        for (std::uint32_t seen; (seen = finished.load(std::memory_order_acquire)) != count;)
            finished.wait(seen, std::memory_order_acquire);
    }
};

}  // namespace

NodeStatus execute_node(const Node& node, const Value& input, Value& output, const NodeContext& context) {
    for (const FieldSpec& field : node.inputs())
        if (!input.find(field.name, field.kind))
            return NodeStatus::failure(field_message(node, "input", field, "is missing or has another kind"));
    if (output.is_object())
        output.as_object().clear();
    else
        output = Value::object();
    NodeStatus status = process_catching(node, input, output, context);
    if (!status.ok()) return status;
    for (const FieldSpec& field : node.outputs())
        if (!output.find(field.name, field.kind))
            return NodeStatus::failure(field_message(node, "output", field, "was not produced"));
    return status;
}

void merge_outputs(Value& payload, Value& output) {
    for (auto& [key, value] : output.as_object()) payload.set(key, std::move(value));
}

StepId Workflow::add(std::shared_ptr<const Node> node, RetryPolicy retry) {
    if (!node) throw std::invalid_argument("a workflow step needs a node");
    if (retry.max_attempts < 1) throw std::invalid_argument("a retry policy needs at least one attempt");
    std::string name = node->name();
    steps_.push_back(Step{std::move(name), {std::move(node)}, {}, kEnd, retry});
    return static_cast<StepId>(steps_.size() - 1);
}

StepId Workflow::add_parallel(std::string name, std::vector<std::shared_ptr<const Node>> branches,
                              RetryPolicy retry) {
    if (branches.size() < 2 || branches.size() > kMaxBranches)
        throw std::invalid_argument("a parallel step has 2 to " + std::to_string(kMaxBranches) + " branches");
    for (const auto& branch : branches)
        if (!branch) throw std::invalid_argument("a parallel branch needs a node");
    if (retry.max_attempts < 1) throw std::invalid_argument("a retry policy needs at least one attempt");
    steps_.push_back(Step{std::move(name), std::move(branches), {}, kEnd, retry});
    return static_cast<StepId>(steps_.size() - 1);
}

void Workflow::connect(StepId from, StepId to, int route) {
    if (from >= steps_.size() || (to != kEnd && to >= steps_.size()) || route < 0)
        throw std::out_of_range("connect(): no such step or route");
    auto& routes = steps_[from].routes;
    if (routes.size() <= static_cast<std::size_t>(route)) routes.resize(static_cast<std::size_t>(route) + 1, kEnd);
    routes[static_cast<std::size_t>(route)] = to;
}

void Workflow::on_error(StepId from, StepId handler) {
    if (from >= steps_.size() || handler >= steps_.size()) throw std::out_of_range("on_error(): no such step");
    steps_[from].error_route = handler;
}

NodeStatus Executor::run_step(const Step& step, Value& payload, Value& scratch, const NodeContext& context,
                              ExecutionResult& result) const {
    if (step.parallel()) return run_parallel(step, payload, context, result);
    NodeStatus status = execute_node(*step.nodes.front(), payload, scratch, context);
    if (status.ok()) merge_outputs(payload, scratch);
    return status;
}

NodeStatus Executor::run_parallel(const Step& step, Value& payload, const NodeContext& context,
                                  ExecutionResult& result) const {
    ParallelRun* run = ParallelRun::create();
    run->input = &payload;
    run->context = context;
    run->count = static_cast<std::uint32_t>(step.nodes.size());
    for (std::uint32_t i = 0; i < run->count; ++i) run->branches[i].node = step.nodes[i].get();
    if (pool_) {
        // Branch 0 stays with the caller; the others are offered to the pool. The caller
        // then runs every branch no worker has claimed yet before it waits: when this
        // step itself runs on a pool worker (concurrent executions), waiting for tasks
        // queued behind it could otherwise deadlock the pool.
        for (std::uint32_t i = 1; i < run->count; ++i) {
            run->references.fetch_add(1, std::memory_order_relaxed);
            pool_->submit([run, i] {
                run->run_branch(i, true);
                run->release();
            });
        }
    }
    for (std::uint32_t i = 0; i < run->count; ++i) run->run_branch(i, false);
    run->wait_all();
    for (std::uint32_t i = 0; i < run->count; ++i) result.offloaded_branches += run->branches[i].on_pool ? 1 : 0;

    NodeStatus status = NodeStatus::success();
    for (std::uint32_t i = 0; i < run->count && status.ok(); ++i) {
        auto& branch = run->branches[i];
        if (branch.status.ok()) continue;
        String message = make_string(step.name);
        message.append(" branch: ");
        message.append(branch.status.error());
        status = NodeStatus::failure(std::move(message));
    }
    if (status.ok())
        for (std::uint32_t i = 0; i < run->count; ++i) merge_outputs(payload, run->branches[i].output);
    run->release();
    return status;
}

void Executor::run(Value& payload, ExecutionResult& result, std::uint64_t execution_id) const {
    using Clock = ExecutionResult::Clock;
    result.clear();
    Value scratch = Value::object();  // one output record, reused by every step
    StepId current = workflow_.size() > 0 ? 0 : kEnd;
    while (current != kEnd) {
        const Step& step = workflow_.step(current);
        result.path.push_back(current);
        NodeContext context{execution_id, 1};
        std::chrono::nanoseconds backoff = step.retry.backoff;
        NodeStatus status = run_step(step, payload, scratch, context, result);
        while (!status.ok()) {
            if (result.errors.empty()) result.first_failure = Clock::now();
            result.errors.push_back(ErrorRecord{current, context.attempt, status.take_error()});
            if (context.attempt >= step.retry.max_attempts) break;
            // Backoff is a wait by design (a failing dependency gets time to recover), so
            // sleeping is the real behaviour here, not a stand-in for work.
            if (backoff.count() > 0) std::this_thread::sleep_for(backoff);
            backoff = std::chrono::nanoseconds(
                std::llround(static_cast<double>(backoff.count()) * step.retry.backoff_multiplier));
            ++context.attempt;
            ++result.retries;
            status = run_step(step, payload, scratch, context, result);
        }
        if (status.ok()) {
            const auto route = static_cast<std::size_t>(status.route());
            if (step.routes.empty()) {
                current = kEnd;
            } else if (route < step.routes.size()) {
                current = step.routes[route];
            } else {
                String message = make_string(step.name);
                message.append(": no edge for the chosen route");
                if (result.errors.empty()) result.first_failure = Clock::now();
                result.errors.push_back(ErrorRecord{current, context.attempt, std::move(message)});
                result.finished = Clock::now();
                return;
            }
        } else if (step.error_route != kEnd) {
            Value error = Value::object();
            error.as_object().reserve(2);
            error.set("step", std::string_view(step.name));
            error.set("message", Value(result.errors.back().message));
            payload.set("error", std::move(error));
            current = step.error_route;
        } else {
            result.finished = Clock::now();
            return;
        }
    }
    result.completed = true;
    result.finished = Clock::now();
}

}  // namespace perfbench::workloads::nodes
