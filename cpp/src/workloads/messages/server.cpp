#include "server.hpp"

namespace perfbench::workloads::messages {

MessageServer::MessageServer(ServerOptions options)
    : scheduler_(*this, options.scheduler_threads, options.slice_budget) {}

MessageServer::~MessageServer() {
    shutdown();
    router_.clear([](Agent* agent) { agent->destroy_(agent); });
}

void MessageServer::route(Agent* agent) { agent->id_ = router_.add(agent); }

bool MessageServer::send(Message message) {
    Agent* agent = router_.find(message.recipient);
    if (agent == nullptr || closed_.load(std::memory_order_relaxed)) {
        undeliverable_.fetch_add(1, std::memory_order_relaxed);
        return false;
    }
    deliver(agent, std::move(message));
    return true;
}

void MessageServer::deliver(Agent* agent, Message&& message) {
    if (agent->mailbox_.push(std::move(message))) scheduler_.make_ready(agent);
}

std::size_t MessageServer::publish(std::string_view topic, const Message& message) {
    if (closed_.load(std::memory_order_relaxed)) {
        undeliverable_.fetch_add(1, std::memory_order_relaxed);
        return 0;
    }
    return router_.for_each_subscriber(topic, [&](AgentId id) {
        Message copy = message;
        copy.recipient = id;
        deliver(router_.find(id), std::move(copy));
    });
}

std::size_t MessageServer::broadcast(const Message& message) {
    if (closed_.load(std::memory_order_relaxed)) {
        undeliverable_.fetch_add(1, std::memory_order_relaxed);
        return 0;
    }
    const std::size_t count = router_.size();
    for (std::size_t id = 0; id < count; ++id) {
        Message copy = message;
        copy.recipient = static_cast<AgentId>(id);
        deliver(router_.find(copy.recipient), std::move(copy));
    }
    return count;
}

void MessageServer::shutdown() {
    if (closed_.load(std::memory_order_acquire)) return;
    drain();
    closed_.store(true, std::memory_order_release);
    scheduler_.stop();
}

void MessageServer::retire_all_agents() {
    drain();
    router_.clear([](Agent* agent) { agent->destroy_(agent); });
}

}  // namespace perfbench::workloads::messages
