#include "swift.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cinttypes>
#include <cstdio>
#include <stdexcept>

#include "workloads/splitmix64.hpp"

namespace perfbench::workloads::workflow::swift {

namespace {

bool letters(std::string_view s) noexcept {
    for (const char c : s)
        if (c < 'A' || c > 'Z') return false;
    return true;
}
bool alphanumerics(std::string_view s) noexcept {
    for (const char c : s)
        if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) return false;
    return true;
}

std::uint64_t fnv1a(std::string_view s) noexcept {
    std::uint64_t h = 14695981039346656037ull;
    for (const char c : s) {
        h ^= static_cast<unsigned char>(c);
        h *= 1099511628211ull;
    }
    return h;
}

bool screens_as_sanctioned(const Network& n, std::string_view name) {
    std::array<char, 96> buffer;
    const std::size_t length = normalise_name(name, buffer.data(), buffer.size());
    return n.sanctioned_names.find(std::string_view(buffer.data(), length)) != n.sanctioned_names.end();
}

constexpr std::array<const char*, 8> kBanks = {"DEUTDEFF", "BNPAFRPP", "BARCGB22", "UBSWCHZH",
                                               "CHASUS33", "INGBNL2A", "NDEAFIHH", "ZYBKXA22"};
constexpr std::size_t kEmptyAccount = 31;
constexpr std::array<const char*, 16> kCustomers = {
    "Ada Lovelace Ltd",   "Grace Hopper GmbH",   "Alan Turing SA",     "Edsger Dijkstra BV",
    "Barbara Liskov Inc", "Donald Knuth AG",     "Frances Allen Oy",   "John Backus Plc",
    "Niklaus Wirth AG",   "Tony Hoare Ltd",      "Leslie Lamport Inc", "Ken Thompson LLC",
    "Dennis Ritchie LLC", "Margaret Hamilton", "Robin Milner SA",    "Butler Lampson Inc"};
// Fictional parties; the spellings in messages vary in case and spacing.
constexpr std::array<const char*, 3> kSanctioned = {"Shadow Shell Holdings", "Ivan Drago", "Blofeld Trading"};
constexpr std::array<const char*, 3> kSanctionedSpellings = {"SHADOW  shell holdings", "ivan drago", "Blofeld-Trading"};

std::string iban_of(std::size_t account) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "DE%02zu5001051%011zu", 10 + account % 89, 1000003 * (account + 1));
    return buffer;
}

}  // namespace

bool valid_bic(std::string_view bic) noexcept {
    if (bic.size() != 8 && bic.size() != 11) return false;
    return letters(bic.substr(0, 4)) && letters(bic.substr(4, 2)) && alphanumerics(bic.substr(6));
}

bool known_currency(std::string_view code) noexcept {
    for (const std::string_view known : {"EUR", "USD", "GBP", "CHF", "JPY"})
        if (code == known) return true;
    return false;
}

std::size_t normalise_name(std::string_view name, char* out, std::size_t capacity) noexcept {
    std::size_t n = 0;
    for (const char c : name) {
        if (n == capacity) break;
        const auto u = static_cast<unsigned char>(c);
        if (std::isalpha(u)) out[n++] = static_cast<char>(std::toupper(u));
    }
    return n;
}

std::uint64_t confirmation_checksum(const Message& m) {
    char text[192];
    const int length = std::snprintf(text, sizeof text, "{1:F01%s}{2:O910%s}{4::20:%s:21:%s:32A:%s%" PRId64 ",%02" PRId64 "-}",
                                     m.receiver_bic.c_str(), m.sender_bic.c_str(), m.reference.c_str(),
                                     m.reference.c_str(), m.currency.c_str(), m.amount_cents / 100, m.amount_cents % 100);
    const std::size_t used = length < 0 ? 0 : std::min(static_cast<std::size_t>(length), sizeof text - 1);
    return fnv1a(std::string_view(text, used));
}

Network demo_network() {
    Network n;
    for (std::size_t i = 0; i < 32; ++i) n.balances.emplace(iban_of(i), i == kEmptyAccount ? 0 : 1'000'000'000'000'000);
    for (const char* name : kSanctioned) {
        char buffer[96];
        n.sanctioned_names.emplace(buffer, normalise_name(name, buffer, sizeof buffer));
    }
    n.watch_list_countries.emplace("XA");  // a user-assigned ISO 3166 code: fictional
    return n;
}

void fill_inbox(Network& network, std::size_t count, std::uint64_t seed) {
    network.inbox.reserve(network.inbox.size() + count);
    for (std::size_t i = 0; i < count; ++i) {
        const std::uint64_t x = splitmix64(seed), y = splitmix64(seed);
        std::size_t from = x % 31, to = (x >> 8) % 31;  // never the empty account ...
        if (to == from) to = (to + 1) % 31;
        if (y % 32 == 0) from = kEmptyAccount;  // ... except as a sender with nothing to send
        Message m;
        m.reference = "PAY" + std::to_string(seed % 1'000'000'000'000ull);
        m.sender_bic = kBanks[from % kBanks.size()];
        m.receiver_bic = kBanks[to % kBanks.size()];
        m.ordering_customer = kCustomers[(x >> 16) % kCustomers.size()];
        m.beneficiary = kCustomers[(x >> 20) % kCustomers.size()];
        m.sender_iban = iban_of(from);
        m.receiver_iban = iban_of(to);
        m.currency = (x >> 24) % 4 == 0 ? "USD" : "EUR";
        m.amount_cents = 100 + static_cast<std::int64_t>((x >> 32) % 2'000'000);  // 1.00 .. 20,000.99
        if ((y >> 8) % 32 == 0) m.receiver_bic = "DEUT1EFF";  // malformed
        if ((y >> 13) % 64 == 0) m.currency = "XYZ";            // malformed
        if ((y >> 19) % 20 == 0) m.beneficiary = kSanctionedSpellings[(y >> 24) % kSanctionedSpellings.size()];
        if ((y >> 27) % 16 == 0) m.amount_cents = kStructuringFloorCents + static_cast<std::int64_t>((y >> 31) % 99'999);
        if ((y >> 37) % 16 == 0) {  // large, to the watch-listed bank
            m.receiver_bic = kBanks.back();
            m.amount_cents = kWatchListAmountCents + 1 + static_cast<std::int64_t>((y >> 41) % 1'000'000);
        }
        if ((y >> 47) % 64 == 0) m.amount_cents = network.payment_limit_cents * 2;
        network.inbox.push_back(std::move(m));
    }
}

WorkflowSpec payment_spec(Network& network, std::string_view name) {
    using Op = Condition::Op;
    SpecBuilder b(name);
    for (const char* variable : {"message", "valid", "sanctions_hit", "aml_ok", "fraud_ok", "limit_ok", "cleared",
                                 "reject_reason", "settled", "confirmation"})
        b.variable(variable);
    Network* const n = &network;
    const auto msg = [n](const TaskContext& c) -> const Message& {
        return n->inbox[static_cast<std::size_t>(c.get(message))];
    };

    const TaskId validate = b.task("validate_message", {SplitType::Xor, JoinType::And, 0, [msg](TaskContext& c) {
        const Message& m = msg(c);
        const bool ok = valid_bic(m.sender_bic) && valid_bic(m.receiver_bic) && known_currency(m.currency) &&
                        m.amount_cents > 0 && !m.reference.empty() && m.reference.size() <= 16 &&
                        !m.sender_iban.empty() && !m.receiver_iban.empty();
        c.set(valid, ok ? 1 : 0);
        if (!ok) c.set(reject_reason, malformed);
    }});
    const TaskId screen = b.task("screen_sanctions", {SplitType::And, JoinType::And, 0, [n, msg](TaskContext& c) {
        const Message& m = msg(c);
        c.set(sanctions_hit, screens_as_sanctioned(*n, m.ordering_customer) || screens_as_sanctioned(*n, m.beneficiary));
    }});
    const TaskId aml_task = b.task("aml_check", {SplitType::And, JoinType::And, 0, [msg](TaskContext& c) {
        const std::int64_t a = msg(c).amount_cents;
        c.set(aml_ok, !(a >= kStructuringFloorCents && a < kReportingThresholdCents));
    }});
    const TaskId fraud_task = b.task("fraud_check", {SplitType::And, JoinType::And, 0, [n, msg](TaskContext& c) {
        const Message& m = msg(c);
        const std::string_view to_country = std::string_view(m.receiver_bic).substr(4, 2);
        const bool cross_border = to_country != std::string_view(m.sender_bic).substr(4, 2);
        const bool held = cross_border && m.amount_cents > kWatchListAmountCents &&
                          n->watch_list_countries.find(to_country) != n->watch_list_countries.end();
        c.set(fraud_ok, !held);
    }});
    const TaskId limit_task = b.task("limit_check", {SplitType::And, JoinType::And, 0, [n, msg](TaskContext& c) {
        const Message& m = msg(c);
        const auto from = n->balances.find(std::string_view(m.sender_iban));
        const bool ok = from != n->balances.end() && n->balances.find(std::string_view(m.receiver_iban)) != n->balances.end() &&
                        from->second >= m.amount_cents && m.amount_cents <= n->payment_limit_cents;
        c.set(limit_ok, ok);
    }});
    const TaskId decide = b.task("compliance_decision", {SplitType::Xor, JoinType::And, 0, [](TaskContext& c) {
        const Reject reason = c.get(sanctions_hit) ? sanctioned
                              : !c.get(aml_ok)     ? aml
                              : !c.get(fraud_ok)   ? fraud
                              : !c.get(limit_ok)   ? limit
                                                   : not_rejected;
        c.set(cleared, reason == not_rejected);
        c.set(reject_reason, reason);
    }});
    const TaskId debit = b.task("debit_sender", {SplitType::And, JoinType::And, 0, [n, msg](TaskContext& c) {
        const Message& m = msg(c);
        n->balances.find(std::string_view(m.sender_iban))->second -= m.amount_cents;
    }});
    const TaskId credit = b.task("credit_receiver", {SplitType::And, JoinType::And, 0, [n, msg](TaskContext& c) {
        const Message& m = msg(c);
        n->balances.find(std::string_view(m.receiver_iban))->second += m.amount_cents;
        c.set(settled, m.amount_cents);
    }});
    const TaskId confirm = b.task("send_confirmation", {SplitType::And, JoinType::And, 0, [n, msg](TaskContext& c) {
        const std::uint64_t checksum = confirmation_checksum(msg(c));
        ++n->confirmations;
        n->confirmation_digest += checksum;
        c.set(confirmation, static_cast<std::int64_t>(checksum >> 1));  // a positive int64
    }});
    const TaskId reject = b.task("reject_payment", {SplitType::And, JoinType::Xor, 0, [n](TaskContext& c) {
        ++n->rejections;
        c.set(settled, 0);
    }});
    const TaskId expected[] = {validate, screen, aml_task, fraud_task, limit_task, decide, debit, credit, confirm, reject};
    for (TaskId i = 0; i < kTasks; ++i)
        if (expected[i] != i) throw std::logic_error("swift: task ids do not match swift::Task");

    b.flow(validate, screen, when(valid, Op::Eq, 1)).default_flow(validate, reject);
    b.flow(screen, aml_task).flow(screen, fraud_task).flow(screen, limit_task);
    b.flow(aml_task, decide).flow(fraud_task, decide).flow(limit_task, decide);
    b.flow(decide, debit, when(cleared, Op::Eq, 1)).default_flow(decide, reject);
    b.flow(debit, credit).flow(credit, confirm);
    WorkflowSpec spec = std::move(b).build();
    if (spec.variable_count() != kVariables) throw std::logic_error("swift: variables do not match swift::Var");
    return spec;
}

CaseId open_payment(Engine& engine, SpecId spec, std::size_t inbox_index) {
    const CaseId id = engine.open_case(spec);
    engine.store().write(id, message, static_cast<std::int64_t>(inbox_index));
    return id;
}

}  // namespace perfbench::workloads::workflow::swift
