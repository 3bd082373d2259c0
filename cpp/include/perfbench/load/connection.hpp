// The connection layer: one non-blocking TCP socket, nothing about HTTP.
//
// The scheduler drives it from its epoll loop; every call returns at once with what happened
// (done, would block, or a classified failure), so partial writes and reads are the caller's
// ordinary case. A protocol (http1.hpp today, HTTP/2 later) only ever sees bytes.
#pragma once

#include <sys/socket.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "perfbench/load/outcomes.hpp"

namespace perfbench::load {

struct Endpoint {
    sockaddr_storage address{};
    socklen_t length = 0;
    // "127.0.0.1" or "::1" and a port; throws std::invalid_argument when not a numeric address.
    static Endpoint parse(const std::string& numeric_host, std::uint16_t port);
};

enum class IoStatus : std::uint8_t { done, would_block, closed, failed };

struct IoResult {
    IoStatus status;
    std::size_t bytes = 0;
    RequestError error = RequestError::reset;  // when status == failed
};

class TcpConnection {
public:
    TcpConnection() = default;
    TcpConnection(const TcpConnection&) = delete;
    TcpConnection& operator=(const TcpConnection&) = delete;
    ~TcpConnection() { close(); }

    // done: connected at once; would_block: in progress (wait for EPOLLOUT, then finish_connect).
    IoResult start_connect(const Endpoint& endpoint);
    IoResult finish_connect();
    // connecting: written before the connect was seen to complete (EAGAIN while the handshake is
    // on); a failure is then classified as the connect's.
    IoResult write_some(const char* data, std::size_t size, bool connecting = false);
    // closed: the peer closed its side (EOF).
    IoResult read_some(char* buffer, std::size_t capacity);
    void close() noexcept;

    int fd() const noexcept { return fd_; }
    bool is_open() const noexcept { return fd_ >= 0; }

private:
    int fd_ = -1;
};

// errno of a failed connect/read/write, as the kind of failure a report counts.
RequestError classify_errno(int error, bool connecting) noexcept;

}  // namespace perfbench::load
