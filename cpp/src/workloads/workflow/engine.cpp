#include "engine.hpp"

#include <stdexcept>
#include <string>

namespace perfbench::workloads::workflow {

Engine::Engine(const EngineConfig& config)
    : store_(config.case_capacity, config.reserve_variables, config.reserve_tasks),
      spans_(config.span_capacity),
      telemetry_(config.telemetry) {
    ready_.reserve(config.reserve_tasks);
}

SpecId Engine::register_spec(WorkflowSpec spec) {
    if (by_name_.find(std::string_view(spec.name())) != by_name_.end())
        throw SpecError("engine: a spec named '" + std::string(spec.name()) + "' is already registered");
    const auto id = static_cast<SpecId>(specs_.size());
    by_name_.emplace(spec.name(), id);
    specs_.push_back(std::move(spec));
    return id;
}

std::optional<SpecId> Engine::find_spec(std::string_view name) const {
    const auto it = by_name_.find(name);
    if (it == by_name_.end()) return std::nullopt;
    return it->second;
}

CaseId Engine::open_case(SpecId spec_id) {
    const WorkflowSpec& s = spec(spec_id);
    return store_.open(spec_id, s.variable_count(), s.task_count());
}

CaseOutcome Engine::run(CaseId id) {
    CaseRecord& record = store_.record(id);
    if (record.status != CaseStatus::Open)
        throw std::logic_error("engine: case " + std::to_string(id) + " has already run");
    Run r{specs_[record.spec], record};
    record.status = CaseStatus::Running;
    ready_.clear();
    const TaskId start = r.spec.start();
    record.task_states[start] = TaskState::Enabled;
    ready_.push_back(start);
    TaskContext context(store_, id);
    // Telemetry reads the counter once per task, not twice: each read ends the span of the
    // task just routed and starts the next one's, so a span covers a task's action and its
    // routing. Two reads per task would double the cost (an unfenced RDTSC is ~9 ns here,
    // comparable to a whole task of the ATM workflow) for no extra information.
    std::uint64_t span_start = telemetry_ ? span_clock() : 0;

    // ready_ grows while it is walked: routing appends the tasks it enables.
    for (std::size_t head = 0; head < ready_.size() && r.failure == nullptr; ++head) {
        const TaskId t = ready_[head];
        if (const TaskAction& action = r.spec.action(t)) action(context);
        record.task_states[t] = TaskState::Completed;
        ++r.completed;
        route(r, r.spec.task(t));
        if (telemetry_) {
            const std::uint64_t now = span_clock();
            spans_.record({span_start, now, id, t});
            span_start = now;
        }
    }
    // Dead-path elimination decides every task of an acyclic spec; anything else is a bug.
    if (r.failure == nullptr && r.completed + r.skipped != r.spec.task_count())
        r.failure = "tasks were left undecided (neither completed nor skipped)";
    record.status = r.failure ? CaseStatus::Failed : CaseStatus::Completed;
    record.failure = r.failure;
    return {record.status, r.completed, r.skipped, r.failure};
}

void Engine::route(Run& r, const TaskRecord& task) {
    const auto flows = r.spec.flows_of(task);
    if (activates_all_branches(task.split)) {
        for (const Flow& f : flows) arrive(r, f.target, true);
        return;
    }
    // XOR takes the first flow whose condition holds, OR every such flow; either falls back
    // to the default flow when none is taken. Routing only queues tasks, so the variables
    // read here cannot change while the flows are decided.
    const std::span<const std::int64_t> variables(r.record.variables);
    const bool exclusive = task.split == SplitType::Xor;
    bool taken = false;
    const Flow* fallback = nullptr;
    for (const Flow& f : flows) {
        if (f.is_default) {
            fallback = &f;
            continue;
        }
        const bool take = !(exclusive && taken) && f.condition.holds(variables);
        taken = taken || take;
        arrive(r, f.target, take);
    }
    if (fallback != nullptr) {
        arrive(r, fallback->target, !taken);
    } else if (!taken && !flows.empty()) {
        r.failure = exclusive ? "XOR split: no condition holds and there is no default flow"
                              : "OR split: no condition holds and there is no default flow";
    }
}

void Engine::arrive(Run& r, TaskId target, bool live) {
    Arrivals& a = r.record.arrivals[target];
    if (live) ++a.live;
    else ++a.dead;
    const TaskRecord& t = r.spec.task(target);
    if (!waits_for_all_arrivals(t.join)) {  // XOR join: fire on the one live flow
        if (live) {
            if (a.live == 1) {
                r.record.task_states[target] = TaskState::Enabled;
                ready_.push_back(target);
            } else {
                r.failure = "XOR join: more than one incoming flow arrived live";
            }
        } else if (a.dead == t.incoming_count) {
            skip(r, target);
        }
        return;
    }
    if (a.live + a.dead < t.incoming_count) return;
    // Everything has been heard: AND needs every flow live, OR at least one.
    const bool fire = t.join == JoinType::And ? a.dead == 0 : a.live > 0;
    if (fire) {
        r.record.task_states[target] = TaskState::Enabled;
        ready_.push_back(target);
    } else {
        skip(r, target);
    }
}

void Engine::skip(Run& r, TaskId task) {
    r.record.task_states[task] = TaskState::Skipped;
    ++r.skipped;
    // Recursion depth is bounded by the longest dead path, at most the spec's task count.
    for (const Flow& f : r.spec.flows_of(r.spec.task(task))) arrive(r, f.target, false);
}

}  // namespace perfbench::workloads::workflow
