// The workflow engine's scenarios as benchmark bodies: creating specs, initialising an
// engine, holding many specs in memory, and executing cases end to end (ATM withdrawal,
// SWIFT payment, a payroll period), optionally with span telemetry.
//
// Execution bodies cycle through a fixed set of pre-generated requests; the domain data
// (bank, payment network, company) is sized so that outcomes do not drift however many
// iterations run, and each self-check re-runs the scenario on fresh data and compares the
// final state with an independent computation of what it must be.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "perfbench/compiler_barrier.hpp"
#include "perfbench/workload.hpp"
#include "workloads/tracking_allocator.hpp"
#include "atm.hpp"
#include "engine.hpp"
#include "payroll.hpp"
#include "swift.hpp"

namespace perfbench::workloads::workflow {

// Allocations made by the operations of a body, for "<what> per operation" metrics.
struct AllocationTally {
    std::uint64_t operations = 0;
    AllocationStats allocated;
    template <class Work>
    void count(std::uint64_t n, Work&& work) {
        const AllocationStats before = allocation_stats();
        work();
        const AllocationStats delta = allocation_stats() - before;
        operations += n;
        allocated.allocations += delta.allocations;
        allocated.bytes_allocated += delta.bytes_allocated;
    }
    std::vector<WorkloadMetric> metrics(const std::string& per) const;
};

// Build and validate a one-task spec.
struct CreateMinimalSpec {
    AllocationTally tally;
    static WorkflowSpec create();
    template <class Repeat>
    void run_batch(std::uint64_t n, Repeat repeat) {
        tally.count(n, [&] { repeat(n, [] { do_not_optimize(create().task_count()); }); });
    }
    std::string self_check();
    std::vector<WorkloadMetric> metrics() const { return tally.metrics("spec"); }
};

// Build and validate the 4-task ATM withdrawal spec.
struct CreateAtmSpec {
    atm::Bank bank = atm::demo_bank();
    AllocationTally tally;
    template <class Repeat>
    void run_batch(std::uint64_t n, Repeat repeat) {
        tally.count(n, [&] { repeat(n, [this] { do_not_optimize(atm::withdrawal_spec(bank).task_count()); }); });
    }
    std::string self_check();
    std::vector<WorkloadMetric> metrics() const { return tally.metrics("spec"); }
};

// Construct an engine with its state store (`case_capacity` rows built up front) and its
// telemetry ring, register the three scenario specs, and tear it all down again.
struct EngineInit {
    std::size_t case_capacity;
    atm::Bank bank = atm::demo_bank();
    swift::Network network = swift::demo_network();
    payroll::Company company = payroll::demo_company(16, 1);
    AllocationTally tally;

    explicit EngineInit(std::size_t capacity) : case_capacity(capacity) {}
    EngineConfig config() const;
    void initialise();  // one operation
    template <class Repeat>
    void run_batch(std::uint64_t n, Repeat repeat) {
        tally.count(n, [&] { repeat(n, [this] { initialise(); }); });
    }
    std::string self_check();
    std::vector<WorkloadMetric> metrics() const { return tally.metrics("init"); }
};

// Build `specs` specs (ATM, SWIFT and payroll in turn, each under its own name), register
// them in a fresh engine and find each by name: the cost of holding a catalogue in memory.
struct SpecsInMemory {
    std::size_t specs;
    atm::Bank bank = atm::demo_bank();
    swift::Network network = swift::demo_network();
    payroll::Company company = payroll::demo_company(16, 1);
    std::int64_t bytes_held = 0;  // live bytes of the last catalogue, engine excluded

    explicit SpecsInMemory(std::size_t count) : specs(count) {}
    void fill(Engine& engine);  // registers the catalogue: kind and name by position
    void operator()();
    std::string self_check();
    std::vector<WorkloadMetric> metrics() const;
};

// Telemetry figures of an engine: spans recorded and the distribution of task span ticks.
std::vector<WorkloadMetric> span_metrics(const Engine& engine);

struct CaseTally {
    std::uint64_t cases = 0;
    std::uint64_t failed = 0;
    std::uint64_t tasks_completed = 0;
    std::uint64_t tasks_skipped = 0;
    void add(const CaseOutcome& o) noexcept {
        ++cases;
        failed += o.status == CaseStatus::Completed ? 0 : 1;
        tasks_completed += o.tasks_completed;
        tasks_skipped += o.tasks_skipped;
    }
    std::vector<WorkloadMetric> metrics() const;
};

// One ATM withdrawal end to end: open a case with the request, run it, read what was
// dispensed, close it.
struct AtmExecution {
    static constexpr std::size_t kRequests = 1024;
    atm::Bank bank = atm::demo_bank();
    Engine engine;
    SpecId spec = 0;
    std::vector<atm::Request> requests;
    std::size_t next = 0;
    std::int64_t dispensed = 0;
    CaseTally tally;

    explicit AtmExecution(bool telemetry);
    void setup();
    void operator()();
    std::string self_check();
    std::vector<WorkloadMetric> metrics() const;
};

// One SWIFT payment end to end.
struct SwiftExecution {
    static constexpr std::size_t kMessages = 1024;
    swift::Network network = swift::demo_network();
    Engine engine;
    SpecId spec = 0;
    std::size_t next = 0;
    std::int64_t settled = 0;
    CaseTally tally;

    explicit SwiftExecution(bool telemetry);
    void setup();
    void operator()();
    std::string self_check();
    std::vector<WorkloadMetric> metrics() const;
};

// One payroll period: a payslip case per employee, posted to the ledger.
struct PayrollExecution {
    std::size_t employees;
    payroll::Company company;
    Engine engine;
    SpecId spec = 0;
    payroll::PeriodTotals last;
    std::uint64_t periods = 0;
    CaseTally tally;

    PayrollExecution(std::size_t employee_count, bool telemetry);
    void setup();
    void operator()();
    std::string self_check();
    std::vector<WorkloadMetric> metrics() const;
};

}  // namespace perfbench::workloads::workflow
