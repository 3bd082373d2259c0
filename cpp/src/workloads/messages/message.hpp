// What agents of the message server exchange: a message, the ids that address it, and
// the clock its latency is measured with.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string_view>

#include "workloads/tracking_allocator.hpp"

namespace perfbench::workloads::messages {

// Agents are numbered densely from 0 in spawn order. Senders outside the server (a client
// connection, a benchmark's own thread) take ids from kFirstClientId up, so a receiver can
// tell them apart and still track their sequence numbers.
using AgentId = std::uint32_t;
inline constexpr AgentId kNoAgent = std::numeric_limits<AgentId>::max();
inline constexpr AgentId kFirstClientId = 0x8000'0000u;

// Send and receive timestamps come from different threads, so the clock must be one every
// core agrees on: steady_clock (a vDSO read: ~20 ns, in steps of ~10 ns on this machine).
// Hops take hundreds of ns to microseconds, so cost and resolution stay below the figure.
inline std::uint64_t message_clock_ns() noexcept {
    return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                          std::chrono::steady_clock::now().time_since_epoch())
                                          .count());
}

// 64 bytes with a payload of up to 15 characters, which the string keeps inline (no
// allocation); longer payloads allocate through the tracking allocator and are counted.
struct Message {
    AgentId sender = kNoAgent;
    AgentId recipient = kNoAgent;
    std::uint64_t sequence = 0;  // the sender's count of messages sent before this one
    std::uint64_t sent_ns = 0;   // message_clock_ns() at send: latency is measured from here
    std::uint64_t tag = 0;       // the application's word: a task id, a hop budget, a burst size
    tracked_string payload;
};

// Payloads in the workloads carry the sequence number in their first 8 bytes, so that a
// receiver can tell a payload that belongs to another message from the right one.
inline constexpr std::size_t kMinPayloadBytes = sizeof(std::uint64_t);
inline constexpr std::size_t kMaxPayloadBytes = 4096;

// Writes `bytes` bytes into `buffer` (at least kMinPayloadBytes, at most kMaxPayloadBytes).
inline std::string_view encode_payload(std::uint64_t value, std::size_t bytes, char* buffer) noexcept {
    std::memcpy(buffer, &value, sizeof value);
    for (std::size_t i = sizeof value; i < bytes; ++i) buffer[i] = static_cast<char>('a' + i % 26);
    return {buffer, bytes};
}

inline std::uint64_t decode_payload(std::string_view payload) noexcept {
    std::uint64_t value = 0;
    if (payload.size() >= sizeof value) std::memcpy(&value, payload.data(), sizeof value);
    return value;
}

}  // namespace perfbench::workloads::messages
