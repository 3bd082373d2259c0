// What the scheduler needs from a protocol, and nothing more: the bytes of a request, and a
// parser per connection that turns response bytes into "need more", "complete" or "malformed".
// HTTP/1.1 implements it in http1.hpp; HTTP/2 (libnghttp2) would be another implementation
// without touching the scheduler, which only sees bytes and outcomes.
#pragma once

#include <cstddef>
#include <memory>
#include <string_view>

namespace perfbench::load {

struct ParseOutcome {
    enum class State { need_more, complete, malformed } state = State::need_more;
    int status = 0;           // the response's status code, when complete
    bool keep_alive = true;   // whether the connection may carry the next request
};

class ResponseParser {
public:
    virtual ~ResponseParser() = default;
    // Ready for the next response on the same connection.
    virtual void reset() noexcept = 0;
    virtual ParseOutcome feed(const char* data, std::size_t size) = 0;
    // The peer closed the connection: a response delimited by the close is complete here.
    virtual ParseOutcome on_close() = 0;
    // Whether any byte of the current response has arrived.
    virtual bool started() const noexcept = 0;
};

class Protocol {
public:
    virtual ~Protocol() = default;
    // The request, ready to write as is (every request of a run is the same).
    virtual std::string_view request_bytes() const noexcept = 0;
    virtual std::unique_ptr<ResponseParser> new_parser() const = 0;
};

}  // namespace perfbench::load
