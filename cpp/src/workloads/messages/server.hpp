// An in-process message server: agents with mailboxes, a router, and scheduler threads.
//
//   spawn<A>(...)   creates an agent (tracked allocation, so its bytes are counted),
//                   gives it an id and routes it
//   send(message)   direct: router lookup, mailbox push, schedule the agent if it was idle
//   publish/broadcast  a copy to each subscriber of a topic / to every agent
//   drain()         returns once everything sent so far has been handled
//   shutdown()      drains, refuses further sends, stops the scheduler threads
//
// Delivery guarantees (what the tests check): every message sent to a routed agent is
// handled exactly once, messages from one sender to one agent are handled in send order,
// and nothing accepted before shutdown() is lost by it.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <new>
#include <string_view>
#include <type_traits>
#include <utility>

#include "workloads/tracking_allocator.hpp"
#include "agent.hpp"
#include "message.hpp"
#include "router.hpp"
#include "scheduler.hpp"

namespace perfbench::workloads::messages {

struct ServerOptions {
    // Threads that run agents. On this 2-core machine, 2: more only adds context switches.
    unsigned scheduler_threads = 2;
    // Messages an agent handles before yielding its thread (fairness vs. batching).
    std::size_t slice_budget = 64;
};

class MessageServer {
public:
    explicit MessageServer(ServerOptions options = {});
    ~MessageServer();  // shutdown(), then destroys the agents
    MessageServer(const MessageServer&) = delete;
    MessageServer& operator=(const MessageServer&) = delete;

    // Creates an A (a subclass of Agent) and routes it; any thread, also from a handler.
    template <class A, class... Args>
    A& spawn(Args&&... args);

    // Routes `message` to message.recipient. False (and counted as undeliverable) when no
    // such agent exists or the server has shut down.
    bool send(Message message);
    // A copy, addressed to each, for every subscriber of `topic`; returns how many.
    std::size_t publish(std::string_view topic, const Message& message);
    // A copy for every agent; returns how many.
    std::size_t broadcast(const Message& message);
    void subscribe(const tracked_string& topic, AgentId agent) { router_.subscribe(topic, agent); }

    // Waits until every message sent so far has been handled (senders outside the server
    // must have finished sending).
    void drain() { scheduler_.wait_idle(); }
    // Drains, then stops the scheduler threads; later sends are refused. Idempotent.
    void shutdown();
    // Drains, then unroutes and destroys every agent; ids restart at 0. For workloads that
    // spawn batches of agents; no thread may be sending meanwhile.
    void retire_all_agents();

    Agent* find(AgentId id) const noexcept { return router_.find(id); }
    std::size_t agent_count() const noexcept { return router_.size(); }
    std::uint64_t undeliverable() const noexcept { return undeliverable_.load(std::memory_order_relaxed); }
    unsigned scheduler_threads() const noexcept { return scheduler_.threads(); }
    std::uint64_t slices() const { return scheduler_.slices(); }
    std::size_t ready_queue_bytes() const { return scheduler_.queue_bytes(); }

private:
    void route(Agent* agent);
    void deliver(Agent* agent, Message&& message);

    Router router_;
    std::atomic<bool> closed_{false};
    std::atomic<std::uint64_t> undeliverable_{0};
    Scheduler scheduler_;  // last: its threads are joined before the router goes
};

template <class A, class... Args>
A& MessageServer::spawn(Args&&... args) {
    static_assert(std::is_base_of_v<Agent, A>, "agents derive from Agent");
    // TrackingAllocator allocates with plain operator new, which honours only the default
    // alignment.
    static_assert(alignof(A) <= __STDCPP_DEFAULT_NEW_ALIGNMENT__, "over-aligned agents are not supported");
    TrackingAllocator<A> allocator;
    A* agent = allocator.allocate(1);
    try {
        ::new (static_cast<void*>(agent)) A(std::forward<Args>(args)...);
    } catch (...) {
        allocator.deallocate(agent, 1);
        throw;
    }
    agent->destroy_ = [](Agent* base) {
        A* self = static_cast<A*>(base);
        self->~A();
        TrackingAllocator<A>{}.deallocate(self, 1);
    };
    try {
        route(agent);
    } catch (...) {
        agent->destroy_(agent);
        throw;
    }
    return *agent;
}

inline bool Context::send(AgentId to, std::uint64_t tag, std::string_view payload) {
    Message message;
    message.sender = self_->id_;
    message.recipient = to;
    message.sequence = self_->next_sequence_++;
    message.tag = tag;
    message.payload.assign(payload.data(), payload.size());
    message.sent_ns = message_clock_ns();  // last: latency covers routing, queueing, scheduling
    return server_.send(std::move(message));
}

// A sender outside the server — a client connection, a benchmark's own thread. It has an
// id outside the agents' range and numbers what it sends as an agent does. One thread.
class Client {
public:
    Client(MessageServer& server, AgentId id) : server_(server), id_(id) {}
    AgentId id() const noexcept { return id_; }
    std::uint64_t sent() const noexcept { return next_sequence_; }

    bool send(AgentId to, std::uint64_t tag, std::string_view payload) {
        return server_.send(stamp(to, tag, payload));
    }
    std::size_t publish(std::string_view topic, std::uint64_t tag, std::string_view payload) {
        return server_.publish(topic, stamp(kNoAgent, tag, payload));
    }
    std::size_t broadcast(std::uint64_t tag, std::string_view payload) {
        return server_.broadcast(stamp(kNoAgent, tag, payload));
    }

private:
    Message stamp(AgentId to, std::uint64_t tag, std::string_view payload) {
        Message message;
        message.sender = id_;
        message.recipient = to;
        message.sequence = next_sequence_++;
        message.tag = tag;
        message.payload.assign(payload.data(), payload.size());
        message.sent_ns = message_clock_ns();
        return message;
    }

    MessageServer& server_;
    AgentId id_;
    std::uint64_t next_sequence_ = 0;
};

}  // namespace perfbench::workloads::messages
