// The state store: every open case's variables and task states, in memory.
//
// Cases are rows in a table addressed by CaseId; a row's arrays are sized for its spec
// when the case opens and keep their capacity when it closes, so after warm-up opening a
// case and writing to it allocate nothing. Closed rows go on a LIFO free list: the next
// case reuses the row closed last, whose lines are most likely still in cache.
//
// A variable write is the hot write: bounds-checked (case id, open case, slot), one store,
// and a version bump that lets readers detect change without comparing values.
#pragma once

#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>

#include "workloads/tracking_allocator.hpp"
#include "spec.hpp"

namespace perfbench::workloads::workflow {

enum class TaskState : std::uint8_t { Pending, Enabled, Completed, Skipped };
enum class CaseStatus : std::uint8_t { Free, Open, Running, Completed, Failed };

// Signals a join has received: flows that arrived live, and flows eliminated as dead.
struct Arrivals {
    std::uint16_t live = 0;
    std::uint16_t dead = 0;
};

struct CaseRecord {
    std::uint32_t spec = 0;
    CaseStatus status = CaseStatus::Free;
    std::uint64_t version = 0;        // +1 per variable write
    const char* failure = nullptr;    // why the case failed (a static string), else null
    tracked_vector<std::int64_t> variables;
    tracked_vector<TaskState> task_states;
    tracked_vector<Arrivals> arrivals;
};

class StateStoreError : public std::out_of_range {
public:
    using std::out_of_range::out_of_range;
};

class StateStore {
public:
    // Pre-builds `capacity` rows with room for the given numbers of variables and tasks, so
    // that cases up to that size open without allocating.
    StateStore(std::size_t capacity, std::size_t reserve_variables, std::size_t reserve_tasks);

    // Opens a case of `spec` with zeroed variables and all tasks pending; grows past capacity.
    CaseId open(std::uint32_t spec, std::size_t variables, std::size_t tasks);
    void close(CaseId id);

    void write(CaseId id, VarSlot slot, std::int64_t value) {
        CaseRecord& c = open_record(id);
        if (slot >= c.variables.size()) throw_bad_slot(id, slot);
        c.variables[slot] = value;
        ++c.version;
    }
    std::int64_t read(CaseId id, VarSlot slot) const {
        const CaseRecord& c = open_record(id);
        if (slot >= c.variables.size()) throw_bad_slot(id, slot);
        return c.variables[slot];
    }
    TaskState task_state(CaseId id, TaskId task) const { return open_record(id).task_states.at(task); }

    // The row itself, for the executor (which holds it for one run) and for inspection.
    CaseRecord& record(CaseId id) { return open_record(id); }
    const CaseRecord& record(CaseId id) const { return open_record(id); }

    std::size_t open_cases() const noexcept { return open_; }
    std::size_t rows() const noexcept { return cases_.size(); }

private:
    CaseRecord& open_record(CaseId id) {
        if (id >= cases_.size() || cases_[id].status == CaseStatus::Free) throw_bad_case(id);
        return cases_[id];
    }
    const CaseRecord& open_record(CaseId id) const {
        if (id >= cases_.size() || cases_[id].status == CaseStatus::Free) throw_bad_case(id);
        return cases_[id];
    }
    [[noreturn]] static void throw_bad_case(CaseId id);
    [[noreturn]] static void throw_bad_slot(CaseId id, VarSlot slot);

    tracked_vector<CaseRecord> cases_;
    tracked_vector<CaseId> free_;  // LIFO
    std::size_t open_ = 0;
};

// What a task action sees: its case's variables, read and written through the state store.
class TaskContext {
public:
    TaskContext(StateStore& store, CaseId case_id) : store_(store), case_(case_id) {}
    std::int64_t get(VarSlot slot) const { return store_.read(case_, slot); }
    void set(VarSlot slot, std::int64_t value) { store_.write(case_, slot, value); }
    CaseId case_id() const noexcept { return case_; }

private:
    StateStore& store_;
    CaseId case_;
};

}  // namespace perfbench::workloads::workflow
