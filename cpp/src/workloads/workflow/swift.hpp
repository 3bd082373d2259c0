// The SWIFT payment (an MT103 customer transfer): validate, screen, check, settle, confirm.
//
//   validate_message --XOR--> screen_sanctions --AND--> aml_check ----+
//          |                                      +---> fraud_check --+--> compliance_decision (AND join)
//          |                                      +---> limit_check --+          |
//          |                                                                    XOR
//          |                                 debit_sender <-- cleared ---------+
//          |                                       |                            |
//          |                                 credit_receiver                    |
//          |                                       |                            |
//          |                                 send_confirmation                  |
//          +--------- malformed -----------> reject_payment (XOR join) <--------+
//
// Settlement moves money between accounts held in one map keyed by IBAN, so the total held
// is conserved by every case; the confirmation is an MT910-style text with a checksum.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "engine.hpp"
#include "spec.hpp"

namespace perfbench::workloads::workflow::swift {

enum Var : VarSlot {
    message, valid, sanctions_hit, aml_ok, fraud_ok, limit_ok, cleared, reject_reason, settled, confirmation,
    kVariables
};
enum Task : TaskId {
    validate_message, screen_sanctions, aml_check, fraud_check, limit_check, compliance_decision,
    debit_sender, credit_receiver, send_confirmation, reject_payment, kTasks
};
enum Reject : std::int64_t { not_rejected = 0, malformed = 1, sanctioned = 2, aml = 3, fraud = 4, limit = 5 };

// AML: amounts just below the 10,000.00 reporting threshold look like structuring.
inline constexpr std::int64_t kStructuringFloorCents = 900'000;
inline constexpr std::int64_t kReportingThresholdCents = 1'000'000;
// Fraud: cross-border payments above this to a watch-listed country are held.
inline constexpr std::int64_t kWatchListAmountCents = 5'000'000;

// The fields of an MT103 the workflow reads (field tags in comments).
struct Message {
    std::string reference;          // :20:  1..16 characters
    std::string sender_bic;         // header block 1
    std::string receiver_bic;       // header block 2
    std::string ordering_customer;  // :50K:
    std::string sender_iban;        // :50K: account line
    std::string beneficiary;        // :59:
    std::string receiver_iban;      // :59: account line
    std::string currency;           // :32A: ISO 4217
    std::int64_t amount_cents;      // :32A:
};

struct StringHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};

struct Network {
    std::unordered_map<std::string, std::int64_t, StringHash, std::equal_to<>> balances;  // by IBAN
    std::unordered_set<std::string, StringHash, std::equal_to<>> sanctioned_names;       // normalised
    std::unordered_set<std::string, StringHash, std::equal_to<>> watch_list_countries;   // ISO 3166
    std::int64_t payment_limit_cents = 100'000'000;  // 1,000,000.00 per payment
    std::vector<Message> inbox;                      // case variable `message` indexes this
    std::uint64_t confirmations = 0;
    std::uint64_t rejections = 0;
    std::uint64_t confirmation_digest = 0;           // sum of confirmation checksums
};

// BIC (ISO 9362): 4 letters bank, 2 letters country, 2 alphanumerics location, optional
// 3 alphanumerics branch.
bool valid_bic(std::string_view bic) noexcept;
bool known_currency(std::string_view code) noexcept;
// Upper-case letters only, so "ivan  drago" and "Ivan Drago" screen alike; returns the
// length written to `out` (at most `capacity`).
std::size_t normalise_name(std::string_view name, char* out, std::size_t capacity) noexcept;
// The MT910-style confirmation text and its FNV-1a checksum.
std::uint64_t confirmation_checksum(const Message& m);

// 32 accounts at 8 banks (one bank in a watch-listed country), one empty account that
// never receives, a sanctions list of fictional names.
Network demo_network();
// Appends `count` messages to the network's inbox: mostly clean, with ~1/32 malformed,
// ~1/20 naming a sanctioned party, ~1/16 structuring, ~1/16 large to a watch-listed bank,
// ~1/32 from the empty account, ~1/64 above the payment limit.
void fill_inbox(Network& network, std::size_t count, std::uint64_t seed);

// Binds the actions to `network`, which must outlive the spec.
WorkflowSpec payment_spec(Network& network, std::string_view name = "swift_payment");

CaseId open_payment(Engine& engine, SpecId spec, std::size_t inbox_index);

}  // namespace perfbench::workloads::workflow::swift
