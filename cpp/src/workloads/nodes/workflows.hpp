// The workflows the workloads execute, and the order payloads they run on.
//
//   linear      validate -> price -> summarise
//   complex     validate -> price -> route -+-> manual_review ------------------+-> summarise -> persist (file I/O)
//                  |                        +-> dispatch_priority -------------+
//                  | error edge             +-> checks: tax | fraud | inventory +  (parallel branches)
//                  +-> reject
//   recovery    validate -> price (fails its first attempts, retried with backoff) -> summarise
//   error       validate -> accept;  validate --error--> reject
#pragma once

#include <array>
#include <memory>
#include <vector>

#include "engine.hpp"
#include "kinds.hpp"
#include "order_nodes.hpp"

namespace perfbench::workloads::nodes {

// The parsed input order (order_document_json()).
Value parsed_order();

// Variants of the order that take each path of the complex workflow.
enum class OrderVariant { express, standard, review, invalid };
inline constexpr std::array<OrderVariant, 4> kOrderVariants = {OrderVariant::express, OrderVariant::standard,
                                                              OrderVariant::review, OrderVariant::invalid};
Value order_variant(OrderVariant variant);
// The reason validate gives for the invalid variant.
inline constexpr std::string_view kInvalidOrderReason = "line item 11: quantity must be a positive integer";

std::unique_ptr<Workflow> linear_workflow();

struct ComplexWorkflow {
    std::unique_ptr<Workflow> workflow;
    StepId validate, price, route, review, priority, checks, summarise, persist, reject;
    // The steps an execution of `variant` must pass, in order.
    std::vector<StepId> expected_path(OrderVariant variant) const;
};
ComplexWorkflow complex_workflow(std::shared_ptr<const TempDir> directory);

// validate -> price -> summarise, where price fails its first `failures` attempts and is
// retried under `policy`.
std::unique_ptr<Workflow> recovery_workflow(int failures, RetryPolicy policy);

std::unique_ptr<Workflow> error_handling_workflow(ValidateOrderNode::FailureMode mode);

}  // namespace perfbench::workloads::nodes
