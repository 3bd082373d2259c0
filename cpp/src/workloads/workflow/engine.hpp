// The workflow engine: a registry of specs, the state store of their cases, and an
// executor that runs a case from its start task to completion.
//
// Execution is single-threaded and deterministic: enabled tasks run in FIFO order, so the
// branches of an AND split run one after another (concurrency is the caller's: one engine
// per thread). Routing uses dead-path elimination, as BPEL engines do: when a split does
// not take a flow, the flow's target hears a "dead" signal, and a task whose join can no
// longer fire is skipped and passes dead signals on. Every join therefore hears from every
// incoming flow, which makes the OR join ("wait for all activated branches") a local
// decision. Specs are acyclic (the builder checks), so this always terminates.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string_view>

#include "workloads/tracking_allocator.hpp"
#include "spec.hpp"
#include "state_store.hpp"
#include "telemetry.hpp"

namespace perfbench::workloads::workflow {

using SpecId = std::uint32_t;

struct EngineConfig {
    std::size_t case_capacity = 64;      // state-store rows built up front
    std::size_t reserve_variables = 16;  // per row
    std::size_t reserve_tasks = 16;      // per row
    std::size_t span_capacity = 4096;    // telemetry ring size (rounded up to a power of two)
    bool telemetry = false;              // record a span per executed task
};

struct CaseOutcome {
    CaseStatus status;           // Completed or Failed
    std::uint32_t tasks_completed;
    std::uint32_t tasks_skipped;
    const char* failure;         // null unless Failed
};

class Engine {
public:
    explicit Engine(const EngineConfig& config = {});

    // Throws SpecError when a spec of the same name is already registered.
    SpecId register_spec(WorkflowSpec spec);
    std::optional<SpecId> find_spec(std::string_view name) const;
    const WorkflowSpec& spec(SpecId id) const { return specs_.at(id); }
    std::size_t spec_count() const noexcept { return specs_.size(); }

    CaseId open_case(SpecId spec);
    // Runs the case to completion; its variables and task states stay readable in the store
    // until close_case.
    CaseOutcome run(CaseId id);
    void close_case(CaseId id) { store_.close(id); }

    StateStore& store() noexcept { return store_; }
    const StateStore& store() const noexcept { return store_; }
    const SpanRing& spans() const noexcept { return spans_; }
    void set_telemetry(bool on) noexcept { telemetry_ = on; }
    bool telemetry() const noexcept { return telemetry_; }

private:
    struct NameHash {
        using is_transparent = void;
        std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
    };
    // One run's working set, so the routing helpers need not pass five arguments around.
    struct Run {
        const WorkflowSpec& spec;
        CaseRecord& record;
        std::uint32_t completed = 0;
        std::uint32_t skipped = 0;
        const char* failure = nullptr;
    };
    void route(Run& run, const TaskRecord& task);
    void arrive(Run& run, TaskId target, bool live);
    void skip(Run& run, TaskId task);

    tracked_vector<WorkflowSpec> specs_;
    tracked_unordered_map<tracked_string, SpecId, NameHash, std::equal_to<>> by_name_;
    StateStore store_;
    SpanRing spans_;
    bool telemetry_;
    tracked_vector<TaskId> ready_;  // FIFO of enabled tasks, reused across runs
};

}  // namespace perfbench::workloads::workflow
