// Agents: lightweight actors of the message server.
//
// An agent is an object — a mailbox, its own state and a handler (on_message) — not a
// thread. A small pool of scheduler threads runs agents that have mail, one slice at a
// time, and never runs one agent on two threads at once, so a handler needs no locking
// for the agent's own state. That is what lets 10,000 agents live in a few megabytes.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "workloads/tracking_allocator.hpp"
#include "mailbox.hpp"
#include "message.hpp"

namespace perfbench::workloads::messages {

class Agent;
class MessageServer;

// What a running handler is given: the server to send through, and the index of the
// scheduler thread running it (0 .. threads-1), which lets workloads keep per-thread state
// such as latency histograms without sharing it between threads.
class Context {
public:
    Context(MessageServer& server, unsigned worker) noexcept : server_(server), worker_(worker) {}

    MessageServer& server() const noexcept { return server_; }
    unsigned worker() const noexcept { return worker_; }
    Agent& self() const noexcept { return *self_; }

    // Sends from the running agent: stamps its id, its next sequence number and the time.
    bool send(AgentId to, std::uint64_t tag, std::string_view payload);

private:
    friend class Agent;
    MessageServer& server_;
    unsigned worker_;
    Agent* self_ = nullptr;
};

class Agent {
public:
    // A mailbox starts with room for a few messages, so an agent's first messages do not
    // each grow it; this is part of what "memory per agent" counts.
    static constexpr std::size_t kInitialMailboxCapacity = 4;

    Agent() : mailbox_(kInitialMailboxCapacity) {}
    virtual ~Agent() = default;
    Agent(const Agent&) = delete;
    Agent& operator=(const Agent&) = delete;

    AgentId id() const noexcept { return id_; }
    // Read these from outside only once the server is drained (drain() orders them).
    std::uint64_t handled() const noexcept { return handled_; }
    std::uint64_t sent() const noexcept { return next_sequence_; }
    std::size_t waiting() const { return mailbox_.waiting(); }

    // Scheduler only: handles up to `budget` messages; true while more are waiting.
    // The budget bounds how long one agent holds a scheduler thread when flooded.
    bool run_slice(Context& context, std::size_t budget);

protected:
    virtual void on_message(Context& context, Message& message) = 0;

private:
    friend class Context;
    friend class MessageServer;

    AgentId id_ = kNoAgent;
    std::uint64_t next_sequence_ = 0;
    std::uint64_t handled_ = 0;
    Mailbox mailbox_;
    tracked_vector<Message> batch_;  // taken from the mailbox, handled from batch_position_
    std::size_t batch_position_ = 0;
    void (*destroy_)(Agent*) = nullptr;  // set by MessageServer::spawn, which knows the type
};

inline bool Agent::run_slice(Context& context, std::size_t budget) {
    if (batch_.empty()) mailbox_.take_arrived(batch_);
    context.self_ = this;
    const std::size_t end = std::min(batch_.size(), batch_position_ + budget);
    for (; batch_position_ < end; ++batch_position_) {
        on_message(context, batch_[batch_position_]);
        ++handled_;
    }
    if (batch_position_ < batch_.size()) return true;
    batch_.clear();  // handled messages (and any payloads they own) go now, not at the next slice
    batch_position_ = 0;
    return mailbox_.stay_scheduled();
}

}  // namespace perfbench::workloads::messages
