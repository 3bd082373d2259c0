// The message-server workloads: scenario workloads over a MessageServer, each iteration a
// complete round (sent, delivered and handled), each round verified, each reporting the
// figures it measured itself (rates, latency histogram, spawn time, bytes per agent).
//
//   messages.throughput       one round = `messages` messages from S senders to R receivers
//   messages.latency          one round = `hops` message hops around a ring of agents,
//                             `tokens` in flight; every hop's latency in a histogram
//   messages.spawn            one round = spawn `agents` agents, then retire them
//   messages.task_pool        one round = `tasks` tasks through a pool of `workers` agents
//   messages.scaling          one round = spawn `agents` agents, push `messages` from S
//                             sender agents through them, retire them (one scaling step)
//   messages.topic_fanout     one round = `messages` publications to `subscribers` agents
//
// A round that loses, duplicates or reorders a message throws: a benchmark that measured a
// broken server must fail, not report a fast number.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "perfbench/histogram.hpp"
#include "perfbench/workload.hpp"
#include "agents.hpp"
#include "server.hpp"
#include "task_pool.hpp"
#include "traffic.hpp"

namespace perfbench::workloads::messages {

// What a workload's timed rounds did; the rates and times in metrics() come from these.
struct RoundTotals {
    std::uint64_t rounds = 0;
    std::uint64_t items = 0;  // messages, hops, tasks, deliveries: what the rate counts
    std::uint64_t ns = 0;     // wall time of the rounds themselves
    std::vector<std::uint64_t> round_ns;  // each round's, for the median
    void add(std::uint64_t round_items, std::uint64_t one_round_ns) {
        ++rounds;
        items += round_items;
        ns += one_round_ns;
        round_ns.push_back(one_round_ns);
    }
    double per_second() const { return ns ? static_cast<double>(items) * 1e9 / static_cast<double>(ns) : 0.0; }
    // The median round: on a busy machine one preempted round moves a mean, not this.
    double median_ns() const;
};

class ThroughputWorkload final : public Workload {
public:
    explicit ThroughputWorkload(const WorkloadParams& params);
    void setup() override;
    bool run(std::uint64_t iterations) override;
    std::string self_check() override;
    std::vector<WorkloadMetric> metrics() const override;

private:
    std::string order_check_catches_faults();

    std::size_t senders_, receivers_, messages_, payload_bytes_;
    unsigned schedulers_;
    std::size_t slice_budget_;
    std::unique_ptr<MessageServer> server_;
    std::unique_ptr<BurstTraffic> traffic_;
    std::uint64_t delivered_before_ = 0;  // by the untimed warm-up round
    std::uint64_t slices_before_ = 0;
    RoundTotals totals_;
};

class LatencyWorkload final : public Workload {
public:
    explicit LatencyWorkload(const WorkloadParams& params);
    void setup() override;
    bool run(std::uint64_t iterations) override;
    std::string self_check() override;
    std::vector<WorkloadMetric> metrics() const override;

private:
    std::uint64_t run_round();
    std::uint64_t hops_handled() const;
    std::uint64_t sequence_errors() const;

    std::size_t agents_, tokens_, hops_per_token_, payload_bytes_;
    unsigned schedulers_;
    std::unique_ptr<MessageServer> server_;
    std::unique_ptr<Client> client_;
    std::vector<WorkerLatency> latency_per_worker_;
    std::vector<RingNode*> nodes_;
    std::uint64_t hops_expected_ = 0;
    std::uint64_t hops_before_ = 0;
    RoundTotals totals_;
};

class SpawnWorkload final : public Workload {
public:
    explicit SpawnWorkload(const WorkloadParams& params);
    void setup() override;
    bool run(std::uint64_t iterations) override;
    std::string self_check() override;
    std::vector<WorkloadMetric> metrics() const override;

private:
    std::size_t agents_;
    unsigned schedulers_;
    std::unique_ptr<MessageServer> server_;
    LatencyHistogram spawn_latency_;
    RoundTotals totals_;  // items = agents spawned, ns = batch spawn time
    double memory_per_agent_ = 0;
};

class TaskPoolWorkload final : public Workload {
public:
    explicit TaskPoolWorkload(const WorkloadParams& params);
    void setup() override;
    bool run(std::uint64_t iterations) override;
    std::string self_check() override;
    std::vector<WorkloadMetric> metrics() const override;

private:
    std::size_t workers_, tasks_, span_, prefetch_;
    unsigned schedulers_;
    std::unique_ptr<MessageServer> server_;
    std::unique_ptr<TaskPool> pool_;
    RoundTotals totals_;
};

class ScalingWorkload final : public Workload {
public:
    explicit ScalingWorkload(const WorkloadParams& params);
    void setup() override;
    bool run(std::uint64_t iterations) override;
    std::string self_check() override;
    std::vector<WorkloadMetric> metrics() const override;

private:
    std::size_t agents_, senders_, messages_, payload_bytes_;
    unsigned schedulers_;
    std::unique_ptr<MessageServer> server_;
    RoundTotals spawn_;     // items = agents spawned
    RoundTotals delivery_;  // items = messages delivered
    std::int64_t memory_total_ = 0;  // of the last step
    std::uint64_t sequence_errors_ = 0;
};

class TopicFanoutWorkload final : public Workload {
public:
    explicit TopicFanoutWorkload(const WorkloadParams& params);
    void setup() override;
    bool run(std::uint64_t iterations) override;
    std::string self_check() override;
    std::vector<WorkloadMetric> metrics() const override;

private:
    std::uint64_t run_round();
    std::string verify() const;

    std::size_t subscribers_, messages_, payload_bytes_;
    unsigned schedulers_;
    std::unique_ptr<MessageServer> server_;
    std::unique_ptr<Client> publisher_;
    std::vector<Subscriber*> subscribed_;
    RoundTotals totals_;  // items = deliveries (publications x subscribers)
};

}  // namespace perfbench::workloads::messages
