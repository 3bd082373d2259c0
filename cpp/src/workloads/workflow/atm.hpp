// The ATM withdrawal: four tasks over a bank's accounts and the machine's cash.
//
//   verify_card_and_pin --XOR--> check_balance --XOR--> dispense_cash
//            |  (card blocked, unknown or PIN wrong)  |  (funds, limit or notes)
//            +---------------> reject_withdrawal <----+   (XOR join)
//
// dispense_cash debits the account and the machine; reject_withdrawal records why.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "workloads/tracking_allocator.hpp"
#include "engine.hpp"
#include "spec.hpp"

namespace perfbench::workloads::workflow::atm {

// Case variables, in declaration order (the spec builder checks the slots match).
enum Var : VarSlot { account, amount, pin, card_ok, funds_ok, dispensed, decline_reason, kVariables };
enum Task : TaskId { verify_card_and_pin, check_balance, dispense_cash, reject_withdrawal, kTasks };
enum Decline : std::int64_t { not_declined = 0, card_or_pin = 1, funds_or_limit = 2 };

inline constexpr std::int64_t kNoteCents = 2000;             // the machine holds 20.00 notes
inline constexpr std::int64_t kMaxWithdrawalCents = 50000;   // 500.00 per withdrawal

struct Account {
    std::int64_t balance_cents;
    std::uint32_t pin_hash;
    bool blocked;
};

struct Bank {
    tracked_vector<Account> accounts;
    std::int64_t cash_cents = 0;  // notes left in the machine
    std::int64_t dispensed_cents = 0;
    std::uint64_t withdrawals = 0;
    std::uint64_t declines = 0;
};

struct Request {
    std::uint32_t account;
    std::uint32_t pin;
    std::int64_t amount_cents;
};

// PINs are kept hashed and salted with the account number (FNV-1a), as a card system would.
std::uint32_t pin_hash(std::uint32_t account, std::uint32_t pin) noexcept;

// 64 accounts: most hold far more than a benchmark can withdraw (so outcomes do not drift
// over millions of iterations), four are empty, one is blocked; PIN of account i is
// (i * 7919) % 10000.
Bank demo_bank();
std::uint32_t demo_pin(std::uint32_t account) noexcept;
// A deterministic mix: ~1/8 wrong PIN, ~1/16 unknown card, amounts 20..600 (some above the
// limit, some not a multiple of the note), some from empty or blocked accounts.
std::vector<Request> demo_requests(const Bank& bank, std::size_t count, std::uint64_t seed);

// Binds the spec's actions to `bank`, which must outlive the spec.
WorkflowSpec withdrawal_spec(Bank& bank, std::string_view name = "atm_withdrawal");

// Opens a case of `spec` in `engine` and writes the request into its variables.
CaseId open_withdrawal(Engine& engine, SpecId spec, const Request& request);

}  // namespace perfbench::workloads::workflow::atm
