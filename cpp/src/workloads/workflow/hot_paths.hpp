// The workflow engine's hot paths as benchmark bodies: the reads and checks the executor
// makes on every step, each a handful of instructions whose budget is 8 TSC ticks.
//
// Each body cycles through a small, cache-resident array of real inputs (task records of a
// generated spec, open cases of the state store), so no comparison can be constant-folded,
// and keeps its running result in a register that do_not_optimize pins every iteration.
// Loop-carried state lives in locals of run_batch (see AddChain8 in basic/bodies.hpp for why).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "perfbench/compiler_barrier.hpp"
#include "perfbench/workload.hpp"
#include "atm.hpp"
#include "engine.hpp"
#include "spec.hpp"

namespace perfbench::workloads::workflow {

// Task records of a 64-task generated spec: the mix of split/join types and tick budgets
// that the hot-path bodies read, shuffled so consecutive reads do not follow the chain.
std::array<TaskRecord, 64> sample_task_records(std::uint64_t seed);

// Split- or join-type comparison: the executor's "does this split take every branch?" /
// "must this join hear from every incoming flow?" on the record of a task.
template <class Kind, bool (*Predicate)(Kind) noexcept, Kind TaskRecord::*Field>
struct TypeComparison {
    static constexpr std::size_t kRecords = 64;  // power of two: index by mask
    std::array<TaskRecord, kRecords> records{};
    std::uint64_t matches = 0;
    std::size_t next = 0;

    void setup() { records = sample_task_records(0x5eed); }
    template <class Repeat>
    void run_batch(std::uint64_t n, Repeat repeat) noexcept {
        std::uint64_t count = matches;
        std::size_t i = next;
        const TaskRecord* r = records.data();
        repeat(n, [&] {
            count += Predicate(r[i++ & (kRecords - 1)].*Field);
            do_not_optimize(count);
        });
        matches = count;
        next = i;
    }
    std::string self_check() {
        TypeComparison probe;
        probe.setup();
        // Opaque to the optimiser: with a constant count GCC 12 unrolls the remainder loop
        // and warns (-Waggressive-loop-optimizations) about an iteration that cannot occur.
        volatile std::uint64_t n = 1000;
        probe.run_batch(n, [](std::uint64_t k, auto&& one) { repeat(k, one); });
        std::uint64_t expected = 0;
        for (std::size_t i = 0; i < 1000; ++i) expected += Predicate(probe.records[i % kRecords].*Field) ? 1 : 0;
        if (probe.matches != expected) return "type comparison counted " + std::to_string(probe.matches) +
                                              " matches in 1000 records, expected " + std::to_string(expected);
        if (expected == 0 || expected == 1000) return "the sampled task records do not mix types";
        return {};
    }
};

using SplitTypeComparison = TypeComparison<SplitType, activates_all_branches, &TaskRecord::split>;
using JoinTypeComparison = TypeComparison<JoinType, waits_for_all_arrivals, &TaskRecord::join>;

// Max-ticks validation: is a task's declared tick budget within the Chatman constant? The
// records are a draft spec's task table as a loader would receive it: one in eight
// declares a budget above the limit (9..12), the rest come from a valid spec (0..8).
struct MaxTicksValidation {
    static constexpr std::size_t kRecords = 64;
    std::array<TaskRecord, kRecords> records{};
    std::uint64_t within = 0;
    std::size_t next = 0;

    void setup();
    template <class Repeat>
    void run_batch(std::uint64_t n, Repeat repeat) noexcept {
        std::uint64_t count = within;
        std::size_t i = next;
        const TaskRecord* r = records.data();
        repeat(n, [&] {
            count += within_tick_budget(r[i++ & (kRecords - 1)].max_ticks);
            do_not_optimize(count);
        });
        within = count;
        next = i;
    }
    std::string self_check();
};

// Task lookup by id in a `tasks`-task workflow: the executor's read of the task table.
struct TaskLookup {
    static constexpr std::size_t kProbes = 1024;
    std::size_t tasks;
    WorkflowSpec spec;
    std::vector<TaskId> probes;  // uniform over [0, tasks)
    std::uint64_t id_sum = 0;
    std::size_t next = 0;

    explicit TaskLookup(std::size_t task_count) : tasks(task_count) {}
    void setup();
    template <class Repeat>
    void run_batch(std::uint64_t n, Repeat repeat) noexcept {
        std::uint64_t sum = id_sum;
        std::size_t i = next;
        const TaskId* p = probes.data();
        const WorkflowSpec& s = spec;
        repeat(n, [&] {
            const TaskRecord* t = s.find(p[i++ & (kProbes - 1)]);
            sum += t != nullptr ? t->id : 0;
            do_not_optimize(sum);
        });
        id_sum = sum;
        next = i;
    }
    std::string self_check();
    std::vector<WorkloadMetric> metrics() const;
};

// A hot write to the state store: one case variable of one open case.
struct StateStoreWrite {
    static constexpr std::size_t kProbes = 1024;
    struct Probe {
        CaseId case_id;
        VarSlot slot;
    };
    std::size_t cases;
    atm::Bank bank;  // bound into the spec's actions, which never run here
    Engine engine;
    std::vector<Probe> probes;
    std::int64_t value = 0;
    std::size_t next = 0;
    std::uint64_t writes = 0;

    explicit StateStoreWrite(std::size_t open_cases);
    void setup();
    template <class Repeat>
    void run_batch(std::uint64_t n, Repeat repeat) {
        StateStore& store = engine.store();
        std::int64_t v = value;
        std::size_t i = next;
        const Probe* p = probes.data();
        repeat(n, [&] {
            const Probe& probe = p[i++ & (kProbes - 1)];
            store.write(probe.case_id, probe.slot, v++);
        });
        value = v;
        next = i;
        writes += n;
    }
    std::string self_check();
    std::vector<WorkloadMetric> metrics() const;
};

}  // namespace perfbench::workloads::workflow
