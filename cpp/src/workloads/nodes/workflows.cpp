#include "workflows.hpp"

#include <stdexcept>

#include "json.hpp"
#include "order.hpp"

namespace perfbench::workloads::nodes {

Value parsed_order() { return parse_json(order_document_json()); }

Value order_variant(OrderVariant variant) {
    Value order = parsed_order();
    switch (variant) {
        case OrderVariant::express:  // the document as sent: express shipping, low risk
            break;
        case OrderVariant::standard:
            order.find("shipping")->set("method", "standard");
            break;
        case OrderVariant::review:
            order.find("shipping")->set("method", "standard");
            order.find("metadata")->set("risk_score", 0.8);
            break;
        case OrderVariant::invalid:  // the last line item has quantity 0: validate must scan to it
            order.find("items")->as_array().back().set("quantity", 0);
            break;
    }
    return order;
}

std::unique_ptr<Workflow> linear_workflow() {
    auto workflow = std::make_unique<Workflow>("linear");
    const StepId validate = workflow->add(std::make_shared<ValidateOrderNode>());
    const StepId price = workflow->add(std::make_shared<PriceOrderNode>());
    const StepId summarise = workflow->add(std::make_shared<SummariseNode>());
    workflow->connect(validate, price);
    workflow->connect(price, summarise);
    workflow->connect(summarise, kEnd);
    return workflow;
}

ComplexWorkflow complex_workflow(std::shared_ptr<const TempDir> directory) {
    ComplexWorkflow c;
    c.workflow = std::make_unique<Workflow>("complex");
    Workflow& w = *c.workflow;
    c.validate = w.add(std::make_shared<ValidateOrderNode>());
    c.price = w.add(std::make_shared<PriceOrderNode>());
    c.route = w.add(make_order_router());
    c.review = w.add(std::make_shared<ManualReviewNode>());
    c.priority = w.add(std::make_shared<DispatchPriorityNode>());
    c.checks = w.add_parallel(
        "checks", {std::make_shared<TaxNode>(), std::make_shared<FraudScoreNode>(), std::make_shared<InventoryNode>()});
    c.summarise = w.add(std::make_shared<SummariseNode>());
    c.persist = w.add(std::make_shared<FileIoNode>("persist", std::move(directory), "record", "persisted_bytes", false));
    c.reject = w.add(std::make_shared<RejectOrderNode>());

    w.connect(c.validate, c.price);
    w.on_error(c.validate, c.reject);
    w.connect(c.price, c.route);
    w.connect(c.route, c.review, kRouteReview);
    w.connect(c.route, c.priority, kRouteExpress);
    w.connect(c.route, c.checks, kRouteStandard);
    for (const StepId branch : {c.review, c.priority, c.checks}) w.connect(branch, c.summarise);
    w.connect(c.summarise, c.persist);
    w.connect(c.persist, kEnd);
    w.connect(c.reject, kEnd);
    return c;
}

std::vector<StepId> ComplexWorkflow::expected_path(OrderVariant variant) const {
    switch (variant) {
        case OrderVariant::express: return {validate, price, route, priority, summarise, persist};
        case OrderVariant::standard: return {validate, price, route, checks, summarise, persist};
        case OrderVariant::review: return {validate, price, route, review, summarise, persist};
        case OrderVariant::invalid: return {validate, reject};
    }
    throw std::logic_error("unknown order variant");
}

std::unique_ptr<Workflow> recovery_workflow(int failures, RetryPolicy policy) {
    auto workflow = std::make_unique<Workflow>("recovery");
    const StepId validate = workflow->add(std::make_shared<ValidateOrderNode>());
    const StepId price =
        workflow->add(std::make_shared<FailFirstAttemptsNode>(std::make_shared<PriceOrderNode>(), failures), policy);
    const StepId summarise = workflow->add(std::make_shared<SummariseNode>());
    workflow->connect(validate, price);
    workflow->connect(price, summarise);
    workflow->connect(summarise, kEnd);
    return workflow;
}

std::unique_ptr<Workflow> error_handling_workflow(ValidateOrderNode::FailureMode mode) {
    auto workflow = std::make_unique<Workflow>("error_handling");
    const StepId validate = workflow->add(std::make_shared<ValidateOrderNode>(mode));
    const StepId accept = workflow->add(std::make_shared<AcceptOrderNode>());
    const StepId reject = workflow->add(std::make_shared<RejectOrderNode>());
    workflow->connect(validate, accept);
    workflow->on_error(validate, reject);
    workflow->connect(accept, kEnd);
    workflow->connect(reject, kEnd);
    return workflow;
}

}  // namespace perfbench::workloads::nodes
