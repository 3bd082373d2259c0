// One registration function per workload family; each family is one folder beside this file
// (basic/, runtime/, messages/, workflow/, nodes/) whose headers are private to it.
// Explicit calls, not static registrars: a static library drops object files nothing
// references, and with them any self-registering globals.
#pragma once

namespace perfbench {
class WorkloadCatalog;
void register_basic_workloads(WorkloadCatalog& catalog);
void register_runtime_workloads(WorkloadCatalog& catalog);
void register_messages_workloads(WorkloadCatalog& catalog);
void register_workflow_workloads(WorkloadCatalog& catalog);
void register_nodes_workloads(WorkloadCatalog& catalog);
}  // namespace perfbench
