// The nodes family registers its workloads in three groups, one file each:
// node processing (one node per iteration), workflow execution, and memory.
#pragma once

#include <string>

#include "perfbench/workload.hpp"

namespace perfbench::workloads::nodes {

void register_node_processing_workloads(WorkloadCatalog& catalog);
void register_workflow_execution_workloads(WorkloadCatalog& catalog);
void register_node_memory_workloads(WorkloadCatalog& catalog);

// Reads a parameter that must be a whole number within [low, high].
long integer_param(const WorkloadParams& params, const std::string& key, long low, long high);

// workers == 0 means "as many as the machine has cores" (at least one).
unsigned resolve_workers(long workers);

}  // namespace perfbench::workloads::nodes
