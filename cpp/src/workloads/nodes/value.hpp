// The payload that flows between workflow nodes: a small JSON-like value.
//
// null | bool | number (double) | string | array | object. Objects keep their members in
// insertion order in a vector rather than a map: payload records have a handful to a few
// dozen keys, where a linear scan beats hashing, and a stable order makes serialisation
// deterministic (the JSON self-checks compare exact strings).
//
// Every container uses TrackingAllocator, so the memory workloads can count what a node or
// a workflow allocates per operation without hooking global operator new.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string_view>
#include <utility>
#include <variant>

#include "workloads/tracking_allocator.hpp"

namespace perfbench::workloads::nodes {

class Value;
using String = tracked_string;
using Array = tracked_vector<Value>;
using Member = std::pair<String, Value>;
using Object = tracked_vector<Member>;

inline String make_string(std::string_view text) { return String(text.data(), text.size()); }

class Value {
public:
    // The order matches the variant's alternatives, so kind() is the variant index.
    enum class Kind : std::uint8_t { null, boolean, number, string, array, object };

    Value() = default;
    Value(std::nullptr_t) {}
    Value(bool b) : data_(b) {}
    Value(double d) : data_(d) {}
    Value(int i) : data_(static_cast<double>(i)) {}
    Value(std::int64_t i) : data_(static_cast<double>(i)) {}
    Value(std::uint64_t i) : data_(static_cast<double>(i)) {}
    Value(String s) : data_(std::move(s)) {}
    Value(std::string_view s) : data_(make_string(s)) {}
    Value(const char* s) : data_(make_string(s)) {}
    Value(Array a) : data_(std::move(a)) {}
    Value(Object o) : data_(std::move(o)) {}

    static Value object() { return Value(Object{}); }
    static Value array() { return Value(Array{}); }

    Kind kind() const noexcept { return static_cast<Kind>(data_.index()); }
    bool is_null() const noexcept { return kind() == Kind::null; }
    bool is_bool() const noexcept { return kind() == Kind::boolean; }
    bool is_number() const noexcept { return kind() == Kind::number; }
    bool is_string() const noexcept { return kind() == Kind::string; }
    bool is_array() const noexcept { return kind() == Kind::array; }
    bool is_object() const noexcept { return kind() == Kind::object; }

    // Typed access; std::bad_variant_access when the kind is different.
    bool as_bool() const { return std::get<bool>(data_); }
    double as_number() const { return std::get<double>(data_); }
    const String& as_string() const { return std::get<String>(data_); }
    String& as_string() { return std::get<String>(data_); }
    const Array& as_array() const { return std::get<Array>(data_); }
    Array& as_array() { return std::get<Array>(data_); }
    const Object& as_object() const { return std::get<Object>(data_); }
    Object& as_object() { return std::get<Object>(data_); }

    // Object member by key: nullptr when absent or when this is not an object.
    const Value* find(std::string_view key) const noexcept {
        const auto* members = std::get_if<Object>(&data_);
        if (!members) return nullptr;
        for (const auto& [name, value] : *members)
            if (std::string_view(name) == key) return &value;
        return nullptr;
    }
    Value* find(std::string_view key) noexcept {
        return const_cast<Value*>(static_cast<const Value&>(*this).find(key));
    }
    // Member of the given kind, or nullptr.
    const Value* find(std::string_view key, Kind kind) const noexcept {
        const Value* v = find(key);
        return v && v->kind() == kind ? v : nullptr;
    }

    // Replaces the member `key` or appends it (keeping insertion order); this must be an object.
    Value& set(std::string_view key, Value value) {
        if (Value* existing = find(key)) {
            *existing = std::move(value);
            return *existing;
        }
        auto& members = as_object();
        members.emplace_back(make_string(key), std::move(value));
        return members.back().second;
    }

    friend bool operator==(const Value& a, const Value& b) { return a.data_ == b.data_; }

private:
    std::variant<std::monostate, bool, double, String, Array, Object> data_;
};

// Human-readable name of a kind, for error messages ("expected a number").
inline std::string_view kind_name(Value::Kind kind) noexcept {
    switch (kind) {
        case Value::Kind::null: return "null";
        case Value::Kind::boolean: return "bool";
        case Value::Kind::number: return "number";
        case Value::Kind::string: return "string";
        case Value::Kind::array: return "array";
        case Value::Kind::object: return "object";
    }
    return "?";
}

}  // namespace perfbench::workloads::nodes
