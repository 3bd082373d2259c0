#include "state_store.hpp"

namespace perfbench::workloads::workflow {

StateStore::StateStore(std::size_t capacity, std::size_t reserve_variables, std::size_t reserve_tasks) {
    cases_.resize(capacity);
    free_.reserve(capacity);
    for (std::size_t i = capacity; i-- > 0;) {  // reversed so that row 0 is handed out first
        CaseRecord& row = cases_[i];
        row.variables.reserve(reserve_variables);
        row.task_states.reserve(reserve_tasks);
        row.arrivals.reserve(reserve_tasks);
        free_.push_back(static_cast<CaseId>(i));
    }
}

CaseId StateStore::open(std::uint32_t spec, std::size_t variables, std::size_t tasks) {
    CaseId id;
    if (free_.empty()) {
        id = static_cast<CaseId>(cases_.size());
        cases_.emplace_back();
    } else {
        id = free_.back();
        free_.pop_back();
    }
    CaseRecord& row = cases_[id];
    row.spec = spec;
    row.status = CaseStatus::Open;
    row.version = 0;
    row.failure = nullptr;
    row.variables.assign(variables, 0);  // within capacity: no allocation
    row.task_states.assign(tasks, TaskState::Pending);
    row.arrivals.assign(tasks, Arrivals{});
    ++open_;
    return id;
}

void StateStore::close(CaseId id) {
    CaseRecord& row = open_record(id);
    row.status = CaseStatus::Free;
    free_.push_back(id);
    --open_;
}

void StateStore::throw_bad_case(CaseId id) {
    throw StateStoreError("state store: case " + std::to_string(id) + " is not open");
}

void StateStore::throw_bad_slot(CaseId id, VarSlot slot) {
    throw StateStoreError("state store: case " + std::to_string(id) + " has no variable slot " + std::to_string(slot));
}

}  // namespace perfbench::workloads::workflow
