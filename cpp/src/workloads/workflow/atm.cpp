#include "atm.hpp"

#include <stdexcept>

#include "workloads/splitmix64.hpp"

namespace perfbench::workloads::workflow::atm {

std::uint32_t pin_hash(std::uint32_t account, std::uint32_t pin) noexcept {
    std::uint32_t h = 2166136261u;
    for (const std::uint32_t word : {account, pin}) {
        for (int byte = 0; byte < 4; ++byte) {
            h ^= (word >> (8 * byte)) & 0xFFu;
            h *= 16777619u;
        }
    }
    return h;
}

std::uint32_t demo_pin(std::uint32_t account) noexcept { return (account * 7919u) % 10000u; }

Bank demo_bank() {
    Bank bank;
    bank.accounts.resize(64);
    for (std::uint32_t i = 0; i < bank.accounts.size(); ++i) {
        // 10^13 cents: at 500.00 per withdrawal, two hundred million withdrawals per account.
        const bool empty = i >= 60;
        bank.accounts[i] = {empty ? 0 : 10'000'000'000'000, pin_hash(i, demo_pin(i)), i == 59};
    }
    bank.cash_cents = 1'000'000'000'000'000;
    return bank;
}

std::vector<Request> demo_requests(const Bank& bank, std::size_t count, std::uint64_t seed) {
    std::vector<Request> out(count);
    const auto accounts = static_cast<std::uint32_t>(bank.accounts.size());
    for (Request& r : out) {
        const std::uint64_t x = splitmix64(seed);
        r.account = static_cast<std::uint32_t>(x % accounts);
        if ((x >> 8) % 16 == 0) r.account = accounts + static_cast<std::uint32_t>((x >> 12) % 100);  // unknown card
        r.pin = demo_pin(r.account);
        if ((x >> 16) % 8 == 0) r.pin = (r.pin + 1 + static_cast<std::uint32_t>((x >> 20) % 9998)) % 10000;  // wrong
        r.amount_cents = kNoteCents * static_cast<std::int64_t>(1 + (x >> 32) % 30);  // 20.00 .. 600.00
        if ((x >> 40) % 16 == 0) r.amount_cents += 500;  // not payable in notes
    }
    return out;
}

WorkflowSpec withdrawal_spec(Bank& bank, std::string_view name) {
    using Op = Condition::Op;
    SpecBuilder b(name);
    for (const char* variable : {"account", "amount", "pin", "card_ok", "funds_ok", "dispensed", "decline_reason"})
        b.variable(variable);
    Bank* const k = &bank;

    const TaskId verify = b.task("verify_card_and_pin", {SplitType::Xor, JoinType::And, 0, [k](TaskContext& c) {
        const auto id = static_cast<std::uint64_t>(c.get(account));
        const bool ok = id < k->accounts.size() && !k->accounts[id].blocked &&
                        k->accounts[id].pin_hash == pin_hash(static_cast<std::uint32_t>(id),
                                                             static_cast<std::uint32_t>(c.get(pin)));
        c.set(card_ok, ok ? 1 : 0);
        if (!ok) c.set(decline_reason, card_or_pin);
    }});
    const TaskId check = b.task("check_balance", {SplitType::Xor, JoinType::And, 0, [k](TaskContext& c) {
        const std::int64_t want = c.get(amount);
        const Account& a = k->accounts[static_cast<std::size_t>(c.get(account))];
        const bool ok = want > 0 && want % kNoteCents == 0 && want <= kMaxWithdrawalCents &&
                        want <= a.balance_cents && want <= k->cash_cents;
        c.set(funds_ok, ok ? 1 : 0);
        if (!ok) c.set(decline_reason, funds_or_limit);
    }});
    const TaskId dispense = b.task("dispense_cash", {SplitType::And, JoinType::And, 0, [k](TaskContext& c) {
        const std::int64_t paid = c.get(amount);
        k->accounts[static_cast<std::size_t>(c.get(account))].balance_cents -= paid;
        k->cash_cents -= paid;
        k->dispensed_cents += paid;
        ++k->withdrawals;
        c.set(dispensed, paid);
    }});
    const TaskId reject = b.task("reject_withdrawal", {SplitType::And, JoinType::Xor, 0, [k](TaskContext& c) {
        ++k->declines;
        c.set(dispensed, 0);
    }});
    if (verify != verify_card_and_pin || check != check_balance || dispense != dispense_cash || reject != reject_withdrawal)
        throw std::logic_error("atm: task ids do not match atm::Task");

    b.flow(verify, check, when(card_ok, Op::Eq, 1)).default_flow(verify, reject);
    b.flow(check, dispense, when(funds_ok, Op::Eq, 1)).default_flow(check, reject);
    WorkflowSpec spec = std::move(b).build();
    if (spec.variable_count() != kVariables) throw std::logic_error("atm: variables do not match atm::Var");
    return spec;
}

CaseId open_withdrawal(Engine& engine, SpecId spec, const Request& request) {
    const CaseId id = engine.open_case(spec);
    StateStore& store = engine.store();
    store.write(id, account, request.account);
    store.write(id, amount, request.amount_cents);
    store.write(id, pin, request.pin);
    return id;
}

}  // namespace perfbench::workloads::workflow::atm
