// Workflow specifications: tasks with split/join types, the flows between them, and the
// task table the engine reads on every step.
//
// A spec is built once by SpecBuilder, which validates it (one start task, acyclic, every
// task reachable, tick budgets within the Chatman constant) and lays the tasks out as a
// dense table indexed by task id: lookup is a bounds check and one load. What the engine
// reads per step (split, join, flows, incoming count) sits in a 16-byte TaskRecord; names
// and actions, read only when a task runs or is reported, live in parallel arrays.
//
// Containers use the tracking allocator so that the memory a spec holds can be reported
// (see the specs_in_memory workload).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>

#include "workloads/tracking_allocator.hpp"

namespace perfbench::workloads::workflow {

using TaskId = std::uint32_t;
using VarSlot = std::uint16_t;  // index of a case variable, resolved when the spec is built

// How a task's completion activates its outgoing flows.
enum class SplitType : std::uint8_t {
    And,  // every outgoing flow
    Xor,  // the first flow whose condition holds (else the default flow)
    Or,   // every flow whose condition holds (else the default flow)
};

// When a task with several incoming flows becomes enabled. Flows that are not taken are
// signalled as dead (dead-path elimination), so every join hears from every incoming flow.
enum class JoinType : std::uint8_t {
    And,  // all incoming flows arrived live
    Xor,  // exactly one incoming flow arrived live (fires on it; a second one is an error)
    Or,   // all *activated* incoming flows arrived: all signalled, at least one live
};

// The "Chatman constant": the tick budget of a hot-path operation.
inline constexpr std::uint16_t kChatmanTicks = 8;

// The hot-path predicates the executor uses; each compiles to a compare and a set.
constexpr bool activates_all_branches(SplitType split) noexcept { return split == SplitType::And; }
// AND and OR joins must hear from every incoming flow before deciding; XOR fires on the first.
constexpr bool waits_for_all_arrivals(JoinType join) noexcept { return join != JoinType::Xor; }
// A declared budget of 0 means "not a hot-path task" and is always within budget.
constexpr bool within_tick_budget(std::uint16_t max_ticks) noexcept { return max_ticks <= kChatmanTicks; }

// A condition on case data: `variable <op> value`. `Always` holds unconditionally.
struct Condition {
    enum class Op : std::uint8_t { Always, Eq, Ne, Lt, Le, Gt, Ge };
    Op op = Op::Always;
    VarSlot variable = 0;
    std::int64_t value = 0;

    bool holds(std::span<const std::int64_t> variables) const noexcept {
        if (op == Op::Always) return true;
        const std::int64_t v = variables[variable];
        switch (op) {
            case Op::Eq: return v == value;
            case Op::Ne: return v != value;
            case Op::Lt: return v < value;
            case Op::Le: return v <= value;
            case Op::Gt: return v > value;
            case Op::Ge: return v >= value;
            case Op::Always: break;
        }
        return true;
    }
};

inline Condition when(VarSlot variable, Condition::Op op, std::int64_t value) { return {op, variable, value}; }

struct Flow {
    TaskId target;
    Condition condition;
    bool is_default;  // taken by an XOR/OR split only when no conditioned flow is
};

// One row of the task table: everything the executor reads to route a completed task.
struct TaskRecord {
    TaskId id;
    SplitType split;
    JoinType join;
    std::uint16_t max_ticks;       // declared tick budget; 0 = none
    std::uint32_t first_flow;      // outgoing flows are flows()[first_flow, first_flow + flow_count)
    std::uint16_t flow_count;
    std::uint16_t incoming_count;
};
static_assert(sizeof(TaskRecord) == 16, "a task record should stay one quarter of a cache line");

using CaseId = std::uint32_t;
class TaskContext;  // a task action's view of its case (state_store.hpp)

using TaskAction = std::function<void(TaskContext&)>;

class SpecError : public std::invalid_argument {
public:
    using std::invalid_argument::invalid_argument;
};

class WorkflowSpec {
public:
    const tracked_string& name() const noexcept { return name_; }
    std::size_t task_count() const noexcept { return tasks_.size(); }
    std::size_t variable_count() const noexcept { return variables_.size(); }
    TaskId start() const noexcept { return start_; }

    // The hot read: O(1) by id, nullptr for an id the spec does not have.
    const TaskRecord* find(TaskId id) const noexcept { return id < tasks_.size() ? &tasks_[id] : nullptr; }
    const TaskRecord& task(TaskId id) const noexcept { return tasks_[id]; }
    std::span<const TaskRecord> tasks() const noexcept { return tasks_; }
    std::span<const Flow> flows_of(const TaskRecord& task) const noexcept {
        return std::span<const Flow>(flows_).subspan(task.first_flow, task.flow_count);
    }
    const tracked_string& task_name(TaskId id) const { return task_names_.at(id); }
    std::optional<TaskId> find_task(std::string_view name) const;
    std::optional<VarSlot> find_variable(std::string_view name) const;
    const TaskAction& action(TaskId id) const noexcept { return actions_[id]; }
    // Bytes this spec holds on the heap through its own containers (not std::function targets,
    // which hold one pointer each here and stay in the small-buffer).
    std::size_t heap_bytes() const noexcept;

private:
    friend class SpecBuilder;
    tracked_string name_;
    tracked_vector<TaskRecord> tasks_;
    tracked_vector<Flow> flows_;  // grouped by source task
    tracked_vector<tracked_string> task_names_;
    tracked_vector<TaskAction> actions_;
    tracked_vector<tracked_string> variables_;
    TaskId start_ = 0;
};

struct TaskOptions {
    SplitType split = SplitType::And;
    JoinType join = JoinType::And;
    std::uint16_t max_ticks = 0;
    TaskAction action = {};
};

// Declares variables, tasks and flows, then validates and freezes them into a WorkflowSpec.
class SpecBuilder {
public:
    explicit SpecBuilder(std::string_view name);
    VarSlot variable(std::string_view name);
    TaskId task(std::string_view name, TaskOptions options = {});
    // A flow taken when `condition` holds (always, for an AND split).
    SpecBuilder& flow(TaskId from, TaskId to, Condition condition = {});
    // The flow an XOR/OR split takes when none of its conditioned flows is taken.
    SpecBuilder& default_flow(TaskId from, TaskId to);
    // Throws SpecError naming the task and the rule it breaks.
    WorkflowSpec build() &&;

private:
    struct PendingFlow {
        TaskId from;
        Flow flow;
    };
    WorkflowSpec spec_;
    tracked_vector<TaskOptions> options_;
    tracked_vector<PendingFlow> pending_;
};

// A synthetic but valid spec of `tasks` tasks, for sweeps over workflow size: a chain of
// diamonds (split -> two branches -> join), cycling the split/join type through AND, XOR
// and OR, routed by variable "route": XOR takes the first branch when route == 0, else the
// second; OR takes the first when route <= 0 and the second when route >= 0 (both on 0).
// Tasks declare tick budgets 0..8 so the table carries realistic max_ticks values.
WorkflowSpec generated_spec(std::string_view name, std::size_t tasks);

}  // namespace perfbench::workloads::workflow
