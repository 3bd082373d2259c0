#include "traffic.hpp"

#include <stdexcept>

namespace perfbench::workloads::messages {

BurstTraffic::BurstTraffic(MessageServer& server, std::size_t senders, std::size_t payload_bytes)
    : server_(server), client_(server, kFirstClientId), payload_bytes_(payload_bytes) {
    if (senders == 0) throw std::invalid_argument("burst traffic needs at least one sender");
    if (payload_bytes < kMinPayloadBytes || payload_bytes > kMaxPayloadBytes)
        throw std::invalid_argument("payload_bytes must be between 8 and 4096");
    senders_.reserve(senders);
    for (std::size_t s = 0; s < senders; ++s) senders_.push_back(&server.spawn<BurstSender>(s, payload_bytes));
}

void BurstTraffic::spawn_receivers(std::size_t receivers) {
    if (receivers == 0) throw std::invalid_argument("burst traffic needs at least one receiver");
    if (!receivers_.empty()) throw std::logic_error("burst traffic receivers are spawned once");
    receivers_.reserve(receivers);
    const AgentId first_sender = senders_.front()->id();
    for (std::size_t r = 0; r < receivers; ++r)
        receivers_.push_back(
            &server_.spawn<SequencedReceiver>(first_sender, senders_.size(), r, receivers, payload_bytes_));
    // The senders address receivers by id arithmetic, and the receivers identify senders
    // the same way: both ranges must be contiguous (they are unless someone else spawned
    // into this server meanwhile).
    if (senders_.back()->id() != first_sender + senders_.size() - 1 ||
        receivers_.back()->id() != receivers_.front()->id() + receivers - 1)
        throw std::logic_error("burst traffic agents were not spawned with contiguous ids");
    for (BurstSender* sender : senders_) sender->aim_at(receivers_.front()->id(), receivers);
}

void BurstTraffic::start_round(std::uint64_t messages) {
    if (receivers_.empty()) throw std::logic_error("burst traffic has no receivers yet");
    const std::uint64_t share = messages / senders_.size();
    const std::uint64_t extra = messages % senders_.size();
    for (std::size_t s = 0; s < senders_.size(); ++s)
        client_.send(senders_[s]->id(), share + (s < extra ? 1 : 0), {});
}

std::uint64_t BurstTraffic::run_round(std::uint64_t messages) {
    const std::uint64_t began = message_clock_ns();
    start_round(messages);
    server_.drain();
    return message_clock_ns() - began;
}

std::uint64_t BurstTraffic::delivered() const {
    std::uint64_t total = 0;
    for (const auto* receiver : receivers_) total += receiver->handled();
    return total;
}

std::uint64_t BurstTraffic::sent() const {
    std::uint64_t total = 0;
    for (const auto* sender : senders_) total += sender->sent();
    return total;
}

std::uint64_t BurstTraffic::sequence_errors() const {
    std::uint64_t total = 0;
    for (const auto* receiver : receivers_) total += receiver->sequence_errors();
    return total;
}

std::uint64_t BurstTraffic::payload_errors() const {
    std::uint64_t total = 0;
    for (const auto* receiver : receivers_) total += receiver->payload_errors();
    return total;
}

std::string BurstTraffic::verify() const {
    const std::size_t receivers = receivers_.size();
    for (std::size_t s = 0; s < senders_.size(); ++s) {
        const std::uint64_t sent_by_s = senders_[s]->sent();
        for (std::size_t r = 0; r < receivers; ++r) {
            // Sender s sent receiver r the sequence numbers k < sent_by_s with k = first (mod R).
            const std::uint64_t first = SequencedReceiver::first_sequence_from(s, r, receivers);
            const std::uint64_t expected = sent_by_s > first ? (sent_by_s - first - 1) / receivers + 1 : 0;
            const std::uint64_t got = receivers_[r]->received_from(s);
            if (got != expected)
                return "receiver " + std::to_string(r) + " got " + std::to_string(got) + " messages from sender " +
                       std::to_string(s) + ", expected " + std::to_string(expected);
        }
    }
    if (const auto errors = sequence_errors())
        return std::to_string(errors) + " messages arrived out of order, twice, or from a stranger";
    if (const auto errors = payload_errors())
        return std::to_string(errors) + " messages arrived with a payload not their own";
    if (delivered() != sent())
        return "receivers handled " + std::to_string(delivered()) + " messages, senders sent " +
               std::to_string(sent());
    if (server_.undeliverable() != 0) return std::to_string(server_.undeliverable()) + " messages were undeliverable";
    return {};
}

}  // namespace perfbench::workloads::messages
