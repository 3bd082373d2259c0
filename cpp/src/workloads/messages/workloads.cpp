#include "workloads.hpp"

#include <algorithm>
#include <cmath>
#include <initializer_list>
#include <stdexcept>

#include "workloads/tracking_allocator.hpp"

namespace perfbench::workloads::messages {

namespace {

std::size_t count_param(const WorkloadParams& params, const std::string& key, double lowest, double highest) {
    const double value = param(params, key);
    if (!(value >= lowest && value <= highest) || value != std::floor(value))
        throw std::invalid_argument(key + " must be a whole number from " + std::to_string(static_cast<long long>(lowest)) +
                                    " to " + std::to_string(static_cast<long long>(highest)) + ", got " +
                                    std::to_string(value));
    return static_cast<std::size_t>(value);
}

unsigned scheduler_param(const WorkloadParams& params) {
    return static_cast<unsigned>(count_param(params, "schedulers", 1, 64));
}

std::size_t payload_param(const WorkloadParams& params) {
    return count_param(params, "payload_bytes", kMinPayloadBytes, kMaxPayloadBytes);
}

void throw_if_wrong(const std::string& workload, const std::string& problem) {
    if (!problem.empty()) throw std::runtime_error(workload + ": " + problem);
}

double bytes_per(std::int64_t bytes, std::size_t count) {
    return count ? static_cast<double>(bytes) / static_cast<double>(count) : 0.0;
}

double ns_per_item(const RoundTotals& totals) {
    return totals.items ? static_cast<double>(totals.ns) / static_cast<double>(totals.items) : 0.0;
}

WorkloadMetric count_metric(std::string name, std::uint64_t value) {
    return {std::move(name), static_cast<double>(value), "count"};
}

}  // namespace

double RoundTotals::median_ns() const {
    if (round_ns.empty()) return 0.0;
    std::vector<std::uint64_t> sorted = round_ns;
    std::sort(sorted.begin(), sorted.end());
    const std::size_t mid = sorted.size() / 2;
    return sorted.size() % 2 ? double(sorted[mid]) : (double(sorted[mid - 1]) + double(sorted[mid])) / 2.0;
}

// ---------------------------------------------------------------- messages.throughput

ThroughputWorkload::ThroughputWorkload(const WorkloadParams& params)
    : senders_(count_param(params, "senders", 1, 1024)),
      receivers_(count_param(params, "receivers", 1, 100'000)),
      messages_(count_param(params, "messages", 1, 1e8)),
      payload_bytes_(payload_param(params)),
      schedulers_(scheduler_param(params)),
      slice_budget_(count_param(params, "slice_budget", 1, 1e6)) {}

void ThroughputWorkload::setup() {
    server_ = std::make_unique<MessageServer>(ServerOptions{schedulers_, slice_budget_});
    traffic_ = std::make_unique<BurstTraffic>(*server_, senders_, payload_bytes_);
    traffic_->spawn_receivers(receivers_);
    // Untimed warm-up round: mailboxes and the ready queue grow to their working size.
    traffic_->run_round(messages_);
    throw_if_wrong("messages.throughput", traffic_->verify());
    delivered_before_ = traffic_->delivered();
    slices_before_ = server_->slices();
}

bool ThroughputWorkload::run(std::uint64_t iterations) {
    for (std::uint64_t i = 0; i < iterations; ++i) {
        totals_.add(messages_, traffic_->run_round(messages_));
        throw_if_wrong("messages.throughput", traffic_->verify());
    }
    return true;
}

std::vector<WorkloadMetric> ThroughputWorkload::metrics() const {
    if (!traffic_) return {};
    const std::uint64_t delivered = traffic_->delivered() - delivered_before_;
    const std::uint64_t slices = server_->slices() - slices_before_;
    return {
        // Messages handled by receivers / wall time from the kicks to the drained server.
        {"throughput_msgs_per_s", totals_.per_second(), "per_s"},
        {"ns_per_message", ns_per_item(totals_), "ns"},
        count_metric("messages_delivered", delivered),
        count_metric("rounds", totals_.rounds),
        count_metric("messages_per_round", messages_),
        count_metric("sequence_errors", traffic_->sequence_errors()),
        count_metric("payload_errors", traffic_->payload_errors()),
        // Messages handled per scheduling slice (sender slices included): how much the
        // mailbox batching amortises the scheduler's lock.
        {"messages_per_slice", slices ? static_cast<double>(delivered) / static_cast<double>(slices) : 0.0, "ratio"},
    };
}

std::string ThroughputWorkload::self_check() {
    const std::size_t messages = std::min<std::size_t>(messages_, 20'000) + 7;  // + 7: uneven shares
    ThroughputWorkload probe(WorkloadParams{{"senders", double(senders_)}, {"receivers", double(receivers_)},
                                            {"messages", double(messages)}, {"payload_bytes", double(payload_bytes_)},
                                            {"schedulers", double(schedulers_)}, {"slice_budget", double(slice_budget_)}});
    try {
        probe.setup();
        probe.run(3);
    } catch (const std::runtime_error& error) {
        return error.what();
    }
    BurstTraffic& traffic = *probe.traffic_;
    if (auto problem = traffic.verify(); !problem.empty()) return problem;
    if (traffic.delivered() != 4 * messages)
        return "4 rounds of " + std::to_string(messages) + " messages delivered " + std::to_string(traffic.delivered());
    // Shutting down drains what is still in flight: nothing accepted is lost.
    traffic.start_round(messages);
    probe.server_->shutdown();
    if (auto problem = traffic.verify(); !problem.empty()) return "after shutdown: " + problem;
    if (traffic.delivered() != 5 * messages) return "shutdown lost messages that were in flight";
    // A closed server refuses new messages, and counts them.
    Client late(*probe.server_, kFirstClientId + 1);
    if (late.send(0, 0, "late") || probe.server_->undeliverable() != 1)
        return "a shut-down server accepted a message or did not count its refusal";
    return order_check_catches_faults();
}

// The order check is only worth something if it fails on a broken stream: impersonate a
// sender (a client may carry any id) and replay, skip and duplicate its sequence numbers.
std::string ThroughputWorkload::order_check_catches_faults() {
    char buffer[kMinPayloadBytes];
    const auto payload = [&](std::uint64_t sequence) { return encode_payload(sequence, sizeof buffer, buffer); };
    // 1 sender, 1 receiver: the receiver must see the sender's sequence numbers 0, 1, 2, ...
    const auto faults_counted = [&](std::initializer_list<std::uint64_t> sequences) {
        MessageServer server(ServerOptions{schedulers_});
        BurstTraffic traffic(server, 1, sizeof buffer);
        traffic.spawn_receivers(1);
        const AgentId sender = 0, receiver = 1;
        for (const std::uint64_t sequence : sequences) {
            Message message;
            message.sender = sender;
            message.recipient = receiver;
            message.sequence = sequence;
            message.payload.assign(payload(sequence));
            server.send(std::move(message));
        }
        server.drain();
        return traffic.sequence_errors();
    };
    if (faults_counted({0, 1, 2, 3}) != 0) return "the order check counts a fault in an intact stream";
    if (faults_counted({0, 2, 3}) == 0) return "the order check misses a lost message";
    if (faults_counted({0, 1, 1, 2}) == 0) return "the order check misses a duplicated message";
    if (faults_counted({0, 2, 1, 3}) == 0) return "the order check misses a reordered message";
    return {};
}

// ---------------------------------------------------------------- messages.latency

LatencyWorkload::LatencyWorkload(const WorkloadParams& params)
    : agents_(count_param(params, "agents", 1, 1e6)),
      tokens_(count_param(params, "tokens", 1, 1e6)),
      hops_per_token_(std::max<std::size_t>(1, count_param(params, "hops", 1, 1e9) / tokens_)),
      payload_bytes_(payload_param(params)),
      schedulers_(scheduler_param(params)) {}

void LatencyWorkload::setup() {
    server_ = std::make_unique<MessageServer>(ServerOptions{schedulers_});
    client_ = std::make_unique<Client>(*server_, kFirstClientId);
    latency_per_worker_ = std::vector<WorkerLatency>(schedulers_);
    nodes_.reserve(agents_);
    for (std::size_t i = 0; i < agents_; ++i) nodes_.push_back(&server_->spawn<RingNode>(&latency_per_worker_));
    for (std::size_t i = 0; i < agents_; ++i)
        nodes_[i]->link(nodes_[(i + agents_ - 1) % agents_]->id(), nodes_[(i + 1) % agents_]->id());
    run_round();  // untimed warm-up; its latencies are not kept
    for (auto& worker : latency_per_worker_) worker.histogram.reset();
    hops_before_ = hops_handled();
}

std::uint64_t LatencyWorkload::hops_handled() const {
    std::uint64_t total = 0;
    for (const auto* node : nodes_) total += node->handled();
    return total;
}

std::uint64_t LatencyWorkload::sequence_errors() const {
    std::uint64_t total = 0;
    for (const auto* node : nodes_) total += node->sequence_errors();
    return total;
}

std::uint64_t LatencyWorkload::run_round() {
    char buffer[kMaxPayloadBytes];
    const std::uint64_t began = message_clock_ns();
    for (std::size_t t = 0; t < tokens_; ++t)
        client_->send(nodes_[t * agents_ / tokens_]->id(), hops_per_token_, encode_payload(t, payload_bytes_, buffer));
    server_->drain();
    const std::uint64_t elapsed = message_clock_ns() - began;
    // A token with hop budget h is handled h times, by h agents in turn.
    hops_expected_ += tokens_ * hops_per_token_;
    if (hops_handled() != hops_expected_)
        throw_if_wrong("messages.latency", std::to_string(hops_handled()) + " hops were handled, " +
                                               std::to_string(hops_expected_) + " were sent");
    if (sequence_errors() != 0)
        throw_if_wrong("messages.latency", std::to_string(sequence_errors()) + " hops arrived out of order");
    return elapsed;
}

bool LatencyWorkload::run(std::uint64_t iterations) {
    for (std::uint64_t i = 0; i < iterations; ++i) totals_.add(tokens_ * hops_per_token_, run_round());
    return true;
}

std::vector<WorkloadMetric> LatencyWorkload::metrics() const {
    if (!server_) return {};
    LatencyHistogram latency;
    for (const auto& worker : latency_per_worker_) latency.merge(worker.histogram);
    // Send timestamp to handler start, for every hop of the timed rounds.
    std::vector<WorkloadMetric> out = histogram_metrics("latency", latency);
    out.push_back({"hops_per_s", totals_.per_second(), "per_s"});
    out.push_back(count_metric("messages_delivered", hops_handled() - hops_before_));
    out.push_back(count_metric("rounds", totals_.rounds));
    out.push_back(count_metric("tokens_in_flight", tokens_));
    out.push_back(count_metric("sequence_errors", sequence_errors()));
    return out;
}

std::string LatencyWorkload::self_check() {
    LatencyWorkload probe(WorkloadParams{{"agents", double(std::min<std::size_t>(agents_, 256))},
                                         {"tokens", double(tokens_)},
                                         {"hops", double(std::min<std::size_t>(tokens_ * hops_per_token_, 5'000))},
                                         {"payload_bytes", double(payload_bytes_)},
                                         {"schedulers", double(schedulers_)}});
    try {
        probe.setup();
        probe.run(2);
    } catch (const std::runtime_error& error) {
        return error.what();
    }
    const auto metric = [&](const std::string& name) {
        for (const auto& m : probe.metrics())
            if (m.name == name) return m.value;
        return -1.0;
    };
    const double hops = double(2 * probe.tokens_ * probe.hops_per_token_);
    if (metric("messages_delivered") != hops) return "the ring did not handle every hop exactly once";
    if (metric("latency_count") != hops) return "the latency histogram did not record one value per hop";
    if (!(metric("latency_p50") <= metric("latency_p99") && metric("latency_p99") <= metric("latency_max")))
        return "latency percentiles are not ordered";
    if (metric("latency_max") <= 0) return "no hop took any time: the timestamps are not read";
    return {};
}

// ---------------------------------------------------------------- messages.spawn

SpawnWorkload::SpawnWorkload(const WorkloadParams& params)
    : agents_(count_param(params, "agents", 1, 1e6)), schedulers_(scheduler_param(params)) {}

void SpawnWorkload::setup() {
    server_ = std::make_unique<MessageServer>(ServerOptions{schedulers_});
    run(1);  // untimed warm-up: the allocator's arenas grow once
    spawn_latency_.reset();
    totals_ = {};
}

bool SpawnWorkload::run(std::uint64_t iterations) {
    for (std::uint64_t i = 0; i < iterations; ++i) {
        const std::int64_t live_before = allocation_stats().live_bytes();
        const std::uint64_t began = message_clock_ns();
        // One clock read per agent (each read ends one spawn and starts the next), so the
        // histogram's values sum to the batch time; each includes one read, ~20 ns.
        std::uint64_t previous = began;
        for (std::size_t a = 0; a < agents_; ++a) {
            server_->spawn<CountingAgent>();
            const std::uint64_t now = message_clock_ns();
            spawn_latency_.record(now - previous);
            previous = now;
        }
        totals_.add(agents_, previous - began);
        // Everything spawning allocated and still holds (agents, mailboxes, router slots),
        // per agent.
        memory_per_agent_ = bytes_per(allocation_stats().live_bytes() - live_before, agents_);
        if (server_->agent_count() != agents_)
            throw_if_wrong("messages.spawn", "the router holds " + std::to_string(server_->agent_count()) +
                                                 " agents after spawning " + std::to_string(agents_));
        server_->retire_all_agents();
    }
    return true;
}

std::vector<WorkloadMetric> SpawnWorkload::metrics() const {
    if (!server_) return {};
    std::vector<WorkloadMetric> out = {
        {"spawn_ns_per_agent", ns_per_item(totals_), "ns"},
        {"spawn_batch_ns", totals_.median_ns(), "ns"},  // the median round's whole batch
        {"memory_per_agent", memory_per_agent_, "bytes"},
        count_metric("agents_spawned", totals_.items),
        count_metric("agents_per_round", agents_),
    };
    for (auto& m : histogram_metrics("spawn", spawn_latency_)) out.push_back(std::move(m));
    return out;
}

std::string SpawnWorkload::self_check() {
    const std::size_t agents = std::min<std::size_t>(agents_, 5'000);
    MessageServer server(ServerOptions{schedulers_});
    Client client(server, kFirstClientId);
    // Cycles of spawn, message, retire: each must give back exactly what it took, except
    // what the scheduler's ready queue grew by (it keeps its storage).
    for (int cycle = 0; cycle < 2; ++cycle) {
        const std::int64_t live_before = allocation_stats().live_bytes();
        const auto queue_before = static_cast<std::int64_t>(server.ready_queue_bytes());
        std::vector<CountingAgent*> spawned;
        for (std::size_t a = 0; a < agents; ++a) spawned.push_back(&server.spawn<CountingAgent>());
        const double per_agent = bytes_per(allocation_stats().live_bytes() - live_before, agents);
        if (per_agent < double(sizeof(CountingAgent)))
            return "memory per agent (" + std::to_string(per_agent) + " B) is below the agent's own size";
        for (std::size_t a = 0; a < agents; ++a)
            if (spawned[a]->id() != a || server.find(static_cast<AgentId>(a)) != spawned[a])
                return "agent " + std::to_string(a) + " is not routed under its id";
        // Every spawned agent is reachable and handles exactly what it is sent.
        for (std::size_t a = 0; a < agents; ++a) client.send(static_cast<AgentId>(a), 0, "hello");
        server.drain();
        for (const auto* agent : spawned)
            if (agent->handled() != 1)
                return "a spawned agent handled " + std::to_string(agent->handled()) + " messages, not 1";
        server.retire_all_agents();
        if (server.agent_count() != 0 || server.find(0) != nullptr) return "retired agents are still routed";
        const std::int64_t kept = allocation_stats().live_bytes() - live_before -
                                  (static_cast<std::int64_t>(server.ready_queue_bytes()) - queue_before);
        if (kept != 0) return std::to_string(kept) + " bytes stayed allocated after retiring every agent";
    }
    if (client.send(0, 0, "gone") || server.undeliverable() != 1)
        return "a message to a retired agent was not refused as undeliverable";
    return {};
}

// ---------------------------------------------------------------- messages.task_pool

TaskPoolWorkload::TaskPoolWorkload(const WorkloadParams& params)
    : workers_(count_param(params, "workers", 1, 10'000)),
      tasks_(count_param(params, "tasks", 1, 1e7)),
      span_(count_param(params, "span", 1, 1e5)),
      prefetch_(count_param(params, "prefetch", 1, 1024)),
      schedulers_(scheduler_param(params)) {}

void TaskPoolWorkload::setup() {
    server_ = std::make_unique<MessageServer>(ServerOptions{schedulers_});
    pool_ = std::make_unique<TaskPool>(*server_, workers_, tasks_, span_, prefetch_);
    pool_->run_batch();  // untimed warm-up batch
    throw_if_wrong("messages.task_pool", pool_->verify());
}

bool TaskPoolWorkload::run(std::uint64_t iterations) {
    for (std::uint64_t i = 0; i < iterations; ++i) {
        totals_.add(tasks_, pool_->run_batch());
        throw_if_wrong("messages.task_pool", pool_->verify());
    }
    return true;
}

std::vector<WorkloadMetric> TaskPoolWorkload::metrics() const {
    if (!pool_) return {};
    return {
        // Tasks answered and checked by the coordinator / wall time of the batches.
        {"tasks_per_s", totals_.per_second(), "per_s"},
        {"ns_per_task", ns_per_item(totals_), "ns"},
        count_metric("tasks_completed", pool_->tasks_completed() - tasks_),  // minus the warm-up batch
        count_metric("batches", totals_.rounds),
        count_metric("tasks_per_batch", tasks_),
        count_metric("workers", workers_),
        {"worker_balance", pool_->balance(), "ratio"},
    };
}

std::string TaskPoolWorkload::self_check() {
    const std::uint64_t tasks = std::min<std::uint64_t>(tasks_, 500);
    // The workers' answers are checked against run_task; run_task is checked here against
    // a sieve of Eratosthenes, an independent way of counting the same primes.
    const std::uint64_t end = kTaskBase + tasks * span_;
    std::vector<bool> composite(end, false);
    for (std::uint64_t p = 2; p * p < end; ++p)
        if (!composite[p])
            for (std::uint64_t m = p * p; m < end; m += p) composite[m] = true;
    MessageServer server(ServerOptions{schedulers_});
    TaskPool pool(server, workers_, tasks, span_, prefetch_);
    for (std::uint64_t id = 0; id < tasks; ++id) {
        std::uint64_t primes = 0;
        for (std::uint64_t n = kTaskBase + id * span_; n < kTaskBase + (id + 1) * span_; ++n) primes += !composite[n];
        if (pool.expected()[id] != primes)
            return "task " + std::to_string(id) + " counts " + std::to_string(pool.expected()[id]) +
                   " primes, the sieve " + std::to_string(primes);
    }
    pool.run_batch();
    pool.run_batch();
    if (auto problem = pool.verify(); !problem.empty()) return problem;
    if (pool.tasks_completed() != 2 * tasks) return "the pool did not complete every task of both batches";
    if (tasks >= workers_ * prefetch_ && pool.balance() == 0) return "a worker of the pool got no task";
    return {};
}

// ---------------------------------------------------------------- messages.scaling

ScalingWorkload::ScalingWorkload(const WorkloadParams& params)
    : agents_(count_param(params, "agents", 1, 500'000)),
      senders_(count_param(params, "senders", 1, 1024)),
      messages_(count_param(params, "messages", 1, 1e8)),
      payload_bytes_(payload_param(params)),
      schedulers_(scheduler_param(params)) {}

void ScalingWorkload::setup() { server_ = std::make_unique<MessageServer>(ServerOptions{schedulers_}); }

bool ScalingWorkload::run(std::uint64_t iterations) {
    for (std::uint64_t i = 0; i < iterations; ++i) {
        // The step's agents are the receivers; the senders are the load generator, spawned
        // first and not counted, so that the totals below are for exactly `agents` agents.
        BurstTraffic traffic(*server_, senders_, payload_bytes_);
        const std::int64_t live_before = allocation_stats().live_bytes();
        const std::uint64_t began = message_clock_ns();
        traffic.spawn_receivers(agents_);
        spawn_.add(agents_, message_clock_ns() - began);
        memory_total_ = allocation_stats().live_bytes() - live_before;
        delivery_.add(messages_, traffic.run_round(messages_));
        sequence_errors_ += traffic.sequence_errors();
        throw_if_wrong("messages.scaling", traffic.verify());
        server_->retire_all_agents();
    }
    return true;
}

std::vector<WorkloadMetric> ScalingWorkload::metrics() const {
    if (!server_) return {};
    // Times are the median step: the sweep fits these across steps, and a single preempted
    // step (this machine is shared) must not bend the fit.
    const double spawn_ns = spawn_.median_ns();
    const double delivery_ns = delivery_.median_ns();
    return {
        count_metric("agents", agents_),
        // Spawning and routing the step's agents, in total and per agent.
        {"spawn_total_ns", spawn_ns, "ns"},
        {"spawn_ns_per_agent", spawn_ns / double(agents_), "ns"},
        // Live bytes the step's agents hold once spawned (agent, mailbox, receiver state,
        // router slots), in total and per agent (the last step's; it does not vary).
        {"memory_total", double(memory_total_), "bytes"},
        {"memory_per_agent", bytes_per(memory_total_, agents_), "bytes"},
        // A fixed number of messages spread over the step's agents, kick to drained.
        {"delivery_ns", delivery_ns, "ns"},
        {"throughput_msgs_per_s", delivery_ns > 0 ? double(messages_) * 1e9 / delivery_ns : 0.0, "per_s"},
        count_metric("messages_delivered", delivery_.items),
        count_metric("rounds", delivery_.rounds),
        count_metric("sequence_errors", sequence_errors_),
    };
}

std::string ScalingWorkload::self_check() {
    ScalingWorkload probe(WorkloadParams{{"agents", double(std::min<std::size_t>(agents_, 20'000))},
                                         {"senders", double(senders_)},
                                         {"messages", double(std::min<std::size_t>(messages_, 50'000))},
                                         {"payload_bytes", double(payload_bytes_)},
                                         {"schedulers", double(schedulers_)}});
    try {
        probe.setup();
        probe.run(2);  // the second step reuses the server after retiring the first's agents
    } catch (const std::runtime_error& error) {
        return error.what();
    }
    if (probe.delivery_.items != 2 * probe.messages_) return "not every message of both steps was delivered";
    if (probe.server_->agent_count() != 0) return "a step's agents were not retired";
    if (bytes_per(probe.memory_total_, probe.agents_) < double(sizeof(SequencedReceiver)))
        return "memory per agent is implausibly small: spawning is not counted";
    return {};
}

// ---------------------------------------------------------------- messages.topic_fanout

namespace {
constexpr std::string_view kFanoutTopic = "fanout";
}  // namespace

TopicFanoutWorkload::TopicFanoutWorkload(const WorkloadParams& params)
    : subscribers_(count_param(params, "subscribers", 1, 1e6)),
      messages_(count_param(params, "messages", 1, 1e8)),
      payload_bytes_(payload_param(params)),
      schedulers_(scheduler_param(params)) {}

void TopicFanoutWorkload::setup() {
    server_ = std::make_unique<MessageServer>(ServerOptions{schedulers_});
    publisher_ = std::make_unique<Client>(*server_, kFirstClientId);
    const tracked_string topic(kFanoutTopic);
    for (std::size_t s = 0; s < subscribers_; ++s) {
        subscribed_.push_back(&server_->spawn<Subscriber>(publisher_->id()));
        server_->subscribe(topic, subscribed_.back()->id());
    }
    run_round();  // untimed warm-up
    throw_if_wrong("messages.topic_fanout", verify());
}

std::uint64_t TopicFanoutWorkload::run_round() {
    char buffer[kMaxPayloadBytes];
    const std::uint64_t began = message_clock_ns();
    for (std::size_t m = 0; m < messages_; ++m)
        publisher_->publish(kFanoutTopic, m, encode_payload(publisher_->sent(), payload_bytes_, buffer));
    server_->drain();
    return message_clock_ns() - began;
}

std::string TopicFanoutWorkload::verify() const {
    for (const auto* subscriber : subscribed_) {
        if (subscriber->received() != publisher_->sent())
            return "a subscriber received " + std::to_string(subscriber->received()) + " of " +
                   std::to_string(publisher_->sent()) + " publications";
        if (subscriber->sequence_errors() != 0)
            return std::to_string(subscriber->sequence_errors()) + " publications arrived out of order or twice";
    }
    return {};
}

bool TopicFanoutWorkload::run(std::uint64_t iterations) {
    for (std::uint64_t i = 0; i < iterations; ++i) {
        totals_.add(messages_ * subscribers_, run_round());
        throw_if_wrong("messages.topic_fanout", verify());
    }
    return true;
}

std::vector<WorkloadMetric> TopicFanoutWorkload::metrics() const {
    if (!server_) return {};
    std::uint64_t errors = 0;
    for (const auto* subscriber : subscribed_) errors += subscriber->sequence_errors();
    return {
        // Copies handled by subscribers / wall time from the first publish to drained.
        {"deliveries_per_s", totals_.per_second(), "per_s"},
        {"publications_per_s", totals_.per_second() / double(subscribers_), "per_s"},
        count_metric("deliveries", totals_.items),
        count_metric("rounds", totals_.rounds),
        count_metric("sequence_errors", errors),
    };
}

std::string TopicFanoutWorkload::self_check() {
    TopicFanoutWorkload probe(WorkloadParams{{"subscribers", double(std::min<std::size_t>(subscribers_, 200))},
                                             {"messages", double(std::min<std::size_t>(messages_, 300))},
                                             {"payload_bytes", double(payload_bytes_)},
                                             {"schedulers", double(schedulers_)}});
    try {
        probe.setup();
        probe.run(1);
    } catch (const std::runtime_error& error) {
        return error.what();
    }
    MessageServer& server = *probe.server_;
    // An agent that did not subscribe gets broadcasts, never publications.
    auto& bystander = server.spawn<CountingAgent>();
    Client stranger(server, kFirstClientId + 1);  // the publisher's own count must stay contiguous
    if (stranger.publish("no-such-topic", 0, "x") != 0) return "a topic nobody subscribed to had subscribers";
    probe.publisher_->broadcast(0, "to everyone");
    probe.run(1);
    if (auto problem = probe.verify(); !problem.empty()) return problem;
    if (bystander.handled() != 1) return "an agent outside the topic handled " + std::to_string(bystander.handled()) +
                                         " messages, expected only the broadcast";
    if (server.undeliverable() != 0) return "publications were undeliverable";
    return {};
}

}  // namespace perfbench::workloads::messages
