#include "router.hpp"

#include <stdexcept>

namespace perfbench::workloads::messages {

namespace {
using ChunkAllocator = TrackingAllocator<Agent*>;
}  // namespace

Router::~Router() {
    clear([](Agent*) {});
}

AgentId Router::add(Agent* agent) {
    std::lock_guard lock(spawn_mutex_);
    const std::size_t id = count_.load(std::memory_order_relaxed);
    if (id >= kMaxAgents) throw std::length_error("the message server is full (1,048,576 agents)");
    Agent**& chunk = chunks_[id / kChunkSlots];
    if (chunk == nullptr) chunk = ChunkAllocator{}.allocate(kChunkSlots);
    chunk[id % kChunkSlots] = agent;
    // Release: a sender that sees the new count sees the slot (and the agent) written.
    count_.store(id + 1, std::memory_order_release);
    return static_cast<AgentId>(id);
}

void Router::clear(const std::function<void(Agent*)>& retire) {
    std::lock_guard lock(spawn_mutex_);
    const std::size_t count = count_.load(std::memory_order_relaxed);
    count_.store(0, std::memory_order_release);
    for (std::size_t id = 0; id < count; ++id) retire(chunks_[id / kChunkSlots][id % kChunkSlots]);
    for (Agent**& chunk : chunks_) {
        if (chunk == nullptr) continue;
        ChunkAllocator{}.deallocate(chunk, kChunkSlots);
        chunk = nullptr;
    }
    std::unique_lock topics_lock(topics_mutex_);
    topics_.clear();
}

void Router::subscribe(const tracked_string& topic, AgentId agent) {
    if (agent >= size()) throw std::invalid_argument("cannot subscribe an agent that does not exist");
    std::unique_lock lock(topics_mutex_);
    topics_[topic].push_back(agent);
}

}  // namespace perfbench::workloads::messages
