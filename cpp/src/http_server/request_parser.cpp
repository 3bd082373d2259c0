#include "http_server/request_parser.hpp"

#include <charconv>
#include <cstring>
#include <string_view>

namespace perfbench {

namespace {

bool iequals(std::string_view text, std::string_view lower) {
    if (text.size() != lower.size()) return false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        char ch = text[i];
        if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');
        if (ch != lower[i]) return false;
    }
    return true;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

// The whole of `text` as a decimal number, or false.
bool whole_number(std::string_view text, std::uint64_t& out) {
    if (text.empty()) return false;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), out);
    return error == std::errc{} && end == text.data() + text.size();
}

void route(std::string_view target, RequestView& view) {
    if (const auto query = target.find('?'); query != std::string_view::npos) target = target.substr(0, query);
    if (target == "/echo") {
        view.route = Route::echo;
    } else if (target == "/" || target == "/bytes") {
        view.route = Route::bytes;
    } else if (target.starts_with("/bytes/")) {
        if (whole_number(target.substr(7), view.size)) view.route = Route::bytes, view.size_given = true;
    } else if (target.starts_with("/until-close/")) {
        if (whole_number(target.substr(13), view.size)) view.route = Route::until_close, view.size_given = true;
    } else if (target.starts_with("/trickle/")) {
        if (whole_number(target.substr(9), view.size)) view.route = Route::trickle, view.size_given = true;
    } else if (target.starts_with("/chunked/")) {
        std::string_view rest = target.substr(9);
        const auto slash = rest.find('/');
        const bool sized = whole_number(rest.substr(0, slash), view.size);
        const bool chunk_ok = slash == std::string_view::npos ||
                              (whole_number(rest.substr(slash + 1), view.chunk) && view.chunk > 0);
        if (sized && chunk_ok) {
            view.route = Route::chunked;
            view.size_given = true;
            view.chunk_given = slash != std::string_view::npos;
        }
    }
}

}  // namespace

ParseStatus RequestParser::parse(const char* data, std::size_t size, std::size_t max_head, std::uint64_t max_body) {
    if (!head_parsed_) {
        const std::size_t from = scanned_ > 3 ? scanned_ - 3 : 0;
        const void* blank = size > from ? memmem(data + from, size - from, "\r\n\r\n", 4) : nullptr;
        if (!blank) {
            scanned_ = size;
            return size > max_head ? ParseStatus::head_too_large : ParseStatus::incomplete;
        }
        const std::size_t head_length = static_cast<std::size_t>(static_cast<const char*>(blank) - data) + 4;
        if (head_length > max_head) return ParseStatus::head_too_large;
        if (const ParseStatus s = parse_head(data, head_length, max_body); s != ParseStatus::complete) return s;
        head_parsed_ = true;
    }
    return size >= view_.total_length ? ParseStatus::complete : ParseStatus::incomplete;
}

ParseStatus RequestParser::parse_head(const char* data, std::size_t length, std::uint64_t max_body) {
    const std::string_view head(data, length - 2);  // each line keeps its CRLF; the blank one is dropped
    std::size_t line_end = head.find("\r\n");
    const std::string_view request_line = head.substr(0, line_end);

    const auto first_space = request_line.find(' ');
    const auto last_space = request_line.rfind(' ');
    if (first_space == 0 || first_space == std::string_view::npos || last_space == first_space)
        return ParseStatus::bad_request;
    const std::string_view target = request_line.substr(first_space + 1, last_space - first_space - 1);
    const std::string_view version = request_line.substr(last_space + 1);
    if (version == "HTTP/1.1") {
        view_.keep_alive = true;
    } else if (version == "HTTP/1.0") {
        view_.keep_alive = false;
    } else {
        return version.starts_with("HTTP/") ? ParseStatus::bad_version : ParseStatus::bad_request;
    }
    const bool http10 = !view_.keep_alive;
    if (target.empty() || target.front() != '/') return ParseStatus::bad_request;

    bool length_seen = false;
    for (std::size_t start = line_end + 2; start < head.size(); start = line_end + 2) {
        line_end = head.find("\r\n", start);
        const std::string_view line = head.substr(start, line_end - start);
        const auto colon = line.find(':');
        if (colon == std::string_view::npos || colon == 0) return ParseStatus::bad_request;
        const std::string_view name = line.substr(0, colon);
        const std::string_view value = trim(line.substr(colon + 1));
        if (iequals(name, "content-length")) {
            std::uint64_t n = 0;
            if (!whole_number(value, n) || (length_seen && n != view_.body_length)) return ParseStatus::bad_request;
            if (n > max_body) return ParseStatus::body_too_large;
            view_.body_length = static_cast<std::size_t>(n);
            length_seen = true;
        } else if (iequals(name, "transfer-encoding")) {
            if (!iequals(value, "identity")) return ParseStatus::unsupported_coding;
        } else if (iequals(name, "connection")) {
            std::string_view tokens = value;
            while (!tokens.empty()) {
                const auto comma = tokens.find(',');
                const std::string_view token = trim(tokens.substr(0, comma));
                if (iequals(token, "close")) {
                    view_.keep_alive = false;
                    view_.http10_keep_alive = false;
                } else if (iequals(token, "keep-alive") && http10) {
                    view_.keep_alive = true;
                    view_.http10_keep_alive = true;
                }
                if (comma == std::string_view::npos) break;
                tokens.remove_prefix(comma + 1);
            }
        }
    }
    view_.head_length = length;
    view_.total_length = length + view_.body_length;
    route(target, view_);
    return ParseStatus::complete;
}

}  // namespace perfbench
