#include "spec.hpp"

#include <algorithm>
#include <limits>
#include <string>
#include <vector>

#include "state_store.hpp"  // TaskContext, for generated actions

namespace perfbench::workloads::workflow {

namespace {

std::string quoted(std::string_view s) { return "'" + std::string(s) + "'"; }

}  // namespace

std::optional<TaskId> WorkflowSpec::find_task(std::string_view name) const {
    for (std::size_t i = 0; i < task_names_.size(); ++i)
        if (task_names_[i] == name) return static_cast<TaskId>(i);
    return std::nullopt;
}

std::optional<VarSlot> WorkflowSpec::find_variable(std::string_view name) const {
    for (std::size_t i = 0; i < variables_.size(); ++i)
        if (variables_[i] == name) return static_cast<VarSlot>(i);
    return std::nullopt;
}

std::size_t WorkflowSpec::heap_bytes() const noexcept {
    // Capacity, not size: that is what the allocator handed out. Strings within the
    // small-string buffer own no heap bytes.
    const auto string_bytes = [](const tracked_string& s) {
        return s.capacity() > 15 ? s.capacity() + 1 : std::size_t{0};
    };
    std::size_t bytes = string_bytes(name_);
    bytes += tasks_.capacity() * sizeof(TaskRecord) + flows_.capacity() * sizeof(Flow);
    bytes += task_names_.capacity() * sizeof(tracked_string) + actions_.capacity() * sizeof(TaskAction);
    bytes += variables_.capacity() * sizeof(tracked_string);
    for (const auto& s : task_names_) bytes += string_bytes(s);
    for (const auto& s : variables_) bytes += string_bytes(s);
    return bytes;
}

SpecBuilder::SpecBuilder(std::string_view name) { spec_.name_.assign(name.begin(), name.end()); }

VarSlot SpecBuilder::variable(std::string_view name) {
    if (spec_.find_variable(name)) throw SpecError("spec " + quoted(spec_.name_) + ": variable " + quoted(name) + " declared twice");
    if (spec_.variables_.size() > std::numeric_limits<VarSlot>::max())
        throw SpecError("spec " + quoted(spec_.name_) + ": too many variables");
    spec_.variables_.emplace_back(name.begin(), name.end());
    return static_cast<VarSlot>(spec_.variables_.size() - 1);
}

TaskId SpecBuilder::task(std::string_view name, TaskOptions options) {
    if (spec_.find_task(name)) throw SpecError("spec " + quoted(spec_.name_) + ": task " + quoted(name) + " declared twice");
    const auto id = static_cast<TaskId>(spec_.task_names_.size());
    spec_.task_names_.emplace_back(name.begin(), name.end());
    options_.push_back(std::move(options));
    return id;
}

SpecBuilder& SpecBuilder::flow(TaskId from, TaskId to, Condition condition) {
    pending_.push_back({from, Flow{to, condition, false}});
    return *this;
}

SpecBuilder& SpecBuilder::default_flow(TaskId from, TaskId to) {
    pending_.push_back({from, Flow{to, Condition{}, true}});
    return *this;
}

WorkflowSpec SpecBuilder::build() && {
    const std::size_t n = options_.size();
    // Messages are built only on failure: building a valid spec allocates nothing but the
    // spec's own tables (the creation workloads count those allocations).
    const auto fail = [this](const std::string& what) -> SpecError {
        return SpecError("spec " + quoted(spec_.name_) + ": " + what);
    };
    const auto task_name = [this](TaskId id) { return quoted(spec_.task_names_[id]); };
    if (n == 0) throw fail("has no tasks");
    if (n > std::numeric_limits<TaskId>::max() / 2) throw fail("has too many tasks");

    for (const PendingFlow& p : pending_) {
        if (p.from >= n || p.flow.target >= n) throw fail("a flow names a task that does not exist");
        if (p.from == p.flow.target) throw fail("task " + task_name(p.from) + " flows to itself");
        if (p.flow.condition.op != Condition::Op::Always && p.flow.condition.variable >= spec_.variables_.size())
            throw fail("a condition on task " + task_name(p.from) + " reads an undeclared variable");
    }
    // Flows grouped by source; stable, because declaration order is an XOR split's priority.
    std::stable_sort(pending_.begin(), pending_.end(),
                     [](const PendingFlow& a, const PendingFlow& b) { return a.from < b.from; });

    spec_.tasks_.resize(n);
    tracked_vector<std::uint32_t> incoming(n, 0);
    for (const PendingFlow& p : pending_) ++incoming[p.flow.target];
    spec_.flows_.reserve(pending_.size());
    std::size_t next = 0;
    for (TaskId id = 0; id < n; ++id) {
        const TaskOptions& o = options_[id];
        TaskRecord& record = spec_.tasks_[id];
        record.id = id;
        record.split = o.split;
        record.join = o.join;
        record.max_ticks = o.max_ticks;
        record.first_flow = static_cast<std::uint32_t>(spec_.flows_.size());
        std::size_t defaults = 0;
        for (; next < pending_.size() && pending_[next].from == id; ++next) {
            const Flow& f = pending_[next].flow;
            if (o.split == SplitType::And && (f.is_default || f.condition.op != Condition::Op::Always))
                throw fail("AND split " + task_name(id) + " takes every flow; it cannot have conditions");
            defaults += f.is_default ? 1 : 0;
            spec_.flows_.push_back(f);
        }
        if (defaults > 1) throw fail("task " + task_name(id) + " has more than one default flow");
        const std::size_t out = spec_.flows_.size() - record.first_flow;
        if (out > std::numeric_limits<std::uint16_t>::max() || incoming[id] > std::numeric_limits<std::uint16_t>::max())
            throw fail("task " + task_name(id) + " has too many flows");
        record.flow_count = static_cast<std::uint16_t>(out);
        record.incoming_count = static_cast<std::uint16_t>(incoming[id]);
        if (!within_tick_budget(o.max_ticks))
            throw fail("task " + task_name(id) + " declares max_ticks " + std::to_string(o.max_ticks) +
                       ", above the Chatman constant (" + std::to_string(kChatmanTicks) + ")");
    }

    // Exactly one start task; every task reachable from it and no cycle (Kahn's algorithm:
    // a cycle leaves tasks whose incoming count never drops to zero).
    const auto starts = static_cast<std::size_t>(std::count(incoming.begin(), incoming.end(), 0u));
    if (starts != 1)
        throw fail(starts == 0 ? "has no start task (every task has an incoming flow)"
                               : "has " + std::to_string(starts) + " start tasks; exactly one may lack incoming flows");
    const auto start = static_cast<TaskId>(std::find(incoming.begin(), incoming.end(), 0u) - incoming.begin());
    tracked_vector<TaskId> order;
    order.reserve(n);
    order.push_back(start);
    for (std::size_t i = 0; i < order.size(); ++i)
        for (const Flow& f : spec_.flows_of(spec_.tasks_[order[i]]))
            if (--incoming[f.target] == 0) order.push_back(f.target);
    if (order.size() != n) {
        const auto stuck = static_cast<TaskId>(
            std::find_if(incoming.begin(), incoming.end(), [](std::uint32_t c) { return c != 0; }) - incoming.begin());
        throw fail("task " + task_name(stuck) + " lies on a cycle or is unreachable from the start");
    }
    spec_.start_ = start;

    spec_.actions_.reserve(n);
    for (TaskOptions& o : options_) spec_.actions_.push_back(std::move(o.action));
    return std::move(spec_);
}

WorkflowSpec generated_spec(std::string_view name, std::size_t tasks) {
    if (tasks == 0) throw SpecError("a generated spec needs at least one task");
    // The shape is planned first because a diamond's split type belongs to the task that
    // precedes it, which already exists when the diamond is chosen.
    struct Planned {
        SplitType split = SplitType::And;
        JoinType join = JoinType::And;
    };
    struct PlannedFlow {
        TaskId from, to;
        Condition condition;
        bool is_default;
    };
    constexpr SplitType kSplits[] = {SplitType::And, SplitType::Xor, SplitType::Or};
    constexpr JoinType kJoins[] = {JoinType::And, JoinType::Xor, JoinType::Or};
    constexpr VarSlot kRoute = 0, kVisits = 1;

    std::vector<Planned> plan(1);
    std::vector<PlannedFlow> flows;
    TaskId tail = 0;
    std::size_t diamonds = 0;
    while (plan.size() < tasks) {
        const auto next = static_cast<TaskId>(plan.size());
        if (tasks - plan.size() >= 3) {  // tail --split--> {left, right} --join--> joined
            const std::size_t kind = diamonds++ % 3;
            const TaskId left = next, right = next + 1, joined = next + 2;
            plan[tail].split = kSplits[kind];
            plan.insert(plan.end(), {Planned{}, Planned{}, Planned{SplitType::And, kJoins[kind]}});
            switch (kSplits[kind]) {
                case SplitType::And:
                    flows.push_back({tail, left, {}, false});
                    flows.push_back({tail, right, {}, false});
                    break;
                case SplitType::Xor:
                    flows.push_back({tail, left, when(kRoute, Condition::Op::Eq, 0), false});
                    flows.push_back({tail, right, {}, true});
                    break;
                case SplitType::Or:
                    flows.push_back({tail, left, when(kRoute, Condition::Op::Le, 0), false});
                    flows.push_back({tail, right, when(kRoute, Condition::Op::Ge, 0), false});
                    break;
            }
            flows.push_back({left, joined, {}, false});
            flows.push_back({right, joined, {}, false});
            tail = joined;
        } else {
            plan.emplace_back();
            flows.push_back({tail, next, {}, false});
            tail = next;
        }
    }

    SpecBuilder b(name);
    if (b.variable("route") != kRoute || b.variable("visits") != kVisits) throw std::logic_error("variable slots");
    // Each task counts itself, so an execution shows how many tasks ran.
    const TaskAction count = [](TaskContext& c) { c.set(kVisits, c.get(kVisits) + 1); };
    for (std::size_t i = 0; i < plan.size(); ++i) {
        const auto budget = static_cast<std::uint16_t>((i * 5) % (kChatmanTicks + 1));
        b.task(std::string("t").append(std::to_string(i)), {plan[i].split, plan[i].join, budget, count});
    }
    for (const PlannedFlow& f : flows) {
        if (f.is_default) b.default_flow(f.from, f.to);
        else b.flow(f.from, f.to, f.condition);
    }
    return std::move(b).build();
}

}  // namespace perfbench::workloads::workflow
