#include "perfbench/load/connection.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace perfbench::load {

Endpoint Endpoint::parse(const std::string& numeric_host, std::uint16_t port) {
    Endpoint e;
    auto* v4 = reinterpret_cast<sockaddr_in*>(&e.address);
    auto* v6 = reinterpret_cast<sockaddr_in6*>(&e.address);
    if (inet_pton(AF_INET, numeric_host.c_str(), &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons(port);
        e.length = sizeof(sockaddr_in);
    } else if (inet_pton(AF_INET6, numeric_host.c_str(), &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons(port);
        e.length = sizeof(sockaddr_in6);
    } else {
        throw std::invalid_argument("not a numeric IPv4 or IPv6 address: " + numeric_host);
    }
    return e;
}

RequestError classify_errno(int error, bool connecting) noexcept {
    if (error == ECONNREFUSED) return RequestError::connect_refused;
    if (error == ETIMEDOUT) return RequestError::timeout;
    if (connecting) return RequestError::connect_failed;
    return RequestError::reset;  // ECONNRESET, EPIPE, ECONNABORTED and the rest after connecting
}

IoResult TcpConnection::start_connect(const Endpoint& endpoint) {
    close();
    fd_ = ::socket(endpoint.address.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd_ < 0) return {IoStatus::failed, 0, RequestError::connect_failed};
    // Requests are written whole; Nagle would hold a small request back waiting for an ACK.
    const int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    if (::connect(fd_, reinterpret_cast<const sockaddr*>(&endpoint.address), endpoint.length) == 0)
        return {IoStatus::done};
    if (errno == EINPROGRESS) return {IoStatus::would_block};
    const int error = errno;
    close();
    return {IoStatus::failed, 0, classify_errno(error, true)};
}

IoResult TcpConnection::finish_connect() {
    int error = 0;
    socklen_t length = sizeof(error);
    if (::getsockopt(fd_, SOL_SOCKET, SO_ERROR, &error, &length) != 0) error = errno;
    if (error == 0) return {IoStatus::done};
    close();
    return {IoStatus::failed, 0, classify_errno(error, true)};
}

IoResult TcpConnection::write_some(const char* data, std::size_t size, bool connecting) {
    // MSG_NOSIGNAL: a peer that closed must give EPIPE here, not kill the process with SIGPIPE.
    const ssize_t n = ::send(fd_, data, size, MSG_NOSIGNAL);
    if (n >= 0) return {IoStatus::done, static_cast<std::size_t>(n)};
    if (errno == EAGAIN || errno == EWOULDBLOCK) return {IoStatus::would_block};
    const int error = errno;
    if (connecting) close();  // as finish_connect does with a connect that failed
    return {IoStatus::failed, 0, classify_errno(error, connecting)};
}

IoResult TcpConnection::read_some(char* buffer, std::size_t capacity) {
    const ssize_t n = ::recv(fd_, buffer, capacity, 0);
    if (n > 0) return {IoStatus::done, static_cast<std::size_t>(n)};
    if (n == 0) return {IoStatus::closed};
    if (errno == EAGAIN || errno == EWOULDBLOCK) return {IoStatus::would_block};
    return {IoStatus::failed, 0, classify_errno(errno, false)};
}

void TcpConnection::close() noexcept {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
}

}  // namespace perfbench::load
