// Registration of the workflow family: a small workflow engine's hot paths (tick budgets),
// spec creation, engine initialisation, scalability, state writes, end-to-end executions
// and telemetry overhead.
#include "perfbench/workload.hpp"
#include "workloads/families.hpp"
#include "hot_paths.hpp"
#include "scenarios.hpp"

namespace perfbench {

namespace {

using namespace workloads::workflow;

// A count parameter: a whole number of at least `minimum`.
std::size_t count_param(const WorkloadParams& params, const std::string& key, double minimum) {
    const double v = param(params, key);
    if (!(v >= minimum) || v != static_cast<double>(static_cast<std::size_t>(v)) || v > 1e7)
        throw std::invalid_argument("parameter '" + key + "' must be a whole number >= " +
                                    std::to_string(static_cast<long long>(minimum)) + ", got " + std::to_string(v));
    return static_cast<std::size_t>(v);
}

bool flag_param(const WorkloadParams& params, const std::string& key) {
    const double v = param(params, key);
    if (v != 0 && v != 1) throw std::invalid_argument("parameter '" + key + "' must be 0 or 1");
    return v == 1;
}

template <class Body, class... Args>
std::unique_ptr<Workload> make_body(Args&&... args) {
    return std::make_unique<BodyWorkload<Body>>(std::forward<Args>(args)...);
}

}  // namespace

void register_workflow_workloads(WorkloadCatalog& catalog) {
    // Hot paths: a handful of instructions each; the SLA is in TSC ticks per operation.
    catalog.add({"workflow.split_type_compare", "workflow",
                 "hot path: does a task's split take every branch (split-type comparison on a task record)", {},
                 [](const WorkloadParams&) { return make_body<SplitTypeComparison>(); }});
    catalog.add({"workflow.join_type_compare", "workflow",
                 "hot path: must a task's join hear from every incoming flow (join-type comparison)", {},
                 [](const WorkloadParams&) { return make_body<JoinTypeComparison>(); }});
    catalog.add({"workflow.task_lookup", "workflow",
                 "hot read: look a task up by id in the task table of a `tasks`-task workflow", {{"tasks", 4}},
                 [](const WorkloadParams& p) { return make_body<TaskLookup>(count_param(p, "tasks", 1)); }});
    catalog.add({"workflow.max_ticks_validation", "workflow",
                 "hot path: is a draft task's declared max_ticks within the Chatman constant (8)", {},
                 [](const WorkloadParams&) { return make_body<MaxTicksValidation>(); }});
    catalog.add({"workflow.state_store_write", "workflow",
                 "hot write: one case variable of one of `cases` open cases in the state store", {{"cases", 256}},
                 [](const WorkloadParams& p) { return make_body<StateStoreWrite>(count_param(p, "cases", 1)); }});

    // Creation and initialisation.
    catalog.add({"workflow.create_minimal", "workflow", "build and validate a one-task workflow spec", {},
                 [](const WorkloadParams&) { return make_body<CreateMinimalSpec>(); }});
    catalog.add({"workflow.create_atm", "workflow", "build and validate the 4-task ATM withdrawal spec", {},
                 [](const WorkloadParams&) { return make_body<CreateAtmSpec>(); }});
    catalog.add({"workflow.engine_init", "workflow",
                 "construct an engine with a `case_capacity`-row state store and telemetry ring, register the "
                 "ATM, SWIFT and payroll specs, tear it down",
                 {{"case_capacity", 10000}},
                 [](const WorkloadParams& p) { return make_body<EngineInit>(count_param(p, "case_capacity", 1)); }});
    catalog.add({"workflow.specs_in_memory", "workflow",
                 "build `specs` workflow specs (ATM, SWIFT, payroll in turn), register them in an engine and find "
                 "each by name",
                 {{"specs", 10}},
                 [](const WorkloadParams& p) { return make_body<SpecsInMemory>(count_param(p, "specs", 1)); }});

    // End-to-end executions; telemetry=1 records a span per executed task into a ring buffer.
    catalog.add({"workflow.execute_atm", "workflow",
                 "one ATM withdrawal case end to end (verify card and PIN, check balance, dispense or reject)",
                 {{"telemetry", 0}},
                 [](const WorkloadParams& p) { return make_body<AtmExecution>(flag_param(p, "telemetry")); }});
    catalog.add({"workflow.execute_swift", "workflow",
                 "one SWIFT MT103 payment case end to end (validate, sanctions screening, AND-split compliance "
                 "checks, debit/credit, confirmation)",
                 {{"telemetry", 0}},
                 [](const WorkloadParams& p) { return make_body<SwiftExecution>(flag_param(p, "telemetry")); }});
    catalog.add({"workflow.payroll", "workflow",
                 "one payroll period: a payslip case per employee (gross, tax, OR-split deductions, net, ledger)",
                 {{"employees", 1000}, {"telemetry", 0}},
                 [](const WorkloadParams& p) {
                     return make_body<PayrollExecution>(count_param(p, "employees", 1), flag_param(p, "telemetry"));
                 }});
}

}  // namespace perfbench
