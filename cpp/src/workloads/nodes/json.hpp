// A small JSON parser and serialiser for the node payload (RFC 8259, written for perfbench).
//
// Parsing: objects, arrays, strings with every escape (\uXXXX including surrogate pairs,
// decoded to UTF-8), numbers (validated against the JSON grammar, converted with
// std::from_chars), true / false / null, insignificant whitespace. Nesting is limited so
// that hostile input cannot overflow the stack. Bytes >= 0x80 inside strings are passed
// through as they are (UTF-8 is not re-validated).
// Serialising: compact (no whitespace), members in insertion order, numbers in the
// shortest form that reads back to the same double (std::to_chars), non-ASCII as raw
// UTF-8, control characters escaped; NaN and infinities, which JSON cannot express,
// become null as JavaScript's JSON.stringify does.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>

#include "value.hpp"

namespace perfbench::workloads::nodes {

class JsonParseError : public std::runtime_error {
public:
    JsonParseError(const std::string& what, std::size_t offset)
        : std::runtime_error(what + " at byte " + std::to_string(offset)), offset_(offset) {}
    std::size_t offset() const noexcept { return offset_; }

private:
    std::size_t offset_;
};

inline constexpr int kMaxJsonDepth = 256;

// Parses one JSON document (surrounding whitespace allowed, nothing else after it).
Value parse_json(std::string_view text);

// Appends the compact JSON form of `value` to `out` (which keeps its capacity across calls).
void serialize_json(const Value& value, String& out);

inline String to_json(const Value& value) {
    String out;
    serialize_json(value, out);
    return out;
}

}  // namespace perfbench::workloads::nodes
