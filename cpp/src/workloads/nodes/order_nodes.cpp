#include "order_nodes.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <stdexcept>

#include "crc32.hpp"
#include "json.hpp"
#include "order.hpp"

namespace perfbench::workloads::nodes {

namespace {

using K = Value::Kind;

std::string_view view(const String& s) { return {s.data(), s.size()}; }

double number_at(const Value& object, std::string_view key, double fallback) {
    const Value* v = object.find(key, K::number);
    return v ? v->as_number() : fallback;
}

std::int64_t cents(double amount) { return std::llround(amount * 100.0); }

}  // namespace

// ---- validate

ValidateOrderNode::ValidateOrderNode(FailureMode mode)
    : Node("validate",
           {{"order_id", K::string}, {"customer", K::object}, {"discount", K::object}, {"shipping", K::object},
            {"items", K::array}},
           {{"validated", K::boolean}}),
      mode_(mode) {}

NodeStatus ValidateOrderNode::process(const Value& input, Value& output, const NodeContext&) const {
    String problem = validate_order(input);
    if (!problem.empty()) {
        if (mode_ == FailureMode::throw_exception) throw std::invalid_argument(std::string(view(problem)));
        return NodeStatus::failure(std::move(problem));
    }
    output.set("validated", true);
    return NodeStatus::success();
}

// ---- price

PriceOrderNode::PriceOrderNode()
    : Node("price", {{"items", K::array}, {"discount", K::object}, {"shipping", K::object}},
           {{"items", K::array}, {"totals", K::object}, {"status", K::string}}) {}

NodeStatus PriceOrderNode::process(const Value& input, Value& output, const NodeContext&) const {
    const double percent = number_at(*input.find("discount"), "percent", 0);
    const double shipping = number_at(*input.find("shipping"), "cost", 0);
    output.as_object().reserve(3);
    Value& items = output.set("items", *input.find("items"));  // a copy: inputs are read-only
    Value& totals = output.set("totals", Value::object());
    if (const char* problem = price_items(items.as_array(), percent, shipping, totals))
        return NodeStatus::failure(std::string_view(problem));
    output.set("status", "priced");
    return NodeStatus::success();
}

// ---- tax

TaxNode::TaxNode() : Node("tax", {{"items", K::array}, {"customer", K::object}}, {{"vat", K::number}, {"vat_rate", K::number}}) {}

NodeStatus TaxNode::process(const Value& input, Value& output, const NodeContext&) const {
    // Standard VAT rates (percent) of the countries the shop ships to.
    static constexpr std::pair<std::string_view, std::int64_t> kRates[] = {
        {"AT", 20}, {"BE", 21}, {"DE", 19}, {"ES", 21}, {"FR", 20}, {"IT", 22}, {"NL", 21}};
    const Value* address = input.find("customer")->find("address", K::object);
    const Value* country = address ? address->find("country", K::string) : nullptr;
    if (!country) return NodeStatus::failure("customer.address.country is missing");
    std::int64_t rate = -1;
    for (const auto& [code, percent] : kRates)
        if (code == view(country->as_string())) rate = percent;
    if (rate < 0) return NodeStatus::failure("no VAT rate for the customer's country");
    std::int64_t gross = 0;
    for (const Value& item : input.find("items")->as_array()) {
        const Value* line_total = item.find("line_total", K::number);
        if (!line_total) return NodeStatus::failure("items are not priced");
        gross += cents(line_total->as_number());
    }
    // VAT contained in a gross amount: gross * rate / (100 + rate), rounded half-up.
    const std::int64_t vat = (gross * rate + (100 + rate) / 2) / (100 + rate);
    output.set("vat", static_cast<double>(vat) / 100.0);
    output.set("vat_rate", rate);
    return NodeStatus::success();
}

// ---- fraud score

FraudScoreNode::FraudScoreNode()
    : Node("fraud_score", {{"customer", K::object}, {"items", K::array}, {"metadata", K::object}},
           {{"fraud_score", K::number}}) {}

NodeStatus FraudScoreNode::process(const Value& input, Value& output, const NodeContext&) const {
    const Value* email = input.find("customer")->find("email", K::string);
    std::uint32_t fingerprint = email ? crc32(view(email->as_string())) : 0;
    int gift_items = 0;
    for (const Value& item : input.find("items")->as_array()) {
        if (const Value* sku = item.find("sku", K::string)) fingerprint = crc32(view(sku->as_string()), fingerprint);
        if (const Value* tags = item.find("tags", K::array))
            for (const Value& tag : tags->as_array())
                if (tag.is_string() && view(tag.as_string()) == "gift") ++gift_items;
    }
    // Prior risk from the request, raised by gift items (resellable) and a small
    // deterministic jitter from the basket fingerprint (stands in for a model's noise).
    const double prior = number_at(*input.find("metadata"), "risk_score", 0.5);
    const double score = std::min(1.0, prior + 0.05 * gift_items + static_cast<double>(fingerprint % 100) / 10000.0);
    output.set("fraud_score", std::round(score * 10000.0) / 10000.0);
    return NodeStatus::success();
}

// ---- inventory

InventoryNode::InventoryNode()
    : Node("inventory", {{"items", K::array}}, {{"in_stock", K::boolean}, {"backordered", K::array}}),
      stock_{{"KB-1042", 14}, {"MS-2210", 120}, {"MN-2701", 0},  {"CB-0033", 800}, {"HD-5120", 9},
             {"WC-0808", 31}, {"DK-9000", 6},   {"LS-0412", 40}, {"MP-1111", 75},  {"GC-0050", 10000},
             {"SP-3003", 18}, {"HB-0707", 52}} {}

NodeStatus InventoryNode::process(const Value& input, Value& output, const NodeContext&) const {
    Array backordered;
    for (const Value& item : input.find("items")->as_array()) {
        const Value* sku = item.find("sku", K::string);
        const Value* quantity = item.find("quantity", K::number);
        if (!sku || !quantity) return NodeStatus::failure("line item lacks sku or quantity");
        const auto found = stock_.find(view(sku->as_string()));
        if (found == stock_.end() || found->second < quantity->as_number()) backordered.emplace_back(sku->as_string());
    }
    output.set("in_stock", backordered.empty());
    output.set("backordered", Value(std::move(backordered)));
    return NodeStatus::success();
}

// ---- dispatch priority (express)

DispatchPriorityNode::DispatchPriorityNode()
    : Node("dispatch_priority", {{"customer", K::object}, {"totals", K::object}}, {{"dispatch_priority", K::number}}) {}

NodeStatus DispatchPriorityNode::process(const Value& input, Value& output, const NodeContext&) const {
    const Value* tier = input.find("customer")->find("loyalty_tier", K::string);
    const std::string_view name = tier ? view(tier->as_string()) : std::string_view();
    const int weight = name == "gold" ? 3 : name == "silver" ? 2 : 1;
    const double total = number_at(*input.find("totals"), "total", 0);
    output.set("dispatch_priority", weight * 10 + static_cast<int>(std::min(9.0, std::floor(total / 250.0))));
    return NodeStatus::success();
}

// ---- manual review

ManualReviewNode::ManualReviewNode()
    : Node("manual_review", {{"totals", K::object}, {"metadata", K::object}},
           {{"review_queue", K::string}, {"review_reason", K::string}}) {}

NodeStatus ManualReviewNode::process(const Value& input, Value& output, const NodeContext&) const {
    const double risk = number_at(*input.find("metadata"), "risk_score", 0);
    const double total = number_at(*input.find("totals"), "total", 0);
    char reason[96];
    if (risk > 0.5)
        std::snprintf(reason, sizeof reason, "risk score %.2f above 0.50", risk);
    else
        std::snprintf(reason, sizeof reason, "total %.2f above 2000.00", total);
    output.set("review_queue", "manual");
    output.set("review_reason", std::string_view(reason));
    return NodeStatus::success();
}

// ---- accept / reject

AcceptOrderNode::AcceptOrderNode() : Node("accept", {{"validated", K::boolean}}, {{"status", K::string}}) {}

NodeStatus AcceptOrderNode::process(const Value&, Value& output, const NodeContext&) const {
    output.set("status", "accepted");
    return NodeStatus::success();
}

RejectOrderNode::RejectOrderNode()
    : Node("reject", {{"error", K::object}}, {{"status", K::string}, {"rejection_reason", K::string}}) {}

NodeStatus RejectOrderNode::process(const Value& input, Value& output, const NodeContext&) const {
    const Value* message = input.find("error")->find("message", K::string);
    output.set("status", "rejected");
    output.set("rejection_reason", message ? *message : Value("unknown error"));
    return NodeStatus::success();
}

// ---- summarise

SummariseNode::SummariseNode()
    : Node("summarise", {{"order_id", K::string}, {"totals", K::object}, {"items", K::array}},
           {{"record", K::string}, {"digest", K::number}}) {}

NodeStatus SummariseNode::process(const Value& input, Value& output, const NodeContext&) const {
    Value receipt = Value::object();
    receipt.as_object().reserve(10);
    receipt.set("order_id", *input.find("order_id"));
    receipt.set("status", input.find("status", K::string) ? *input.find("status") : Value("unknown"));
    Array lines;
    lines.reserve(input.find("items")->as_array().size());
    for (const Value& item : input.find("items")->as_array()) {
        Array line;
        line.reserve(3);
        line.emplace_back(item.find("sku") ? *item.find("sku") : Value());
        line.emplace_back(item.find("quantity") ? *item.find("quantity") : Value());
        line.emplace_back(item.find("line_total") ? *item.find("line_total") : Value());
        lines.emplace_back(std::move(line));
    }
    receipt.set("lines", Value(std::move(lines)));
    receipt.set("total", number_at(*input.find("totals"), "total", 0));
    // Whatever the branch that ran contributed.
    for (const std::string_view key : {"route", "vat", "fraud_score", "in_stock", "dispatch_priority", "review_queue"})
        if (const Value* v = input.find(key)) receipt.set(key, *v);
    String record;
    record.reserve(512);
    serialize_json(receipt, record);
    const auto digest = static_cast<std::uint64_t>(crc32(view(record)));
    output.set("record", Value(std::move(record)));
    output.set("digest", digest);
    return NodeStatus::success();
}

// ---- router

std::shared_ptr<RouterNode> make_order_router() {
    using Op = Condition::Op;
    std::vector<Route> routes(3);
    routes[kRouteReview] = {"review",
                            {Condition::make("metadata.risk_score", Op::greater, 0.5),
                             Condition::make("totals.total", Op::greater, 2000.0)}};
    routes[kRouteExpress] = {"express", {Condition::make("shipping.method", Op::equals, "express")}};
    routes[kRouteStandard] = {"standard", {}};
    return std::make_shared<RouterNode>(
        "route", std::vector<FieldSpec>{{"shipping", K::object}, {"totals", K::object}, {"metadata", K::object}},
        "route", std::move(routes));
}

}  // namespace perfbench::workloads::nodes
