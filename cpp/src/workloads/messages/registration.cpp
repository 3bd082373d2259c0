// The message-server family: agents with mailboxes, a router and scheduler threads
// (server.hpp), measured for throughput, latency, spawn time, memory per agent,
// task processing across a pool, topic fan-out and horizontal scaling.
#include "perfbench/workload.hpp"
#include "workloads/families.hpp"
#include "workloads.hpp"

namespace perfbench {

namespace {
template <class W>
WorkloadSpec scenario_spec(std::string name, std::string description, WorkloadParams defaults) {
    return {std::move(name), "messages", std::move(description), std::move(defaults),
            [](const WorkloadParams& params) { return std::make_unique<W>(params); }};
}
}  // namespace

void register_messages_workloads(WorkloadCatalog& catalog) {
    using namespace workloads::messages;
    // Two scheduler threads: this machine has two cores.
    catalog.add(scenario_spec<ThroughputWorkload>(
        "messages.throughput",
        "one round: `messages` messages from `senders` sender agents round-robin to `receivers` agents, "
        "all handled and checked for order",
        {{"senders", 4}, {"receivers", 16}, {"messages", 20'000}, {"payload_bytes", 12}, {"schedulers", 2},
         {"slice_budget", 64}}));
    catalog.add(scenario_spec<LatencyWorkload>(
        "messages.latency",
        "one round: `hops` message hops around a ring of `agents` agents with `tokens` in flight; "
        "send-to-handler latency of every hop in a histogram",
        {{"agents", 64}, {"tokens", 4}, {"hops", 20'000}, {"payload_bytes", 12}, {"schedulers", 2}}));
    catalog.add(scenario_spec<SpawnWorkload>(
        "messages.spawn",
        "one round: spawn `agents` agents (allocated, mailbox reserved, routed), then retire them; "
        "spawn time and live bytes per agent",
        {{"agents", 1'000}, {"schedulers", 2}}));
    catalog.add(scenario_spec<TaskPoolWorkload>(
        "messages.task_pool",
        "one round: `tasks` prime-counting tasks pulled from a coordinator by `workers` worker agents, "
        "every result checked",
        {{"workers", 10}, {"tasks", 2'000}, {"span", 32}, {"prefetch", 2}, {"schedulers", 2}}));
    catalog.add(scenario_spec<ScalingWorkload>(
        "messages.scaling",
        "one step: spawn `agents` agents, deliver `messages` messages from `senders` sender agents across "
        "them, retire them; spawn time, memory and throughput at that size",
        {{"agents", 1'000}, {"senders", 4}, {"messages", 100'000}, {"payload_bytes", 12}, {"schedulers", 2}}));
    catalog.add(scenario_spec<TopicFanoutWorkload>(
        "messages.topic_fanout",
        "one round: `messages` publications to a topic with `subscribers` subscriber agents, each checked "
        "to arrive once and in order",
        {{"subscribers", 100}, {"messages", 1'000}, {"payload_bytes", 12}, {"schedulers", 2}}));
}

}  // namespace perfbench
