// Memory: live-memory growth of a workflow engine over a sustained run.
//
// Allocations and bytes per operation are reported by every node and workflow workload
// (AllocationMeter). This one runs the linear workflow continuously the way a service
// does, keeping a bounded history of recent executions, and samples the live bytes of
// everything on TrackingAllocator at fixed checkpoints. A least-squares line through the
// checkpoints gives the growth rate; a bounded engine shows a slope of ~0 once the
// history is full. `leak_bytes` injects a known leak (a string of that size kept per
// execution in a log that is never trimmed), so the detector can be shown to measure it.
#include <chrono>
#include <cmath>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "allocation_meter.hpp"
#include "registration.hpp"
#include "workflows.hpp"

namespace perfbench::workloads::nodes {

namespace {

using Clock = std::chrono::steady_clock;

struct Checkpoint {
    double seconds;      // since the first checkpoint
    double operations;   // executions since the first checkpoint
    double live_bytes;   // TrackingAllocator bytes allocated and not yet freed
};

// Slope of y over x by ordinary least squares; 0 when x does not vary.
template <class X, class Y>
double least_squares_slope(const std::vector<Checkpoint>& points, X x_of, Y y_of) {
    const double n = static_cast<double>(points.size());
    double mean_x = 0, mean_y = 0;
    for (const auto& p : points) {
        mean_x += x_of(p);
        mean_y += y_of(p);
    }
    mean_x /= n;
    mean_y /= n;
    double sxy = 0, sxx = 0;
    for (const auto& p : points) {
        sxy += (x_of(p) - mean_x) * (y_of(p) - mean_y);
        sxx += (x_of(p) - mean_x) * (x_of(p) - mean_x);
    }
    return sxx > 0 ? sxy / sxx : 0.0;
}

struct MemoryGrowthBody {
    struct HistoryEntry {
        std::uint64_t execution_id = 0;
        bool completed = false;
        String record;
    };

    std::size_t leak_bytes, history_size, checkpoint_every;
    std::unique_ptr<Workflow> workflow = linear_workflow();
    Executor executor{*workflow};
    Value payload = parsed_order();
    ExecutionResult result;
    tracked_vector<HistoryEntry> history;  // ring of the last history_size executions
    tracked_vector<String> leaked;         // only grows when leak_bytes > 0
    std::uint64_t executions = 0;
    // The measurement's own storage is on the standard allocator: it must not count
    // towards the live bytes it measures.
    std::vector<Checkpoint> checkpoints;
    Clock::time_point first_checkpoint_at{};
    std::uint64_t first_checkpoint_ops = 0;
    AllocationMeter meter;

    MemoryGrowthBody(std::size_t leak, std::size_t history_entries, std::size_t every)
        : leak_bytes(leak), history_size(history_entries), checkpoint_every(every) {
        history.resize(history_size);
        // Fill the history once so that the run starts in steady state: every later
        // execution replaces an entry instead of adding one.
        for (std::size_t i = 0; i < history_size; ++i) execute();
        checkpoints.reserve(1 << 16);
    }

    void execute() {
        executor.run(payload, result, executions);
        if (!result.completed) throw std::runtime_error("linear workflow failed during the memory run");
        HistoryEntry& entry = history[executions % history_size];
        entry.execution_id = executions;
        entry.completed = result.completed;
        entry.record = payload.find("record")->as_string();
        if (leak_bytes > 0) leaked.emplace_back(leak_bytes, 'x');
        ++executions;
    }

    void checkpoint() {
        const auto now = Clock::now();
        if (checkpoints.empty()) {
            first_checkpoint_at = now;
            first_checkpoint_ops = executions;
        }
        checkpoints.push_back({std::chrono::duration<double>(now - first_checkpoint_at).count(),
                               static_cast<double>(executions - first_checkpoint_ops),
                               static_cast<double>(allocation_stats().live_bytes())});
    }

    void operator()() {
        execute();
        if (executions % checkpoint_every == 0) checkpoint();
    }
    template <class Repeat>
    void run_batch(std::uint64_t n, Repeat repeat) {
        meter.metered(n, repeat, *this);
    }

    std::vector<WorkloadMetric> metrics() const {
        auto out = meter.metrics();
        out.push_back({"checkpoints", static_cast<double>(checkpoints.size()), "count"});
        if (checkpoints.size() < 3) return out;  // too few points for a slope
        const double per_second = least_squares_slope(
            checkpoints, [](const Checkpoint& c) { return c.seconds; }, [](const Checkpoint& c) { return c.live_bytes; });
        const double per_op = least_squares_slope(
            checkpoints, [](const Checkpoint& c) { return c.operations; }, [](const Checkpoint& c) { return c.live_bytes; });
        // Extrapolated: the slope measured over `observed_span`, assumed to hold for an hour.
        const double per_hour = per_second * 3600.0;
        out.push_back({"growth_bytes_per_s", per_second, "bytes_per_s"});
        out.push_back({"growth_bytes_per_hour", per_hour, "bytes"});
        out.push_back({"growth_mb_per_hour", per_hour / 1e6, "ratio"});  // MB = 10^6 bytes
        out.push_back({"growth_bytes_per_op", per_op, "bytes"});
        out.push_back({"observed_span", checkpoints.back().seconds * 1e9, "ns"});
        out.push_back({"observed_operations", checkpoints.back().operations, "count"});
        out.push_back({"live_bytes_last", checkpoints.back().live_bytes, "bytes"});
        return out;
    }

    static double metric(const std::vector<WorkloadMetric>& metrics, const std::string& name) {
        for (const auto& m : metrics)
            if (m.name == name) return m.value;
        return std::nan("");
    }

    std::string self_check() {
        // A bounded run must show no growth per execution; an injected leak of L bytes per
        // execution must show L plus the never-trimmed log's own share (a 32-byte string
        // header, amortised over the vector's doubling: at most ~2 x 32 bytes).
        for (const std::size_t leak : {std::size_t{0}, std::size_t{1000}}) {
            MemoryGrowthBody probe(leak, 200, 16);
            for (int i = 0; i < 4000; ++i) probe();
            const double per_op = metric(probe.metrics(), "growth_bytes_per_op");
            const double low = static_cast<double>(leak), high = leak == 0 ? 1.0 : static_cast<double>(leak) + 100.0;
            if (!(per_op >= low - 1.0 && per_op <= high))
                return "with leak_bytes=" + std::to_string(leak) + " the measured growth is " + std::to_string(per_op) +
                       " bytes per execution, expected " + std::to_string(low) + ".." + std::to_string(high);
        }
        return {};
    }
};

}  // namespace

void register_node_memory_workloads(WorkloadCatalog& catalog) {
    catalog.add({"nodes.memory_growth", "nodes",
                 "sustained run: one linear-workflow execution kept in a bounded history of `history`; live bytes "
                 "sampled every `checkpoint_every` executions; `leak_bytes` injects a known leak per execution",
                 {{"leak_bytes", 0}, {"history", 1000}, {"checkpoint_every", 64}},
                 [](const WorkloadParams& p) -> std::unique_ptr<Workload> {
                     return std::make_unique<BodyWorkload<MemoryGrowthBody>>(
                         static_cast<std::size_t>(integer_param(p, "leak_bytes", 0, 1 << 24)),
                         static_cast<std::size_t>(integer_param(p, "history", 1, 1 << 20)),
                         static_cast<std::size_t>(integer_param(p, "checkpoint_every", 1, 1 << 20)));
                 }});
}

}  // namespace perfbench::workloads::nodes
