// The order-processing nodes the workflow workloads are built from.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "engine.hpp"
#include "kinds.hpp"

namespace perfbench::workloads::nodes {

// Rejects malformed orders (see validate_order). How it fails is a parameter, so that
// the error-handling workloads can compare a returned error with a thrown exception.
class ValidateOrderNode final : public Node {
public:
    enum class FailureMode { return_error, throw_exception };
    explicit ValidateOrderNode(FailureMode mode = FailureMode::return_error);
    NodeStatus process(const Value& input, Value& output, const NodeContext& context) const override;

private:
    FailureMode mode_;
};

// Prices a copy of the items (inputs are read-only) and emits items, totals and status.
class PriceOrderNode final : public Node {
public:
    PriceOrderNode();
    NodeStatus process(const Value& input, Value& output, const NodeContext& context) const override;
};

// VAT included in the priced total, by the customer's country.
class TaxNode final : public Node {
public:
    TaxNode();
    NodeStatus process(const Value& input, Value& output, const NodeContext& context) const override;
};

// A fraud score from the customer, the basket and the request metadata.
class FraudScoreNode final : public Node {
public:
    FraudScoreNode();
    NodeStatus process(const Value& input, Value& output, const NodeContext& context) const override;
};

// Checks every line item against a stock table; lists what must be back-ordered.
class InventoryNode final : public Node {
public:
    InventoryNode();
    NodeStatus process(const Value& input, Value& output, const NodeContext& context) const override;

private:
    std::map<std::string, int, std::less<>> stock_;
};

// Express orders: a dispatch priority from loyalty tier and order value.
class DispatchPriorityNode final : public Node {
public:
    DispatchPriorityNode();
    NodeStatus process(const Value& input, Value& output, const NodeContext& context) const override;
};

// Risky or large orders: queued for manual review, with the reason.
class ManualReviewNode final : public Node {
public:
    ManualReviewNode();
    NodeStatus process(const Value& input, Value& output, const NodeContext& context) const override;
};

// Ends the happy path of the error-handling workflow.
class AcceptOrderNode final : public Node {
public:
    AcceptOrderNode();
    NodeStatus process(const Value& input, Value& output, const NodeContext& context) const override;
};

// The error handler: marks the order rejected with the error the executor recorded.
class RejectOrderNode final : public Node {
public:
    RejectOrderNode();
    NodeStatus process(const Value& input, Value& output, const NodeContext& context) const override;
};

// Builds a receipt (id, status, route, line totals, totals and whatever checks ran),
// serialises it to `record` and fingerprints it as `digest` (CRC-32). The receipt reads
// only order fields, never its own outputs, so re-running a workflow on its own result
// produces the same record.
class SummariseNode final : public Node {
public:
    SummariseNode();
    NodeStatus process(const Value& input, Value& output, const NodeContext& context) const override;
};

// The router of the complex workflow: review (risky or above 2,000), express, standard.
std::shared_ptr<RouterNode> make_order_router();
inline constexpr int kRouteReview = 0, kRouteExpress = 1, kRouteStandard = 2;

}  // namespace perfbench::workloads::nodes
