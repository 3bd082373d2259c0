// The business document the node workloads process: a web-shop order with line items.
//
// One realistic input (~2.5 KB of pretty-printed JSON with nested objects, arrays, escapes,
// \u sequences and raw UTF-8), the exact compact document expected after pricing it, and
// the two domain operations the nodes perform on it: validation and pricing.
#pragma once

#include <string_view>

#include "value.hpp"

namespace perfbench::workloads::nodes {

// The input order, as a client would send it.
std::string_view order_document_json();
// What serialize_json(price_order(parse_json(order_document_json()))) must produce, byte
// for byte. Checked independently of this code: a Python json.loads / json.dumps of the
// same transform gives the same string (see tests/test_workloads_nodes.py).
std::string_view priced_order_json();

// Checks the shape a priced order needs (ids, customer, items with sku, positive integer
// quantity and non-negative price, a discount percentage in [0, 100]). Returns an empty
// string when the order is valid, else what is wrong (allocated only on failure).
String validate_order(const Value& order);

// Applies the discount percentage to every line item (half-up rounding to cents), adds
// `discounted_price` and `line_total` to each item, then `totals` and `status: "priced"`
// to the order. Money is computed in integer cents so the result is exact and the output
// prints as the decimal amounts a person would expect. Returns nullptr on success, else
// a static description of the missing field (the order must have passed validate_order).
const char* price_order(Value& order);

// The pricing itself, for callers that price a copy of the items (the workflow's price
// node must not modify its input): prices `items` in place and fills `totals` (an object).
const char* price_items(Array& items, double discount_percent, double shipping_cost, Value& totals);

}  // namespace perfbench::workloads::nodes
