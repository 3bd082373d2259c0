// Workflow execution: a linear workflow, a complex one (routing, parallel branches, file
// I/O, an error edge), 1,000 concurrent executions, and recovery by retry.
#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>

#include "perfbench/compiler_barrier.hpp"
#include "perfbench/histogram.hpp"
#include "allocation_meter.hpp"
#include "crc32.hpp"
#include "order.hpp"
#include "registration.hpp"
#include "workflows.hpp"

namespace perfbench::workloads::nodes {

namespace {

using Clock = std::chrono::steady_clock;

std::string_view view(const String& s) { return {s.data(), s.size()}; }

std::uint64_t ns_between(Clock::time_point from, Clock::time_point to) {
    const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(to - from).count();
    return ns > 0 ? static_cast<std::uint64_t>(ns) : 0;
}

std::string string_at(const Value& payload, std::string_view key) {
    const Value* v = payload.find(key, Value::Kind::string);
    return v ? std::string(view(v->as_string())) : std::string("<absent>");
}

// What every variant's execution of the complex workflow must leave in its payload.
std::string check_complex_outcome(const ComplexWorkflow& complex, OrderVariant variant, const Value& payload,
                                  const ExecutionResult& result) {
    using K = Value::Kind;
    const auto expected = complex.expected_path(variant);
    if (!result.completed) return "an execution did not complete";
    if (std::vector<StepId>(result.path.begin(), result.path.end()) != expected)
        return "an execution took another path than its order's route";
    if (variant == OrderVariant::invalid) {
        if (string_at(payload, "status") != "rejected" || string_at(payload, "rejection_reason") != kInvalidOrderReason)
            return "the invalid order was not rejected with validate's reason";
        return result.errors.size() == 1 ? "" : "the invalid order's error was not recorded once";
    }
    if (!result.errors.empty()) return "a valid order recorded errors";
    const Value* record = payload.find("record", K::string);
    const Value* digest = payload.find("digest", K::number);
    const Value* persisted = payload.find("persisted_bytes", K::number);
    if (!record || !digest || digest->as_number() != static_cast<double>(crc32_bitwise(view(record->as_string()))))
        return "the summary record or its digest is wrong";
    if (!persisted || persisted->as_number() != static_cast<double>(record->as_string().size()))
        return "the persisted byte count differs from the record's size";
    switch (variant) {
        case OrderVariant::express:
            if (string_at(payload, "route") != "express" || !payload.find("dispatch_priority", K::number))
                return "the express order was not prioritised";
            // gold tier (3 * 10) + floor(1044.75 / 250) = 34
            return payload.find("dispatch_priority")->as_number() == 34 ? "" : "wrong dispatch priority";
        case OrderVariant::standard: {
            if (string_at(payload, "route") != "standard") return "the standard order took another route";
            const Value* vat = payload.find("vat", K::number);
            const Value* backordered = payload.find("backordered", K::array);
            // VAT contained in 1,037.25 EUR of goods at the German 19 %: 165.61.
            if (!vat || vat->as_number() != 165.61) return "the tax branch computed the wrong VAT";
            if (!payload.find("fraud_score", K::number)) return "the fraud branch produced no score";
            if (!backordered || backordered->as_array().size() != 1 ||
                view(backordered->as_array()[0].as_string()) != "MN-2701")
                return "the inventory branch did not back-order the out-of-stock monitor";
            return {};
        }
        case OrderVariant::review:
            return string_at(payload, "route") == "review" && string_at(payload, "review_queue") == "manual"
                       ? ""
                       : "the risky order was not queued for review";
        case OrderVariant::invalid: break;
    }
    return {};
}

// ---- linear

struct LinearBody {
    std::unique_ptr<Workflow> workflow = linear_workflow();
    Executor executor{*workflow};
    // Re-running on its own result is the same execution (each node replaces its outputs
    // and reads no output of its own), so one payload serves every iteration.
    Value payload = parsed_order();
    ExecutionResult result;
    std::uint64_t executions = 0;
    AllocationMeter meter;

    void operator()() {
        executor.run(payload, result, executions++);
        if (!result.completed) throw std::runtime_error("linear workflow failed during the benchmark");
    }
    template <class Repeat>
    void run_batch(std::uint64_t n, Repeat repeat) {
        meter.metered(n, repeat, *this);
    }
    std::vector<WorkloadMetric> metrics() const { return meter.metrics(); }
    std::string self_check() {
        LinearBody probe;
        probe();
        const std::string first = string_at(probe.payload, "record");
        probe();
        if (probe.result.path != tracked_vector<StepId>{0, 1, 2} || !probe.result.errors.empty())
            return "the linear workflow did not run validate -> price -> summarise";
        if (string_at(probe.payload, "record") != first) return "a second execution produced another record";
        // The priced items and totals must equal what pricing the document directly gives.
        Value reference = parsed_order();
        price_order(reference);
        if (!(*probe.payload.find("items") == *reference.find("items")) ||
            !(*probe.payload.find("totals") == *reference.find("totals")))
            return "the workflow's pricing differs from pricing the order directly";
        const std::string expected_record =
            R"({"order_id":"ORD-2024-000187","status":"priced","lines":[["KB-1042",1,110.42],["MS-2210",2,59.42],)"
            R"(["MN-2701",1,245.65],["CB-0033",4,33.96],["HD-5120",1,135.15],["WC-0808",1,54.83],)"
            R"(["DK-9000",1,169.99],["LS-0412",1,38.25],["MP-1111",3,31.86],["GC-0050",1,42.5],)"
            R"(["SP-3003",1,67.96],["HB-0707",2,47.26]],"total":1044.75})";
        if (first != expected_record) return "the summary record differs from the expected receipt: " + first;
        return {};
    }
};

// ---- complex

struct ComplexBody {
    bool parallel;
    unsigned workers;
    std::shared_ptr<const TempDir> directory = std::make_shared<TempDir>("perfbench-nodes-workflow");
    ComplexWorkflow complex = complex_workflow(directory);
    std::unique_ptr<ThreadPool> pool;
    std::unique_ptr<Executor> executor;
    std::array<Value, kOrderVariants.size()> payloads;
    ExecutionResult result;
    std::uint64_t executions = 0, handled_failures = 0;
    AllocationMeter meter;

    ComplexBody(bool run_parallel, unsigned pool_workers) : parallel(run_parallel), workers(pool_workers) {
        if (parallel) pool = std::make_unique<ThreadPool>(workers);
        executor = std::make_unique<Executor>(*complex.workflow, pool.get());
        for (std::size_t i = 0; i < payloads.size(); ++i) payloads[i] = order_variant(kOrderVariants[i]);
    }
    // Cycles the four orders: every path (review, express, parallel checks, error edge) runs.
    std::size_t run_next() {
        const std::size_t variant = executions % payloads.size();
        executor->run(payloads[variant], result, executions++);
        if (!result.completed) throw std::runtime_error("complex workflow failed during the benchmark");
        handled_failures += result.errors.empty() ? 0 : 1;
        return variant;
    }
    void operator()() { do_not_optimize(run_next()); }
    template <class Repeat>
    void run_batch(std::uint64_t n, Repeat repeat) {
        meter.metered(n, repeat, *this);
    }
    std::vector<WorkloadMetric> metrics() const {
        auto out = meter.metrics();
        out.push_back({"executions", static_cast<double>(executions), "count"});
        out.push_back({"handled_failures", static_cast<double>(handled_failures), "count"});
        return out;
    }
    std::string self_check() {
        ComplexBody probe(parallel, workers);
        for (int round = 0; round < 2; ++round)
            for (std::size_t i = 0; i < kOrderVariants.size(); ++i) {
                const std::size_t variant = probe.run_next();
                std::string problem =
                    check_complex_outcome(probe.complex, kOrderVariants[variant], probe.payloads[variant], probe.result);
                if (!problem.empty()) return problem;
            }
        return probe.handled_failures == 2 ? "" : "the invalid orders were not counted as handled failures";
    }
};

// ---- concurrent executions

// One iteration is one round: `workflows` executions of the complex workflow submitted at
// once to a pool of `workers` (the orders cycle through the four variants). Each execution
// starts from a fresh copy of its order, as a new request would. Latency is submit ->
// finished (it includes the wait in the pool's queue); service time is started -> finished.
class ConcurrentWorkflows final : public Workload {
public:
    ConcurrentWorkflows(std::size_t workflows, unsigned workers) : workflows_(workflows), workers_(workers) {}

    void setup() override {
        directory_ = std::make_shared<TempDir>("perfbench-nodes-concurrent");
        complex_ = complex_workflow(directory_);
        pool_ = std::make_unique<ThreadPool>(workers_);
        // Parallel steps share the same pool: one engine, one pool. The executor's
        // help-while-waiting keeps nested steps from deadlocking it.
        executor_ = std::make_unique<Executor>(*complex_.workflow, pool_.get());
        for (std::size_t i = 0; i < templates_.size(); ++i) templates_[i] = order_variant(kOrderVariants[i]);
        slots_ = std::vector<Slot>(workflows_);
    }

    bool run(std::uint64_t iterations) override {
        for (std::uint64_t i = 0; i < iterations; ++i) round();
        return true;
    }

    std::string self_check() override {
        ConcurrentWorkflows probe(std::min<std::size_t>(workflows_, 200), workers_);
        probe.setup();
        probe.round();
        for (std::size_t i = 0; i < probe.slots_.size(); ++i) {
            const Slot& slot = probe.slots_[i];
            std::string problem = check_complex_outcome(probe.complex_, kOrderVariants[i % kOrderVariants.size()],
                                                        slot.payload, slot.result);
            if (!problem.empty()) return "execution " + std::to_string(i) + ": " + problem;
        }
        if (probe.latency_.count() != probe.slots_.size() || probe.completed_ != probe.slots_.size())
            return "not every execution was counted";
        return {};
    }

    std::vector<WorkloadMetric> metrics() const override {
        std::vector<WorkloadMetric> out = meter_.metrics();
        const double seconds = static_cast<double>(round_ns_) / 1e9;
        // Throughput: executions completed / wall time of the rounds that ran them.
        out.push_back({"workflows_per_s", seconds > 0 ? static_cast<double>(completed_) / seconds : 0, "per_s"});
        out.push_back({"workflows_per_round", static_cast<double>(workflows_), "count"});
        out.push_back({"completed", static_cast<double>(completed_), "count"});
        out.push_back({"failed", static_cast<double>(failed_), "count"});
        out.push_back({"workers", static_cast<double>(workers_), "count"});
        for (auto& m : histogram_metrics("latency", latency_)) out.push_back(std::move(m));
        for (auto& m : histogram_metrics("service", service_)) out.push_back(std::move(m));
        return out;
    }

private:
    struct Slot {
        Value payload;
        ExecutionResult result;
        Clock::time_point submitted, started, finished;
    };

    void execute(std::size_t index) {
        Slot& slot = slots_[index];
        slot.started = Clock::now();
        slot.payload = templates_[index % templates_.size()];
        executor_->run(slot.payload, slot.result, next_id_ + index);
        slot.finished = Clock::now();
    }

    void round() {
        meter_.start();
        const auto began = Clock::now();
        for (std::size_t i = 0; i < slots_.size(); ++i) {
            slots_[i].submitted = Clock::now();
            pool_->submit([this, i] { execute(i); });
        }
        pool_->wait_idle();
        round_ns_ += ns_between(began, Clock::now());
        meter_.stop(slots_.size());
        next_id_ += slots_.size();
        for (const Slot& slot : slots_) {
            latency_.record(ns_between(slot.submitted, slot.finished));
            service_.record(ns_between(slot.started, slot.finished));
            if (slot.result.completed)
                ++completed_;
            else
                ++failed_;
        }
    }

    std::size_t workflows_;
    unsigned workers_;
    std::shared_ptr<const TempDir> directory_;
    ComplexWorkflow complex_;
    std::unique_ptr<ThreadPool> pool_;
    std::unique_ptr<Executor> executor_;
    std::array<Value, kOrderVariants.size()> templates_;
    std::vector<Slot> slots_;
    std::uint64_t next_id_ = 0, completed_ = 0, failed_ = 0, round_ns_ = 0;
    LatencyHistogram latency_, service_;
    AllocationMeter meter_;
};

// ---- recovery

// validate -> price -> summarise where price fails its first `failures` attempts of every
// execution; the retry policy waits `backoff_us` before the first retry (doubling after).
// Recovery time: the first failure caught -> the execution completed.
struct RecoveryBody {
    int failures, max_attempts;
    std::chrono::nanoseconds backoff;
    std::unique_ptr<Workflow> workflow;
    std::unique_ptr<Executor> executor;
    Value payload = parsed_order();
    ExecutionResult result;
    LatencyHistogram recovery;
    std::uint64_t executions = 0, retries = 0;
    AllocationMeter meter;

    RecoveryBody(int injected_failures, int attempts, std::chrono::nanoseconds first_backoff)
        : failures(injected_failures), max_attempts(attempts), backoff(first_backoff),
          workflow(recovery_workflow(failures, RetryPolicy{max_attempts, backoff, 2.0})),
          executor(std::make_unique<Executor>(*workflow)) {
        if (failures >= max_attempts)
            throw std::invalid_argument("failures must be below max_attempts, or no execution can recover");
    }
    void operator()() {
        executor->run(payload, result, executions++);
        if (!result.completed || result.retries != failures)
            throw std::runtime_error("an execution did not recover after the injected failures");
        recovery.record(ns_between(result.first_failure, result.finished));
        retries += static_cast<std::uint64_t>(result.retries);
    }
    template <class Repeat>
    void run_batch(std::uint64_t n, Repeat repeat) {
        meter.metered(n, repeat, *this);
    }
    std::vector<WorkloadMetric> metrics() const {
        auto out = meter.metrics();
        for (auto& m : histogram_metrics("recovery", recovery)) out.push_back(std::move(m));
        out.push_back({"executions", static_cast<double>(executions), "count"});
        out.push_back({"retries", static_cast<double>(retries), "count"});
        out.push_back({"backoff", static_cast<double>(backoff.count()), "ns"});
        return out;
    }
    std::string self_check() {
        RecoveryBody probe(failures, max_attempts, backoff);
        probe();
        if (probe.result.path != tracked_vector<StepId>{0, 1, 2}) return "a retried step must appear once in the path";
        if (probe.result.errors.size() != static_cast<std::size_t>(failures)) return "not every failed attempt was recorded";
        for (std::size_t i = 0; i < probe.result.errors.size(); ++i)
            if (probe.result.errors[i].attempt != static_cast<int>(i) + 1 ||
                view(probe.result.errors[i].message).find("injected failure") == std::string_view::npos)
                return "a recorded error is not the injected one";
        if (string_at(probe.payload, "status") != "priced" || !probe.payload.find("record"))
            return "the recovered execution did not finish the workflow";
        if (failures > 0 && ns_between(probe.result.first_failure, probe.result.finished) <
                                static_cast<std::uint64_t>(backoff.count()))
            return "recovery was faster than the backoff it must wait";
        // A fault outlasting the policy fails the execution after max_attempts attempts.
        auto exhausted = recovery_workflow(max_attempts, RetryPolicy{max_attempts, std::chrono::nanoseconds(0), 2.0});
        Value order = parsed_order();
        ExecutionResult failed;
        Executor(*exhausted).run(order, failed);
        if (failed.completed || failed.errors.size() != static_cast<std::size_t>(max_attempts) ||
            failed.path != tracked_vector<StepId>{0, 1})
            return "an exhausted retry policy did not fail the execution after its last attempt";
        return {};
    }
};

}  // namespace

void register_workflow_execution_workloads(WorkloadCatalog& catalog) {
    catalog.add({"nodes.workflow_linear", "nodes", "one execution of validate -> price -> summarise on the order",
                 {}, [](const WorkloadParams&) -> std::unique_ptr<Workload> {
                     return std::make_unique<BodyWorkload<LinearBody>>();
                 }});
    catalog.add({"nodes.workflow_complex", "nodes",
                 "one execution of the complex workflow (router; review / express / 3 parallel checks; file I/O; "
                 "error edge), cycling four orders so every path runs; parallel=0 runs branches in turn",
                 {{"parallel", 1}, {"workers", 0}}, [](const WorkloadParams& p) -> std::unique_ptr<Workload> {
                     const long workers = integer_param(p, "workers", 0, 64);
                     const unsigned pool_workers = workers > 0 ? static_cast<unsigned>(workers)
                                                               : std::max(1u, resolve_workers(0) - 1);
                     return std::make_unique<BodyWorkload<ComplexBody>>(integer_param(p, "parallel", 0, 1) == 1,
                                                                        pool_workers);
                 }});
    catalog.add({"nodes.workflow_concurrent", "nodes",
                 "a round of `workflows` concurrent executions of the complex workflow on a pool of `workers` "
                 "(0: one per core); reports throughput and per-workflow latency",
                 {{"workflows", 1000}, {"workers", 0}}, [](const WorkloadParams& p) -> std::unique_ptr<Workload> {
                     return std::make_unique<ConcurrentWorkflows>(
                         static_cast<std::size_t>(integer_param(p, "workflows", 1, 1000000)),
                         resolve_workers(integer_param(p, "workers", 0, 256)));
                 }});
    catalog.add({"nodes.workflow_recovery", "nodes",
                 "one execution of validate -> price -> summarise where price fails its first `failures` attempts "
                 "and is retried after `backoff_us` (doubling), up to `max_attempts`",
                 {{"failures", 1}, {"max_attempts", 3}, {"backoff_us", 100}},
                 [](const WorkloadParams& p) -> std::unique_ptr<Workload> {
                     const auto backoff = std::chrono::nanoseconds(
                         static_cast<std::int64_t>(integer_param(p, "backoff_us", 0, 10'000'000)) * 1000);
                     return std::make_unique<BodyWorkload<RecoveryBody>>(
                         static_cast<int>(integer_param(p, "failures", 0, 100)),
                         static_cast<int>(integer_param(p, "max_attempts", 1, 101)), backoff);
                 }});
}

}  // namespace perfbench::workloads::nodes
