#include "scenarios.hpp"

#include <algorithm>
#include <stdexcept>

namespace perfbench::workloads::workflow {

std::vector<WorkloadMetric> AllocationTally::metrics(const std::string& per) const {
    if (operations == 0) return {};
    const double ops = static_cast<double>(operations);
    return {{"allocations_per_" + per, static_cast<double>(allocated.allocations) / ops, "count"},
            {"bytes_per_" + per, static_cast<double>(allocated.bytes_allocated) / ops, "bytes"}};
}

WorkflowSpec CreateMinimalSpec::create() {
    SpecBuilder b("minimal");
    b.task("only_task");
    return std::move(b).build();
}

EngineConfig EngineInit::config() const {
    return EngineConfig{case_capacity, 16, 16, 4096, false};
}

void EngineInit::initialise() {
    Engine engine(config());
    engine.register_spec(atm::withdrawal_spec(bank));
    engine.register_spec(swift::payment_spec(network));
    engine.register_spec(payroll::payslip_spec(company));
    do_not_optimize(engine.spec_count());
}  // the engine, its store and its specs are torn down here, inside the operation

namespace {

// Spec names of the in-memory catalogue: kind by position, so lookups know what to expect.
std::string catalogue_name(std::size_t k) {
    static constexpr const char* kKinds[] = {"atm#", "swift#", "payroll#"};
    return kKinds[k % 3] + std::to_string(k);
}

}  // namespace

void SpecsInMemory::fill(Engine& engine) {
    for (std::size_t k = 0; k < specs; ++k) {
        const std::string name = catalogue_name(k);
        switch (k % 3) {
            case 0: engine.register_spec(atm::withdrawal_spec(bank, name)); break;
            case 1: engine.register_spec(swift::payment_spec(network, name)); break;
            default: engine.register_spec(payroll::payslip_spec(company, name)); break;
        }
    }
}

void SpecsInMemory::operator()() {
    // One case row and one span slot: the engine's own memory stays out of the figure.
    Engine engine(EngineConfig{1, 1, 1, 1, false});
    const std::int64_t base = allocation_stats().live_bytes();
    fill(engine);
    for (std::size_t k = 0; k < specs; ++k) {
        const auto found = engine.find_spec(catalogue_name(k));
        if (!found || *found != k) throw std::logic_error("specs_in_memory: a registered spec was not found by name");
    }
    bytes_held = allocation_stats().live_bytes() - base;
}

std::vector<WorkloadMetric> SpecsInMemory::metrics() const {
    return {{"specs", static_cast<double>(specs), "count"},
            {"catalogue_bytes", static_cast<double>(bytes_held), "bytes"},
            {"bytes_per_spec", static_cast<double>(bytes_held) / static_cast<double>(std::max<std::size_t>(specs, 1)), "bytes"}};
}

std::vector<WorkloadMetric> span_metrics(const Engine& engine) {
    const SpanRing& ring = engine.spans();
    std::vector<WorkloadMetric> out{{"spans_recorded", static_cast<double>(ring.recorded()), "count"}};
    if (ring.size() == 0) return out;
    std::vector<std::uint64_t> ticks;
    ticks.reserve(ring.size());
    for (const Span& s : ring.snapshot()) ticks.push_back(s.end_ticks - s.start_ticks);
    std::sort(ticks.begin(), ticks.end());
    const auto at = [&](double q) { return static_cast<double>(ticks[static_cast<std::size_t>(q * static_cast<double>(ticks.size() - 1))]); };
    out.push_back({"task_span_ticks_median", at(0.5), "ticks"});
    out.push_back({"task_span_ticks_p99", at(0.99), "ticks"});
    out.push_back({"task_span_ticks_count", static_cast<double>(ticks.size()), "count"});
    return out;
}

std::vector<WorkloadMetric> CaseTally::metrics() const {
    const double n = static_cast<double>(std::max<std::uint64_t>(cases, 1));
    return {{"cases", static_cast<double>(cases), "count"},
            {"failed_cases", static_cast<double>(failed), "count"},
            {"tasks_per_case", static_cast<double>(tasks_completed) / n, "ratio"},
            {"skipped_per_case", static_cast<double>(tasks_skipped) / n, "ratio"}};
}

AtmExecution::AtmExecution(bool telemetry)
    : engine(EngineConfig{16, atm::kVariables, atm::kTasks, 4096, telemetry}) {}

void AtmExecution::setup() {
    spec = engine.register_spec(atm::withdrawal_spec(bank));
    requests = atm::demo_requests(bank, kRequests, 0xa7a7);
}

void AtmExecution::operator()() {
    const atm::Request& r = requests[next++ & (kRequests - 1)];
    const CaseId id = atm::open_withdrawal(engine, spec, r);
    tally.add(engine.run(id));
    dispensed += engine.store().read(id, atm::dispensed);
    engine.close_case(id);
}

std::vector<WorkloadMetric> AtmExecution::metrics() const {
    std::vector<WorkloadMetric> out = tally.metrics();
    out.push_back({"withdrawals", static_cast<double>(bank.withdrawals), "count"});
    out.push_back({"declines", static_cast<double>(bank.declines), "count"});
    if (engine.telemetry()) {
        const auto spans = span_metrics(engine);
        out.insert(out.end(), spans.begin(), spans.end());
    }
    return out;
}

SwiftExecution::SwiftExecution(bool telemetry)
    : engine(EngineConfig{16, swift::kVariables, swift::kTasks, 4096, telemetry}) {}

void SwiftExecution::setup() {
    swift::fill_inbox(network, kMessages, 0x5111f7);
    spec = engine.register_spec(swift::payment_spec(network));
}

void SwiftExecution::operator()() {
    const CaseId id = swift::open_payment(engine, spec, next++ & (kMessages - 1));
    tally.add(engine.run(id));
    settled += engine.store().read(id, swift::settled);
    engine.close_case(id);
}

std::vector<WorkloadMetric> SwiftExecution::metrics() const {
    std::vector<WorkloadMetric> out = tally.metrics();
    out.push_back({"confirmations", static_cast<double>(network.confirmations), "count"});
    out.push_back({"rejections", static_cast<double>(network.rejections), "count"});
    if (engine.telemetry()) {
        const auto spans = span_metrics(engine);
        out.insert(out.end(), spans.begin(), spans.end());
    }
    return out;
}

PayrollExecution::PayrollExecution(std::size_t employee_count, bool telemetry)
    : employees(employee_count),
      company(payroll::demo_company(employee_count, 0x9a7)),
      engine(EngineConfig{4, payroll::kVariables, payroll::kTasks, 8192, telemetry}) {}

void PayrollExecution::setup() { spec = engine.register_spec(payroll::payslip_spec(company)); }

void PayrollExecution::operator()() {
    last = payroll::run_period(engine, spec, company);
    ++periods;
    tally.cases += company.employees.size();
    tally.failed += last.failed_cases;
    tally.tasks_completed += last.tasks_completed;
    tally.tasks_skipped += last.tasks_skipped;
}

std::vector<WorkloadMetric> PayrollExecution::metrics() const {
    std::vector<WorkloadMetric> out = tally.metrics();
    out.push_back({"employees", static_cast<double>(employees), "count"});
    out.push_back({"periods", static_cast<double>(periods), "count"});
    out.push_back({"payslips_last_period", static_cast<double>(last.payslips), "count"});
    out.push_back({"ledger_balanced", company.ledger.debits() == company.ledger.credits() ? 1.0 : 0.0, "count"});
    if (engine.telemetry()) {
        const auto spans = span_metrics(engine);
        out.insert(out.end(), spans.begin(), spans.end());
    }
    return out;
}

}  // namespace perfbench::workloads::workflow
