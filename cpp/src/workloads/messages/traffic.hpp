// Burst traffic through the router: S sender agents, each kicked to send its share of a
// round's messages round-robin to R receiver agents, and the accounting that proves every
// message arrived exactly once and in order. Used by the throughput and scaling workloads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "agents.hpp"
#include "server.hpp"

namespace perfbench::workloads::messages {

class BurstTraffic {
public:
    // Spawns the senders into `server` (which must outlive this).
    BurstTraffic(MessageServer& server, std::size_t senders, std::size_t payload_bytes);
    // Spawns the receivers and aims the senders at them; once, before the first round.
    // Separate from the senders so that a workload can time and weigh the receivers alone.
    void spawn_receivers(std::size_t receivers);

    // Kicks every sender with its share of `messages` and returns once all are handled.
    // Returns the wall time of the round in ns (kicks to drained).
    std::uint64_t run_round(std::uint64_t messages);
    // Kicks without waiting: for checking that shutdown drains what is in flight.
    void start_round(std::uint64_t messages);

    // Once drained: "" when each receiver got from each sender exactly the messages sent
    // to it, in order, with intact payloads; else what is wrong.
    std::string verify() const;
    std::uint64_t delivered() const;  // messages handled by the receivers
    std::uint64_t sent() const;       // messages sent by the senders
    std::uint64_t sequence_errors() const;
    std::uint64_t payload_errors() const;
    std::size_t receivers() const noexcept { return receivers_.size(); }

private:
    MessageServer& server_;
    Client client_;
    std::size_t payload_bytes_;
    std::vector<BurstSender*> senders_;
    std::vector<SequencedReceiver*> receivers_;
};

}  // namespace perfbench::workloads::messages
