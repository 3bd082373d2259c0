#include "hot_paths.hpp"

#include <algorithm>
#include <map>

#include "workloads/splitmix64.hpp"

namespace perfbench::workloads::workflow {

std::array<TaskRecord, 64> sample_task_records(std::uint64_t seed) {
    const WorkflowSpec spec = generated_spec("hot_path_sample", 64);
    std::array<TaskRecord, 64> out{};
    std::copy(spec.tasks().begin(), spec.tasks().end(), out.begin());
    // Fisher-Yates, so that the order is not the chain's
    for (std::size_t i = out.size() - 1; i > 0; --i) std::swap(out[i], out[splitmix64(seed) % (i + 1)]);
    return out;
}

void MaxTicksValidation::setup() {
    records = sample_task_records(0xb0d9e7);
    for (std::size_t i = 7; i < kRecords; i += 8) records[i].max_ticks = static_cast<std::uint16_t>(9 + (i / 8) % 4);
}

std::string MaxTicksValidation::self_check() {
    MaxTicksValidation probe;
    probe.setup();
    probe.run_batch(kRecords * 10, [](std::uint64_t k, auto&& one) { repeat(k, one); });
    std::size_t over = 0;
    for (const TaskRecord& r : probe.records) over += r.max_ticks > kChatmanTicks ? 1 : 0;
    if (over != kRecords / 8) return "the draft should declare 8 budgets above the limit, found " + std::to_string(over);
    if (probe.within != 10 * (kRecords - over))
        return "validation accepted " + std::to_string(probe.within) + " of " + std::to_string(kRecords * 10) +
               " budgets, expected " + std::to_string(10 * (kRecords - over));
    // The builder applies the same rule: 8 is accepted, 9 refused.
    for (const std::uint16_t budget : {std::uint16_t{8}, std::uint16_t{9}}) {
        SpecBuilder b("budget");
        b.task("hot", {SplitType::And, JoinType::And, budget, {}});
        try {
            (void)std::move(b).build();
            if (budget > kChatmanTicks) return "the spec builder accepted max_ticks 9";
        } catch (const SpecError&) {
            if (budget <= kChatmanTicks) return "the spec builder refused max_ticks 8";
        }
    }
    return {};
}

void TaskLookup::setup() {
    if (tasks < 1) throw std::invalid_argument("task_lookup: tasks must be at least 1");
    spec = generated_spec("lookup_" + std::to_string(tasks), tasks);
    probes.resize(kProbes);
    std::uint64_t seed = 0x100c + tasks;
    for (TaskId& p : probes) p = static_cast<TaskId>(splitmix64(seed) % tasks);
}

std::string TaskLookup::self_check() {
    TaskLookup probe(tasks);
    probe.setup();
    if (probe.spec.task_count() != tasks) return "the generated spec has the wrong number of tasks";
    for (TaskId id = 0; id < tasks; ++id) {
        const TaskRecord* t = probe.spec.find(id);
        if (t == nullptr || t->id != id) return "lookup of task " + std::to_string(id) + " returned another record";
        if (std::string_view(probe.spec.task_name(id)) != std::string("t").append(std::to_string(id))) return "task " + std::to_string(id) + " has the wrong name";
    }
    if (probe.spec.find(static_cast<TaskId>(tasks)) != nullptr) return "lookup of an id past the table returned a record";
    probe.run_batch(kProbes * 3, [](std::uint64_t k, auto&& one) { repeat(k, one); });
    std::uint64_t expected = 0;
    for (const TaskId p : probe.probes) expected += 3ull * p;
    if (probe.id_sum != expected) return "lookups returned records whose ids differ from the ids looked up";
    return {};
}

std::vector<WorkloadMetric> TaskLookup::metrics() const {
    return {{"tasks", static_cast<double>(tasks), "count"},
            {"table_bytes", static_cast<double>(spec.task_count() * sizeof(TaskRecord)), "bytes"}};
}

StateStoreWrite::StateStoreWrite(std::size_t open_cases)
    : cases(open_cases), engine(EngineConfig{open_cases, atm::kVariables, atm::kTasks, 1, false}) {}

void StateStoreWrite::setup() {
    if (cases < 1) throw std::invalid_argument("state_store_write: cases must be at least 1");
    const SpecId spec = engine.register_spec(atm::withdrawal_spec(bank));
    std::vector<CaseId> open(cases);
    for (CaseId& id : open) id = engine.open_case(spec);
    probes.resize(kProbes);
    std::uint64_t seed = 0x57a7e;
    for (Probe& p : probes) {
        const std::uint64_t x = splitmix64(seed);
        p = {open[x % cases], static_cast<VarSlot>((x >> 32) % atm::kVariables)};
    }
}

std::string StateStoreWrite::self_check() {
    StateStoreWrite probe(cases);
    probe.setup();
    StateStore& store = probe.engine.store();
    if (store.open_cases() != cases) return "the store should hold " + std::to_string(cases) + " open cases";
    // A shadow of every (case, slot) the probes touch: the last value written, and the
    // number of writes per case, which the case's version must count.
    std::map<std::pair<CaseId, VarSlot>, std::int64_t> last;
    std::map<CaseId, std::uint64_t> writes;
    const std::uint64_t n = kProbes * 2 + 5;
    for (std::uint64_t i = 0; i < n; ++i) {
        const Probe& p = probe.probes[i % kProbes];
        last[{p.case_id, p.slot}] = static_cast<std::int64_t>(i);
        ++writes[p.case_id];
    }
    probe.run_batch(n, [](std::uint64_t k, auto&& one) { repeat(k, one); });
    for (const auto& [key, value] : last)
        if (store.read(key.first, key.second) != value)
            return "case " + std::to_string(key.first) + " slot " + std::to_string(key.second) + " holds " +
                   std::to_string(store.read(key.first, key.second)) + ", expected " + std::to_string(value);
    for (const auto& [id, count] : writes)
        if (store.record(id).version != count) return "case " + std::to_string(id) + " version does not count its writes";
    // Writes outside the store are refused, not scribbled.
    try {
        store.write(probe.probes[0].case_id, atm::kVariables, 1);
        return "a write to a slot the spec does not declare was accepted";
    } catch (const StateStoreError&) {
    }
    const CaseId closed = probe.probes[0].case_id;
    store.close(closed);
    try {
        store.write(closed, 0, 1);
        return "a write to a closed case was accepted";
    } catch (const StateStoreError&) {
    }
    return {};
}

std::vector<WorkloadMetric> StateStoreWrite::metrics() const {
    return {{"open_cases", static_cast<double>(cases), "count"}, {"writes", static_cast<double>(writes), "count"}};
}

}  // namespace perfbench::workloads::workflow
