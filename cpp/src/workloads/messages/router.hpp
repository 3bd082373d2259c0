// The router: agent id -> agent (whose mailbox a message goes to), and topic -> subscribers.
//
// Every send looks an agent up; spawns are rare. So the directory is read without a lock:
// ids are dense and assigned in spawn order, slots live in fixed-size chunks that never
// move once allocated, and a slot is written before the published count is raised with
// release ordering. A reader that sees `id < count` (acquire) therefore sees the slot's
// agent fully constructed. Spawns are serialised by a mutex. Agents are not removed one by
// one while the server runs (a concurrent sender could still hold the pointer); they are
// retired all together once the server is drained.
//
// Topics are a map under a reader-writer lock: publishing reads it, subscribing writes.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <functional>
#include <mutex>
#include <shared_mutex>
#include <string_view>

#include "workloads/tracking_allocator.hpp"
#include "message.hpp"

namespace perfbench::workloads::messages {

class Agent;

class Router {
public:
    // 1,024 chunks of 1,024 slots: a million agents, and 8 KiB of chunk pointers here.
    static constexpr std::size_t kChunkSlots = 1024;
    static constexpr std::size_t kMaxChunks = 1024;
    static constexpr std::size_t kMaxAgents = kChunkSlots * kMaxChunks;

    Router() = default;
    ~Router();
    Router(const Router&) = delete;
    Router& operator=(const Router&) = delete;

    // Gives `agent` the next id and makes it reachable; throws std::length_error when full.
    AgentId add(Agent* agent);

    // Any thread, no lock: nullptr for an id that was never handed out.
    Agent* find(AgentId id) const noexcept {
        if (id >= count_.load(std::memory_order_acquire)) return nullptr;
        return chunks_[id / kChunkSlots][id % kChunkSlots];
    }
    std::size_t size() const noexcept { return count_.load(std::memory_order_acquire); }

    // Unroutes every agent, handing each to `retire`, and frees the slots; ids restart at 0.
    // Only when no thread is sending (the server drains first).
    void clear(const std::function<void(Agent*)>& retire);

    void subscribe(const tracked_string& topic, AgentId agent);
    // Calls `deliver` for each subscriber of `topic` under the topic lock; returns how many.
    template <class Deliver>
    std::size_t for_each_subscriber(std::string_view topic, Deliver&& deliver) const {
        std::shared_lock lock(topics_mutex_);
        const auto it = topics_.find(topic);
        if (it == topics_.end()) return 0;
        for (const AgentId id : it->second) deliver(id);
        return it->second.size();
    }

private:
    // Transparent, so publishing looks a topic up by string_view without building a key.
    struct TopicHash {
        using is_transparent = void;
        std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
    };

    std::mutex spawn_mutex_;
    std::atomic<std::size_t> count_{0};
    std::array<Agent**, kMaxChunks> chunks_{};

    mutable std::shared_mutex topics_mutex_;
    tracked_unordered_map<tracked_string, tracked_vector<AgentId>, TopicHash, std::equal_to<>> topics_;
};

}  // namespace perfbench::workloads::messages
