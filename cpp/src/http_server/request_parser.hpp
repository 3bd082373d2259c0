// The server's HTTP/1.1 request parser: incremental over a byte range that grows as reads
// arrive, allocation-free, and just wide enough for the built-in server's routes.
//
// Why hand-written rather than llhttp (not packaged by Debian here; PyPI's is a Python
// wrapper): the server parses a ~100-byte head per request, one memmem for the blank line and
// one pass over the header lines, and its CPU per request is what the load generator beside it
// loses (see http_server.cpp for the measured figure).
#pragma once

#include <cstddef>
#include <cstdint>

namespace perfbench {

enum class ParseStatus { incomplete, complete, bad_request, head_too_large, body_too_large, unsupported_coding, bad_version };

enum class Route { not_found, bytes, chunked, until_close, trickle, echo };

struct RequestView {
    std::size_t head_length = 0;   // request line + headers + blank line
    std::size_t body_length = 0;   // Content-Length
    std::size_t total_length = 0;  // head + body: the bytes this request takes from the stream
    Route route = Route::not_found;
    bool size_given = false;       // /bytes/N, /chunked/N, /until-close/N, /trickle/N
    std::uint64_t size = 0;
    bool chunk_given = false;      // /chunked/N/C
    std::uint64_t chunk = 0;
    bool keep_alive = true;        // HTTP/1.1 unless "Connection: close"; HTTP/1.0 only if asked
    bool http10_keep_alive = false;
};

class RequestParser {
public:
    void reset() { *this = RequestParser{}; }
    // `data` holds the stream from this request's first byte; call again with more bytes.
    ParseStatus parse(const char* data, std::size_t size, std::size_t max_head, std::uint64_t max_body);
    const RequestView& request() const { return view_; }
    // Bytes the request needs in one buffer (head + body) once its head is parsed, else 0.
    std::size_t wanted_total() const { return head_parsed_ ? view_.total_length : 0; }

private:
    ParseStatus parse_head(const char* data, std::size_t length, std::uint64_t max_body);
    bool head_parsed_ = false;
    std::size_t scanned_ = 0;  // bytes already searched for the blank line
    RequestView view_;
};

}  // namespace perfbench
