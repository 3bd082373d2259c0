#include "perfbench/load/http1.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstring>
#include <stdexcept>

namespace perfbench::load {

namespace {
// A line longer than this is not a header a server would send us; treat it as garbage rather
// than buffering an endless stream.
constexpr std::size_t max_line = 16 * 1024;

bool has_control_characters(std::string_view text) {
    return std::any_of(text.begin(), text.end(), [](unsigned char c) { return c < 0x20 || c == 0x7f; });
}

// ASCII only, inline: std::tolower is a locale-aware libc call per character, and was 2.2 % of a
// closed-loop run's CPU against nginx (perf record, 32 connections), more than recording latencies.
constexpr char ascii_lower(char c) noexcept { return c >= 'A' && c <= 'Z' ? static_cast<char>(c | 0x20) : c; }

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() &&
           std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return ascii_lower(x) == ascii_lower(y); });
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

bool contains_token(std::string_view list, std::string_view token) {
    while (!list.empty()) {
        const auto comma = list.find(',');
        if (iequals(trim(list.substr(0, comma)), token)) return true;
        if (comma == std::string_view::npos) break;
        list.remove_prefix(comma + 1);
    }
    return false;
}
}  // namespace

Http1Protocol::Http1Protocol(const HttpRequestSpec& spec) : head_(spec.method == "HEAD") {
    if (spec.method.empty() || std::any_of(spec.method.begin(), spec.method.end(),
                                           [](unsigned char c) { return !std::isupper(c); }))
        throw std::invalid_argument("HTTP method must be upper-case letters, got '" + spec.method + "'");
    if (spec.target.empty() || spec.target.find(' ') != std::string::npos || has_control_characters(spec.target))
        throw std::invalid_argument("request target must be non-empty, without spaces or control characters");
    request_ = spec.method + " " + spec.target + " HTTP/1.1\r\nHost: " + spec.host + "\r\nUser-Agent: perfbench\r\n";
    if (!spec.keep_alive) request_ += "Connection: close\r\n";
    for (const auto& [name, value] : spec.headers) {
        if (name.empty() || name.find(':') != std::string::npos || has_control_characters(name) ||
            has_control_characters(value))
            throw std::invalid_argument("header '" + name + "' has a ':' in its name or a control character");
        request_ += name + ": " + value + "\r\n";
    }
    if (spec.body_size > 0 || spec.method == "POST" || spec.method == "PUT")
        request_ += "Content-Length: " + std::to_string(spec.body_size) + "\r\n";
    request_ += "\r\n";
    request_.append(spec.body_size, 'x');
}

std::unique_ptr<ResponseParser> Http1Protocol::new_parser() const {
    return std::make_unique<Http1ResponseParser>(head_);
}

void Http1ResponseParser::reset() noexcept {
    stage_ = Stage::status_line;
    line_.clear();
    started_ = false;
    status_ = 0;
    http10_ = false;
    keep_alive_ = true;
    chunked_ = false;
    has_length_ = false;
    remaining_ = 0;
}

ParseOutcome Http1ResponseParser::malformed() noexcept {
    stage_ = Stage::done;
    return {ParseOutcome::State::malformed, status_, false};
}

// Appends bytes up to a CRLF to line_; true with the whole line (CRLF stripped) when one ended.
bool Http1ResponseParser::take_line(const char*& p, const char* end, std::string_view& line) {
    const char* newline = static_cast<const char*>(std::memchr(p, '\n', static_cast<std::size_t>(end - p)));
    if (newline == nullptr) newline = end;
    if (line_.empty() && newline != end && newline > p && newline[-1] == '\r') {
        // The usual case: the whole line is in this read; use it where it lies, without a copy.
        line = std::string_view(p, static_cast<std::size_t>(newline - 1 - p));
        p = newline + 1;
        return true;
    }
    line_.append(p, newline);
    if (newline == end) {
        p = end;
        return false;
    }
    p = newline + 1;
    if (line_.empty() || line_.back() != '\r') {
        line_ = "\x01";  // a bare LF: marked so the caller rejects it
        line = line_;
        return true;
    }
    line_.pop_back();
    line = line_;
    return true;
}

bool Http1ResponseParser::parse_status_line(std::string_view line) {
    // HTTP/1.x SP 3DIGIT SP reason
    if (line.size() < 12 || line.substr(0, 7) != "HTTP/1." || (line[7] != '0' && line[7] != '1') || line[8] != ' ')
        return false;
    http10_ = line[7] == '0';
    keep_alive_ = !http10_;
    int status = 0;
    const auto digits = line.substr(9, 3);
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + 3, status);
    if (ec != std::errc() || end != digits.data() + 3 || status < 100 || status > 599) return false;
    if (line.size() > 12 && line[12] != ' ') return false;
    status_ = status;
    return true;
}

bool Http1ResponseParser::parse_header(std::string_view line) {
    const auto colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0 || line.front() == ' ' || line.front() == '\t') return false;
    const auto name = line.substr(0, colon);
    const auto value = trim(line.substr(colon + 1));
    if (iequals(name, "content-length")) {
        std::uint64_t length = 0;
        const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), length);
        if (ec != std::errc() || end != value.data() + value.size() || value.empty()) return false;
        if (has_length_ && length != remaining_) return false;  // conflicting lengths
        has_length_ = true;
        remaining_ = length;
    } else if (iequals(name, "transfer-encoding")) {
        chunked_ = contains_token(value, "chunked");
        if (!chunked_) return false;  // only chunked is understood; anything else cannot be delimited
    } else if (iequals(name, "connection")) {
        if (contains_token(value, "close")) keep_alive_ = false;
        if (contains_token(value, "keep-alive")) keep_alive_ = true;
    }
    return true;
}

// Body bytes are counted, never copied; true once the remaining ones all arrived.
bool Http1ResponseParser::skip_body(const char*& p, const char* end) noexcept {
    const auto take = std::min<std::uint64_t>(remaining_, static_cast<std::uint64_t>(end - p));
    p += take;
    remaining_ -= take;
    return remaining_ == 0;
}

void Http1ResponseParser::begin_body() {
    const bool no_body = head_request_ || status_ == 204 || status_ == 304 || status_ < 200;
    if (no_body) stage_ = Stage::done;
    else if (chunked_) stage_ = Stage::chunk_size;
    else if (has_length_) stage_ = remaining_ ? Stage::body_length : Stage::done;
    else {
        stage_ = Stage::body_until_close;
        keep_alive_ = false;
    }
}

ParseOutcome Http1ResponseParser::feed(const char* data, std::size_t size) {
    const char* p = data;
    const char* end = data + size;
    if (size) started_ = true;
    std::string_view line;
    while (p < end) {
        switch (stage_) {
            case Stage::status_line:
                if (!take_line(p, end, line)) break;
                if (!parse_status_line(line)) return malformed();
                line_.clear();
                stage_ = Stage::headers;
                break;
            case Stage::headers:
                if (!take_line(p, end, line)) break;
                if (line.empty()) {
                    line_.clear();
                    if (status_ >= 100 && status_ < 200 && status_ != 101) {  // interim: the real one follows
                        stage_ = Stage::status_line;
                        break;
                    }
                    begin_body();
                    break;
                }
                if (!parse_header(line)) return malformed();
                line_.clear();
                break;
            case Stage::body_length:
                if (skip_body(p, end)) stage_ = Stage::done;
                break;
            case Stage::chunk_size: {
                if (!take_line(p, end, line)) break;
                const auto semicolon = line.find(';');  // chunk extensions are ignored
                const auto hex = trim(line.substr(0, semicolon));
                std::uint64_t length = 0;
                const auto [last, ec] = std::from_chars(hex.data(), hex.data() + hex.size(), length, 16);
                if (hex.empty() || ec != std::errc() || last != hex.data() + hex.size()) return malformed();
                line_.clear();
                remaining_ = length;
                stage_ = length ? Stage::chunk_data : Stage::trailers;
                break;
            }
            case Stage::chunk_data:
                if (skip_body(p, end)) stage_ = Stage::chunk_data_end;
                break;
            case Stage::chunk_data_end:
                if (!take_line(p, end, line)) break;
                if (!line.empty()) return malformed();
                stage_ = Stage::chunk_size;
                break;
            case Stage::trailers:
                if (!take_line(p, end, line)) break;
                if (line.empty()) stage_ = Stage::done;
                else if (line.find(':') == std::string_view::npos) return malformed();
                line_.clear();
                break;
            case Stage::body_until_close:
                p = end;
                break;
            case Stage::done:
                // Bytes beyond the end of the response: no request was pipelined, so they are garbage.
                return malformed();
        }
        if (line_.size() > max_line) return malformed();
    }
    if (stage_ == Stage::done) return {ParseOutcome::State::complete, status_, keep_alive_};
    return {};
}

ParseOutcome Http1ResponseParser::on_close() {
    if (stage_ == Stage::body_until_close) {
        stage_ = Stage::done;
        return {ParseOutcome::State::complete, status_, false};
    }
    return {};  // cut short: the caller counts a reset
}

}  // namespace perfbench::load
