#include "json.hpp"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <system_error>

namespace perfbench::workloads::nodes {

namespace {

bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

int hex_value(char c) noexcept {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

void append_utf8(String& out, std::uint32_t cp) {
    if (cp < 0x80) {
        out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
        out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
        out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
        out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
}

class Parser {
public:
    explicit Parser(std::string_view text) : text_(text) {}

    Value document() {
        skip_whitespace();
        Value v = value(0);
        skip_whitespace();
        if (pos_ != text_.size()) fail("unexpected data after the document");
        return v;
    }

private:
    [[noreturn]] void fail(const char* what) const { throw JsonParseError(what, pos_); }

    bool at_end() const noexcept { return pos_ >= text_.size(); }
    char peek() const noexcept { return at_end() ? '\0' : text_[pos_]; }

    void skip_whitespace() noexcept {
        while (!at_end()) {
            const char c = text_[pos_];
            if (c != ' ' && c != '\n' && c != '\r' && c != '\t') break;
            ++pos_;
        }
    }

    void expect_literal(std::string_view literal) {
        if (text_.substr(pos_, literal.size()) != literal) fail("invalid literal");
        pos_ += literal.size();
    }

    Value value(int depth) {
        if (depth > kMaxJsonDepth) fail("nesting too deep");
        switch (peek()) {
            case '{': return object(depth);
            case '[': return array(depth);
            case '"': return Value(string());
            case 't': expect_literal("true"); return Value(true);
            case 'f': expect_literal("false"); return Value(false);
            case 'n': expect_literal("null"); return Value();
            default:
                if (peek() == '-' || is_digit(peek())) return Value(number());
                fail(at_end() ? "unexpected end of input" : "unexpected character");
        }
    }

    Value object(int depth) {
        ++pos_;  // '{'
        Object members;
        skip_whitespace();
        if (peek() == '}') {
            ++pos_;
            return Value(std::move(members));
        }
        for (;;) {
            skip_whitespace();
            if (peek() != '"') fail("expected a string key");
            String key = string();
            skip_whitespace();
            if (peek() != ':') fail("expected ':' after a key");
            ++pos_;
            skip_whitespace();
            // Duplicate keys are kept as they come (RFC 8259 leaves them undefined);
            // find() returns the first.
            members.emplace_back(std::move(key), value(depth + 1));
            skip_whitespace();
            if (peek() == ',') {
                ++pos_;
                continue;
            }
            if (peek() == '}') {
                ++pos_;
                return Value(std::move(members));
            }
            fail("expected ',' or '}' in an object");
        }
    }

    Value array(int depth) {
        ++pos_;  // '['
        Array items;
        skip_whitespace();
        if (peek() == ']') {
            ++pos_;
            return Value(std::move(items));
        }
        for (;;) {
            skip_whitespace();
            items.push_back(value(depth + 1));
            skip_whitespace();
            if (peek() == ',') {
                ++pos_;
                continue;
            }
            if (peek() == ']') {
                ++pos_;
                return Value(std::move(items));
            }
            fail("expected ',' or ']' in an array");
        }
    }

    std::uint32_t hex4() {
        if (pos_ + 4 > text_.size()) fail("truncated \\u escape");
        std::uint32_t cp = 0;
        for (int i = 0; i < 4; ++i) {
            const int h = hex_value(text_[pos_++]);
            if (h < 0) fail("invalid hex digit in \\u escape");
            cp = (cp << 4) | static_cast<std::uint32_t>(h);
        }
        return cp;
    }

    String string() {
        ++pos_;  // '"'
        String out;
        for (;;) {
            // Copy the run of plain characters up to the next quote, backslash or control.
            const std::size_t run_start = pos_;
            while (!at_end()) {
                const auto c = static_cast<unsigned char>(text_[pos_]);
                if (c == '"' || c == '\\' || c < 0x20) break;
                ++pos_;
            }
            out.append(text_.data() + run_start, pos_ - run_start);
            if (at_end()) fail("unterminated string");
            const char c = text_[pos_++];
            if (c == '"') return out;
            if (c != '\\') {
                --pos_;
                fail("control character in a string");
            }
            if (at_end()) fail("unterminated escape");
            switch (text_[pos_++]) {
                case '"': out.push_back('"'); break;
                case '\\': out.push_back('\\'); break;
                case '/': out.push_back('/'); break;
                case 'b': out.push_back('\b'); break;
                case 'f': out.push_back('\f'); break;
                case 'n': out.push_back('\n'); break;
                case 'r': out.push_back('\r'); break;
                case 't': out.push_back('\t'); break;
                case 'u': {
                    std::uint32_t cp = hex4();
                    if (cp >= 0xD800 && cp <= 0xDBFF) {  // high surrogate: a low one must follow
                        if (text_.substr(pos_, 2) != "\\u") fail("unpaired high surrogate");
                        pos_ += 2;
                        const std::uint32_t low = hex4();
                        if (low < 0xDC00 || low > 0xDFFF) fail("invalid low surrogate");
                        cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
                    } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
                        fail("unpaired low surrogate");
                    }
                    append_utf8(out, cp);
                    break;
                }
                default: --pos_; fail("invalid escape");
            }
        }
    }

    double number() {
        // Validate the JSON grammar first: from_chars alone would accept "01", "1." or "-.5"
        // style forms and hex-free-but-non-JSON spellings such as "inf".
        const std::size_t start = pos_;
        if (peek() == '-') ++pos_;
        if (peek() == '0') {
            ++pos_;
        } else if (is_digit(peek())) {
            while (is_digit(peek())) ++pos_;
        } else {
            fail("invalid number");
        }
        if (peek() == '.') {
            ++pos_;
            if (!is_digit(peek())) fail("digit expected after the decimal point");
            while (is_digit(peek())) ++pos_;
        }
        if (peek() == 'e' || peek() == 'E') {
            ++pos_;
            if (peek() == '+' || peek() == '-') ++pos_;
            if (!is_digit(peek())) fail("digit expected in the exponent");
            while (is_digit(peek())) ++pos_;
        }
        double result = 0;
        const auto [end, error] = std::from_chars(text_.data() + start, text_.data() + pos_, result);
        if (error == std::errc::result_out_of_range) fail("number out of range");
        if (error != std::errc() || end != text_.data() + pos_) fail("invalid number");
        return result;
    }

    std::string_view text_;
    std::size_t pos_ = 0;
};

void serialize_string(const String& s, String& out) {
    static constexpr char kHex[] = "0123456789abcdef";
    out.push_back('"');
    std::size_t run_start = 0;
    for (std::size_t i = 0; i < s.size(); ++i) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c >= 0x20 && c != '"' && c != '\\') continue;
        out.append(s.data() + run_start, i - run_start);
        run_start = i + 1;
        switch (c) {
            case '"': out.append("\\\""); break;
            case '\\': out.append("\\\\"); break;
            case '\b': out.append("\\b"); break;
            case '\f': out.append("\\f"); break;
            case '\n': out.append("\\n"); break;
            case '\r': out.append("\\r"); break;
            case '\t': out.append("\\t"); break;
            default: {
                const char escape[] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xF]};
                out.append(escape, sizeof escape);
            }
        }
    }
    out.append(s.data() + run_start, s.size() - run_start);
    out.push_back('"');
}

void serialize_number(double d, String& out) {
    if (!std::isfinite(d)) {
        out.append("null");
        return;
    }
    char buffer[32];  // the shortest round-trip form of a double needs at most 24 chars
    const auto [end, error] = std::to_chars(buffer, buffer + sizeof buffer, d);
    if (error != std::errc()) throw std::logic_error("to_chars failed for a finite double");
    out.append(buffer, static_cast<std::size_t>(end - buffer));
}

void serialize(const Value& value, String& out) {
    switch (value.kind()) {
        case Value::Kind::null: out.append("null"); return;
        case Value::Kind::boolean: out.append(value.as_bool() ? "true" : "false"); return;
        case Value::Kind::number: serialize_number(value.as_number(), out); return;
        case Value::Kind::string: serialize_string(value.as_string(), out); return;
        case Value::Kind::array: {
            out.push_back('[');
            bool first = true;
            for (const Value& item : value.as_array()) {
                if (!first) out.push_back(',');
                first = false;
                serialize(item, out);
            }
            out.push_back(']');
            return;
        }
        case Value::Kind::object: {
            out.push_back('{');
            bool first = true;
            for (const auto& [key, member] : value.as_object()) {
                if (!first) out.push_back(',');
                first = false;
                serialize_string(key, out);
                out.push_back(':');
                serialize(member, out);
            }
            out.push_back('}');
            return;
        }
    }
}

}  // namespace

Value parse_json(std::string_view text) { return Parser(text).document(); }

void serialize_json(const Value& value, String& out) { serialize(value, out); }

}  // namespace perfbench::workloads::nodes
