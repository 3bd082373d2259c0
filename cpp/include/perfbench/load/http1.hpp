// HTTP/1.1: the request a run sends and an incremental response parser (Content-Length,
// chunked, or delimited by the connection's close; malformed input detected, never trusted).
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "perfbench/load/protocol.hpp"

namespace perfbench::load {

struct HttpRequestSpec {
    std::string method = "GET";
    std::string host;  // the Host header, e.g. "127.0.0.1:8080"
    std::string target = "/";
    std::size_t body_size = 0;  // a body of this many bytes (and its Content-Length) when > 0
    bool keep_alive = true;     // false: "Connection: close", a new connection per request
    std::vector<std::pair<std::string, std::string>> headers;
};

class Http1Protocol final : public Protocol {
public:
    // Throws std::invalid_argument for a method, target or header that would corrupt the request.
    explicit Http1Protocol(const HttpRequestSpec& spec);
    std::string_view request_bytes() const noexcept override { return request_; }
    std::unique_ptr<ResponseParser> new_parser() const override;

private:
    std::string request_;
    bool head_ = false;
};

class Http1ResponseParser final : public ResponseParser {
public:
    explicit Http1ResponseParser(bool head_request) : head_request_(head_request) {}
    void reset() noexcept override;
    ParseOutcome feed(const char* data, std::size_t size) override;
    ParseOutcome on_close() override;
    bool started() const noexcept override { return started_; }

private:
    enum class Stage { status_line, headers, body_length, chunk_size, chunk_data, chunk_data_end, trailers,
                       body_until_close, done };
    ParseOutcome malformed() noexcept;
    bool take_line(const char*& p, const char* end, std::string_view& line);
    bool parse_status_line(std::string_view line);
    bool parse_header(std::string_view line);
    void begin_body();
    bool skip_body(const char*& p, const char* end) noexcept;

    bool head_request_;
    Stage stage_ = Stage::status_line;
    std::string line_;  // the part of a line received so far (status line, headers, chunk sizes)
    bool started_ = false;
    int status_ = 0;
    bool http10_ = false;
    bool keep_alive_ = true;
    bool chunked_ = false;
    bool has_length_ = false;
    std::uint64_t remaining_ = 0;
};

}  // namespace perfbench::load
