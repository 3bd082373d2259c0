// The agents the message workloads are made of. Each does a little real work per message
// (checks its sequence number and payload, hashes the payload, forwards, computes) and
// counts what it saw, so that a workload can prove every message arrived once and in order.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "perfbench/histogram.hpp"
#include "workloads/tracking_allocator.hpp"
#include "agent.hpp"
#include "message.hpp"
#include "server.hpp"

namespace perfbench::workloads::messages {

// FNV-1a: the "processing" a receiver does with a payload, so its bytes are really read.
inline std::uint64_t fnv1a(std::string_view bytes, std::uint64_t hash = 0xcbf29ce484222325ull) noexcept {
    for (const char c : bytes) hash = (hash ^ static_cast<unsigned char>(c)) * 0x100000001b3ull;
    return hash;
}

// Handles whatever it is sent by counting it: the plain agent that spawn workloads create.
class CountingAgent final : public Agent {
public:
    std::uint64_t checksum() const noexcept { return checksum_; }

protected:
    void on_message(Context&, Message& message) override { checksum_ = fnv1a(message.payload, checksum_); }

private:
    std::uint64_t checksum_ = 0;
};

// On a kick (tag = n) sends n messages round-robin to a contiguous range of receivers:
// its k-th message overall (sequence k) goes to receiver (k + index) mod receivers. The
// offset by its own index spreads the senders over the receivers; the fixed pattern lets
// each receiver know exactly which sequence numbers it must see from each sender.
class BurstSender final : public Agent {
public:
    BurstSender(std::size_t index, std::size_t payload_bytes) : index_(index), payload_bytes_(payload_bytes) {}
    void aim_at(AgentId first_receiver, std::size_t receivers) {
        first_receiver_ = first_receiver;
        receivers_ = receivers;
    }

protected:
    void on_message(Context& context, Message& kick) override {
        char buffer[kMaxPayloadBytes];
        for (std::uint64_t i = 0; i < kick.tag; ++i) {
            const std::uint64_t k = sent();  // the sequence number the next send is stamped with
            const auto to = static_cast<AgentId>(first_receiver_ + (k + index_) % receivers_);
            context.send(to, 0, encode_payload(k, payload_bytes_, buffer));
        }
    }

private:
    std::size_t index_;
    std::size_t payload_bytes_;
    AgentId first_receiver_ = kNoAgent;
    std::size_t receivers_ = 1;
};

// Receiver `index` of R, fed by S BurstSenders with contiguous ids: from sender s it must
// see exactly the sequence numbers k = (index - s) mod R, then + R, + 2R, ... in that
// order. A lost, duplicated, reordered or foreign message breaks the pattern and is
// counted; a payload that does not carry its message's sequence number is counted too.
class SequencedReceiver final : public Agent {
public:
    SequencedReceiver(AgentId first_sender, std::size_t senders, std::size_t index, std::size_t receivers,
                      std::size_t payload_bytes)
        : first_sender_(first_sender), receivers_(receivers), payload_bytes_(payload_bytes),
          next_expected_(senders), received_(senders, 0) {
        for (std::size_t s = 0; s < senders; ++s) next_expected_[s] = first_sequence_from(s, index, receivers);
    }
    static std::uint64_t first_sequence_from(std::size_t sender, std::size_t index, std::size_t receivers) {
        return (index + receivers - sender % receivers) % receivers;
    }

    std::uint64_t received_from(std::size_t sender) const { return received_[sender]; }
    std::uint64_t sequence_errors() const noexcept { return sequence_errors_; }
    std::uint64_t payload_errors() const noexcept { return payload_errors_; }
    std::uint64_t checksum() const noexcept { return checksum_; }

protected:
    void on_message(Context&, Message& message) override {
        const std::size_t s = message.sender - first_sender_;  // wraps to a huge value if below
        if (s >= received_.size()) {
            ++sequence_errors_;  // not from one of our senders
            return;
        }
        ++received_[s];
        if (message.sequence != next_expected_[s]) ++sequence_errors_;
        // Resynchronise on what arrived, so one fault counts once, not for every later message.
        next_expected_[s] = message.sequence + receivers_;
        if (message.payload.size() != payload_bytes_ || decode_payload(message.payload) != message.sequence)
            ++payload_errors_;
        checksum_ = fnv1a(message.payload, checksum_);
    }

private:
    AgentId first_sender_;
    std::size_t receivers_;
    std::size_t payload_bytes_;
    tracked_vector<std::uint64_t> next_expected_;
    tracked_vector<std::uint64_t> received_;
    std::uint64_t sequence_errors_ = 0;
    std::uint64_t payload_errors_ = 0;
    std::uint64_t checksum_ = 0;
};

// A latency histogram per scheduler thread, each on cache lines of its own: the two
// threads record on every hop, and sharing a line would add a coherence miss to each.
struct alignas(64) WorkerLatency {
    LatencyHistogram histogram;
};

// A node of a ring. On a token (tag = hops left) it records the token's latency (send
// timestamp to handler start) in its scheduler thread's histogram and forwards it to the
// next node while hops remain. All of a node's sends go to its successor, so from its
// predecessor it must see sequence numbers 0, 1, 2, ... exactly.
class RingNode final : public Agent {
public:
    explicit RingNode(std::vector<WorkerLatency>* latency_per_worker) : latency_(latency_per_worker) {}
    void link(AgentId predecessor, AgentId successor) {
        predecessor_ = predecessor;
        successor_ = successor;
    }
    std::uint64_t sequence_errors() const noexcept { return sequence_errors_; }

protected:
    void on_message(Context& context, Message& token) override {
        const std::uint64_t now = message_clock_ns();
        (*latency_)[context.worker()].histogram.record(now > token.sent_ns ? now - token.sent_ns : 0);
        if (token.sender == predecessor_) {
            if (token.sequence != expected_from_predecessor_) ++sequence_errors_;
            expected_from_predecessor_ = token.sequence + 1;
        } else if (token.sender < kFirstClientId) {
            ++sequence_errors_;  // another agent than the predecessor
        }
        if (token.tag > 1) context.send(successor_, token.tag - 1, token.payload);
    }

private:
    std::vector<WorkerLatency>* latency_;
    AgentId predecessor_ = kNoAgent;
    AgentId successor_ = kNoAgent;
    std::uint64_t expected_from_predecessor_ = 0;
    std::uint64_t sequence_errors_ = 0;
};

// Subscriber of a topic with one publisher: it receives every publication, so it must see
// that publisher's sequence numbers 0, 1, 2, ... exactly (broadcasts by the same sender
// take numbers from the same count and reach every agent, so they fit the pattern).
class Subscriber final : public Agent {
public:
    explicit Subscriber(AgentId publisher) : publisher_(publisher) {}
    std::uint64_t received() const noexcept { return received_; }
    std::uint64_t sequence_errors() const noexcept { return sequence_errors_; }
    std::uint64_t checksum() const noexcept { return checksum_; }

protected:
    void on_message(Context&, Message& message) override {
        ++received_;
        if (message.sender != publisher_ || message.sequence != expected_) ++sequence_errors_;
        expected_ = message.sequence + 1;
        checksum_ = fnv1a(message.payload, checksum_);
    }

private:
    AgentId publisher_;
    std::uint64_t expected_ = 0;
    std::uint64_t received_ = 0;
    std::uint64_t sequence_errors_ = 0;
    std::uint64_t checksum_ = 0;
};

}  // namespace perfbench::workloads::messages
