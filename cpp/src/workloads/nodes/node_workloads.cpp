// Node processing: one iteration is one node execution (input check, process, output
// check, as the executor runs it), so with per-iteration sampling p99 is per execution.
#include <chrono>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>

#include "perfbench/compiler_barrier.hpp"
#include "perfbench/histogram.hpp"
#include "workloads/splitmix64.hpp"
#include "allocation_meter.hpp"
#include "crc32.hpp"
#include "json.hpp"
#include "kinds.hpp"
#include "order.hpp"
#include "registration.hpp"
#include "workflows.hpp"

namespace perfbench::workloads::nodes {

namespace {

std::string_view view(const String& s) { return {s.data(), s.size()}; }

// Printable pseudo-random text, the same for a given size and seed.
String random_text(std::size_t bytes, std::uint64_t seed) {
    String text(bytes, ' ');
    for (auto& c : text) c = static_cast<char>(' ' + splitmix64(seed) % 95);
    return text;
}

Value record_with(std::string_view key, Value value) {
    Value record = Value::object();
    record.set(key, std::move(value));
    return record;
}

[[noreturn]] void node_failed(const Node& node, const NodeStatus& status) {
    throw std::runtime_error("node '" + node.name() + "' failed during the benchmark: " + std::string(view(status.error())));
}

// Times execute_node on one node and one payload; counts allocations per execution.
class SingleNodeRunner {
public:
    SingleNodeRunner(std::shared_ptr<const Node> node, Value payload)
        : node_(std::move(node)), payload_(std::move(payload)) {}

    NodeStatus execute() {
        NodeStatus status = execute_node(*node_, payload_, output_, context_);
        ++context_.execution_id;
        do_not_optimize(output_);
        return status;
    }
    void operator()() {
        const NodeStatus status = execute();
        if (!status.ok()) node_failed(*node_, status);
    }
    template <class Repeat>
    void run_batch(std::uint64_t n, Repeat repeat) {
        meter_.start();
        repeat(n, [this] { (*this)(); });
        meter_.stop(n);
    }
    std::vector<WorkloadMetric> metrics() const { return meter_.metrics(); }

    const Node& node() const { return *node_; }
    Value& payload() { return payload_; }
    const Value& output() const { return output_; }

private:
    std::shared_ptr<const Node> node_;
    Value payload_;
    Value output_ = Value::object();
    NodeContext context_;
    AllocationMeter meter_;
};

// ---- compute

struct ComputeBody : SingleNodeRunner {
    explicit ComputeBody(std::size_t bytes)
        : SingleNodeRunner(std::make_shared<Crc32Node>("checksum", "text", "crc32"),
                           record_with("text", Value(random_text(bytes, 2024)))) {}

    std::string self_check() {
        if (crc32("123456789") != 0xCBF43926u) return "crc32 of \"123456789\" is not the standard check value CBF43926";
        ComputeBody probe(payload().find("text")->as_string().size());
        if (!probe.execute().ok()) return "the compute node failed";
        const String& text = probe.payload().find("text")->as_string();
        const Value* crc = probe.output().find("crc32", Value::Kind::number);
        if (!crc || crc->as_number() != static_cast<double>(crc32_bitwise(view(text))))
            return "node's CRC-32 differs from the bitwise reference";
        Value empty = Value::object();
        Value out;
        const NodeStatus missing = execute_node(probe.node(), empty, out, {});
        if (missing.ok() || view(missing.error()).find("input 'text'") == std::string_view::npos)
            return "a payload without the input field was not rejected by the input check";
        return {};
    }
};

// ---- file I/O

struct IoBody : SingleNodeRunner {
    std::shared_ptr<const TempDir> directory;
    bool fsync;

    IoBody(std::shared_ptr<const TempDir> dir, bool with_fsync)
        : SingleNodeRunner(std::make_shared<FileIoNode>("spill", dir, "document", "bytes", with_fsync),
                           record_with("document", priced_order_json())),
          directory(std::move(dir)), fsync(with_fsync) {}
    explicit IoBody(bool with_fsync) : IoBody(std::make_shared<TempDir>("perfbench-nodes-io"), with_fsync) {}

    std::string self_check() {
        IoBody probe(fsync);
        for (int i = 0; i < 3; ++i) {
            const NodeStatus status = probe.execute();
            if (!status.ok()) return "file I/O node failed: " + std::string(view(status.error()));
        }
        const Value* bytes = probe.output().find("bytes", Value::Kind::number);
        if (!bytes || bytes->as_number() != static_cast<double>(priced_order_json().size()))
            return "file I/O node reported a byte count other than the document's size";
        const std::filesystem::path dir(probe.directory->path());
        if (dir.parent_path() != scratch_root())
            return "the I/O node's directory is not under the scratch root";
        if (!std::filesystem::is_empty(dir)) return "the I/O node left files behind";
        std::string removed = probe.directory->path();
        probe = IoBody(false);  // drops the last reference to the first directory
        if (std::filesystem::exists(removed)) return "the temp dir was not removed with its owner";
        return {};
    }
};

// ---- JSON transform

struct JsonTransformBody : SingleNodeRunner {
    JsonTransformBody()
        : SingleNodeRunner(std::make_shared<JsonTransformNode>("transform", "order_json", "priced_json"),
                           record_with("order_json", order_document_json())) {}

    std::string self_check() {
        JsonTransformBody probe;
        const NodeStatus status = probe.execute();
        if (!status.ok()) return "JSON transform failed: " + std::string(view(status.error()));
        const Value* out = probe.output().find("priced_json", Value::Kind::string);
        if (!out || view(out->as_string()) != priced_order_json())
            return "the transformed document differs from the expected one";
        // Serialising the parsed output again must reproduce it byte for byte.
        if (view(to_json(parse_json(view(out->as_string())))) != priced_order_json())
            return "parse -> serialise of the output is not the identity";
        // Malformed input and an invalid order are failures the node reports, not crashes.
        probe.payload().set("order_json", R"({"order_id": "x", "items": [1, 2,]})");
        const NodeStatus malformed = probe.execute();
        if (malformed.ok() || view(malformed.error()).find("at byte 33") == std::string_view::npos)
            return "malformed JSON was not reported with its position";
        probe.payload().set("order_json", R"({"order_id": "x"})");
        const NodeStatus invalid = probe.execute();
        if (invalid.ok() || view(invalid.error()) != "customer.email must be a string")
            return "an order without a customer was not rejected by validation";
        // Escapes and Unicode survive a round trip.
        const std::string_view tricky = R"({"s":"a\"b\\c\/d\b\f\n\r\t\u0001\u00e9\u20ac\ud83d\ude00","n":[-0.5,1e+300,0,-12]})";
        const std::string_view expected =
            "{\"s\":\"a\\\"b\\\\c/d\\b\\f\\n\\r\\t\\u0001\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\",\"n\":[-0.5,1e+300,0,-12]}";
        if (view(to_json(parse_json(tricky))) != expected) return "escapes or numbers do not round-trip";
        return {};
    }
};

// ---- router

struct RouterBody {
    // Four priced orders, cycled so that every route is taken: express, standard, review
    // (by risk score), review (by total; also express, so the route order is exercised).
    static constexpr int kExpected[4] = {kRouteExpress, kRouteStandard, kRouteReview, kRouteReview};
    std::shared_ptr<const RouterNode> router = make_order_router();
    std::array<Value, 4> payloads;
    Value output = Value::object();
    std::uint64_t next = 0;
    std::array<std::uint64_t, 3> taken{};
    AllocationMeter meter;

    RouterBody() {
        payloads = {order_variant(OrderVariant::express), order_variant(OrderVariant::standard),
                    order_variant(OrderVariant::review), order_variant(OrderVariant::express)};
        payloads[3].find("items")->as_array()[2].set("quantity", 10);  // ten monitors: total above 2,000
        for (Value& payload : payloads)
            if (price_order(payload)) throw std::logic_error("router payload could not be priced");
    }
    int route_once() {
        const NodeStatus status = execute_node(*router, payloads[next++ & 3], output, {});
        if (!status.ok()) node_failed(*router, status);
        ++taken[static_cast<std::size_t>(status.route())];
        return status.route();
    }
    void operator()() { do_not_optimize(route_once()); }
    template <class Repeat>
    void run_batch(std::uint64_t n, Repeat repeat) {
        meter.metered(n, repeat, *this);
    }
    std::vector<WorkloadMetric> metrics() const {
        auto out = meter.metrics();
        for (std::size_t r = 0; r < taken.size(); ++r)
            out.push_back({"route_" + router->routes()[r].name, static_cast<double>(taken[r]), "count"});
        return out;
    }
    std::string self_check() {
        RouterBody probe;
        for (int round = 0; round < 2; ++round)
            for (int i = 0; i < 4; ++i) {
                const int route = probe.route_once();
                if (route != kExpected[i]) return "input " + std::to_string(i) + " took route " + std::to_string(route);
                const Value* name = probe.output.find("route", Value::Kind::string);
                if (!name || view(name->as_string()) != probe.router->routes()[static_cast<std::size_t>(route)].name)
                    return "the router wrote another route name than the one it took";
            }
        if (probe.taken[kRouteReview] != 4 || probe.taken[kRouteExpress] != 2 || probe.taken[kRouteStandard] != 2)
            return "route counts differ from the inputs' expected routes";
        return {};
    }
};

// ---- parallel

// Four compute nodes as one parallel step: on a pool, or (parallel = 0) one after the
// other on the caller, through the same executor code.
struct ParallelBody {
    static constexpr int kBranches = 4;
    std::size_t bytes;
    bool parallel;
    unsigned workers;
    std::unique_ptr<ThreadPool> pool;
    Workflow workflow{"parallel"};
    std::unique_ptr<Executor> executor;
    Value payload = Value::object();
    ExecutionResult result;
    std::uint64_t executions = 0, offloaded = 0;
    AllocationMeter meter;

    ParallelBody(std::size_t branch_bytes, bool run_parallel, unsigned pool_workers)
        : bytes(branch_bytes), parallel(run_parallel), workers(pool_workers) {
        std::vector<std::shared_ptr<const Node>> branches;
        for (int i = 0; i < kBranches; ++i) {
            const std::string part = "part" + std::to_string(i);
            payload.set(part, Value(random_text(bytes, 100 + static_cast<std::uint64_t>(i))));
            branches.push_back(std::make_shared<Crc32Node>("checksum_" + part, part, "crc_" + part));
        }
        workflow.add_parallel("checksums", std::move(branches));
        if (parallel) pool = std::make_unique<ThreadPool>(workers);
        executor = std::make_unique<Executor>(workflow, pool.get());
    }
    void operator()() {
        executor->run(payload, result);
        if (!result.completed) throw std::runtime_error("parallel step failed during the benchmark");
        ++executions;
        offloaded += static_cast<std::uint64_t>(result.offloaded_branches);
    }
    template <class Repeat>
    void run_batch(std::uint64_t n, Repeat repeat) {
        meter.metered(n, repeat, *this);
    }
    std::vector<WorkloadMetric> metrics() const {
        auto out = meter.metrics();
        // The caller runs branches too while it waits, so parallel = pool workers + 1.
        out.push_back({"threads", parallel ? static_cast<double>(workers) + 1 : 1.0, "count"});
        // How much of the step the pool actually took: branches run by a worker rather than
        // by the caller. Without a free core the caller ends up running everything itself.
        out.push_back({"offloaded_fraction",
                       executions ? static_cast<double>(offloaded) / static_cast<double>(executions * kBranches) : 0.0,
                       "fraction"});
        return out;
    }
    std::string self_check() {
        ParallelBody probe(bytes, parallel, workers);
        for (int round = 0; round < 3; ++round) {
            probe();
            for (int i = 0; i < kBranches; ++i) {
                const std::string part = "part" + std::to_string(i);
                const Value* crc = probe.payload.find("crc_" + part, Value::Kind::number);
                if (!crc || crc->as_number() != static_cast<double>(crc32_bitwise(view(probe.payload.find(part)->as_string()))))
                    return "branch " + std::to_string(i) + " produced a wrong or no checksum";
            }
            if (probe.result.path.size() != 1 || !probe.result.errors.empty()) return "the parallel step's record is wrong";
        }
        return {};
    }
};

// ---- async

// Completion-based: the node's work runs on its completion thread, which signals the
// caller's Completion; one iteration is submit -> caller resumed. Two histograms split it:
// handoff (submit -> completion signalled, on the other thread) and wake-up (signalled ->
// caller running again).
struct AsyncBody {
    std::size_t bytes;
    Value payload;
    Value output = Value::object();
    AsyncCall call;
    // Declared after the call so that it is destroyed first: its completion thread is
    // joined before the call it may still be signalling goes away.
    std::unique_ptr<AsyncCrc32Node> node = std::make_unique<AsyncCrc32Node>("async_checksum", "text", "crc32");
    LatencyHistogram handoff, wakeup;
    AllocationMeter meter;

    explicit AsyncBody(std::size_t payload_bytes)
        : bytes(payload_bytes), payload(record_with("text", Value(random_text(payload_bytes, 77)))) {
        call.input = &payload;
        call.output = &output;
    }
    void operator()() {
        node->start(call);
        call.completion.wait();
        const auto resumed = Completion::Clock::now();
        if (!call.completion.status().ok()) throw std::runtime_error("async node failed during the benchmark");
        handoff.record(static_cast<std::uint64_t>((call.completion.completed_at() - call.submitted_at).count()));
        wakeup.record(static_cast<std::uint64_t>((resumed - call.completion.completed_at()).count()));
        ++call.context.execution_id;
    }
    template <class Repeat>
    void run_batch(std::uint64_t n, Repeat repeat) {
        meter.metered(n, repeat, *this);
    }
    std::vector<WorkloadMetric> metrics() const {
        auto out = meter.metrics();
        for (auto& m : histogram_metrics("handoff", handoff)) out.push_back(std::move(m));
        for (auto& m : histogram_metrics("wakeup", wakeup)) out.push_back(std::move(m));
        return out;
    }
    std::string self_check() {
        AsyncBody probe(bytes);
        for (int i = 0; i < 5; ++i) probe();
        if (probe.call.completion.completed_on() == std::this_thread::get_id())
            return "the async node completed on the submitting thread";
        const Value* crc = probe.output.find("crc32", Value::Kind::number);
        if (!crc || crc->as_number() != static_cast<double>(crc32_bitwise(view(probe.payload.find("text")->as_string()))))
            return "the async node's checksum is wrong";
        if (probe.handoff.count() != 5 || probe.wakeup.count() != 5) return "not every completion was timed";
        return {};
    }
};

// ---- error handling

// validate -> accept, or validate --error--> reject. fail = 0: a valid order (happy path);
// 1: an invalid one, validate returns an error; 2: the same, validate throws it.
struct ErrorHandlingBody {
    int fail;
    std::unique_ptr<Workflow> workflow;
    std::unique_ptr<Executor> executor;
    Value payload;
    ExecutionResult result;
    std::uint64_t executions = 0, errors_recorded = 0, handled_failures = 0;
    AllocationMeter meter;

    explicit ErrorHandlingBody(int failure_mode)
        : fail(failure_mode),
          workflow(error_handling_workflow(failure_mode == 2 ? ValidateOrderNode::FailureMode::throw_exception
                                                             : ValidateOrderNode::FailureMode::return_error)),
          executor(std::make_unique<Executor>(*workflow)),
          payload(order_variant(failure_mode ? OrderVariant::invalid : OrderVariant::express)) {}

    void operator()() {
        executor->run(payload, result, executions++);
        if (!result.completed) throw std::runtime_error("error-handling workflow did not complete");
        errors_recorded += result.errors.size();
        handled_failures += result.errors.empty() ? 0 : 1;
    }
    template <class Repeat>
    void run_batch(std::uint64_t n, Repeat repeat) {
        meter.metered(n, repeat, *this);
    }
    std::vector<WorkloadMetric> metrics() const {
        auto out = meter.metrics();
        out.push_back({"executions", static_cast<double>(executions), "count"});
        out.push_back({"errors_recorded", static_cast<double>(errors_recorded), "count"});
        out.push_back({"handled_failures", static_cast<double>(handled_failures), "count"});
        return out;
    }
    std::string self_check() {
        ErrorHandlingBody probe(fail);
        for (int i = 0; i < 3; ++i) probe();
        const Value* status = probe.payload.find("status", Value::Kind::string);
        if (fail == 0) {
            if (probe.result.path != tracked_vector<StepId>{0, 1} || !probe.result.errors.empty())
                return "the happy path did not run validate -> accept without errors";
            if (!status || view(status->as_string()) != "accepted") return "a valid order was not accepted";
            return {};
        }
        if (probe.result.path != tracked_vector<StepId>{0, 2} || probe.result.errors.size() != 1)
            return "the failure did not take the error edge to reject with one recorded error";
        const std::string_view message = view(probe.result.errors.front().message);
        const bool thrown = message.find("validate threw: ") == 0;
        if (thrown != (fail == 2) || message.find(kInvalidOrderReason) == std::string_view::npos)
            return "the recorded error is not validate's: " + std::string(message);
        const Value* reason = probe.payload.find("rejection_reason", Value::Kind::string);
        if (!status || view(status->as_string()) != "rejected" || !reason || view(reason->as_string()) != message)
            return "the handler did not reject the order with the recorded error";
        if (probe.handled_failures != 3 || probe.errors_recorded != 3) return "failures were not all counted";
        return {};
    }
};

}  // namespace

void register_node_processing_workloads(WorkloadCatalog& catalog) {
    catalog.add({"nodes.compute", "nodes", "compute node: CRC-32 over a `bytes`-long text field (CPU-bound)",
                 {{"bytes", 16384}}, [](const WorkloadParams& p) -> std::unique_ptr<Workload> {
                     return std::make_unique<BodyWorkload<ComputeBody>>(
                         static_cast<std::size_t>(integer_param(p, "bytes", 1, 1 << 26)));
                 }});
    catalog.add({"nodes.io", "nodes",
                 "I/O node: write the priced order (~2.8 KB) to a new file in a private temp dir, read it back, "
                 "verify, unlink (fsync=1: fsync before close)",
                 {{"fsync", 0}}, [](const WorkloadParams& p) -> std::unique_ptr<Workload> {
                     return std::make_unique<BodyWorkload<IoBody>>(integer_param(p, "fsync", 0, 1) == 1);
                 }});
    catalog.add({"nodes.json_transform", "nodes",
                 "JSON transform node: parse a ~2.5 KB order, validate, apply the discount to every item, add totals, "
                 "serialise",
                 {}, [](const WorkloadParams&) -> std::unique_ptr<Workload> {
                     return std::make_unique<BodyWorkload<JsonTransformBody>>();
                 }});
    catalog.add({"nodes.router", "nodes",
                 "router node: choose review / express / standard from payload fields, cycling four orders",
                 {}, [](const WorkloadParams&) -> std::unique_ptr<Workload> {
                     return std::make_unique<BodyWorkload<RouterBody>>();
                 }});
    catalog.add({"nodes.parallel", "nodes",
                 "parallel step of 4 compute nodes (CRC-32 of `bytes` each) on a pool of `workers` (0: one per core, "
                 "minus the caller, which runs branches too); parallel=0 runs them in turn",
                 {{"bytes", 16384}, {"parallel", 1}, {"workers", 0}},
                 [](const WorkloadParams& p) -> std::unique_ptr<Workload> {
                     const long workers = integer_param(p, "workers", 0, 64);
                     // The caller helps: with W cores, W - 1 workers + the caller fill them.
                     const unsigned pool_workers = workers > 0 ? static_cast<unsigned>(workers)
                                                               : std::max(1u, resolve_workers(0) - 1);
                     return std::make_unique<BodyWorkload<ParallelBody>>(
                         static_cast<std::size_t>(integer_param(p, "bytes", 1, 1 << 26)),
                         integer_param(p, "parallel", 0, 1) == 1, pool_workers);
                 }});
    catalog.add({"nodes.async", "nodes",
                 "async node: submit a CRC-32 of `bytes` to the node's completion thread, resume on its completion "
                 "signal",
                 {{"bytes", 1024}}, [](const WorkloadParams& p) -> std::unique_ptr<Workload> {
                     return std::make_unique<BodyWorkload<AsyncBody>>(
                         static_cast<std::size_t>(integer_param(p, "bytes", 1, 1 << 26)));
                 }});
    catalog.add({"nodes.error_handling", "nodes",
                 "validate -> accept, or on error -> reject: fail=0 valid order, 1 invalid (returned error), "
                 "2 invalid (thrown exception)",
                 {{"fail", 0}}, [](const WorkloadParams& p) -> std::unique_ptr<Workload> {
                     return std::make_unique<BodyWorkload<ErrorHandlingBody>>(
                         static_cast<int>(integer_param(p, "fail", 0, 2)));
                 }});
}

}  // namespace perfbench::workloads::nodes
