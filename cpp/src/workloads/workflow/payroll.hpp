// Payroll: one payslip case per employee, posted to a double-entry ledger.
//
//   compute_gross --> compute_tax --OR--> pension_deduction ----+
//                                   +---> health_premium -------+--> compute_net (OR join) --> post_to_ledger
//                                   +---> union_dues_deduction -+
//                                   +---> (default: none apply)-+
//
// The OR split takes each deduction that applies to the employee; the OR join waits for
// exactly those (the others arrive as dead flows), so net pay is computed once, after them.
#pragma once

#include <cstdint>
#include <string_view>

#include "workloads/tracking_allocator.hpp"
#include "engine.hpp"
#include "spec.hpp"

namespace perfbench::workloads::workflow::payroll {

enum Var : VarSlot {
    employee, gross, tax, pension, health, union_dues, net, pension_rate_bp, health_plan, union_member, kVariables
};
enum Task : TaskId {
    compute_gross, compute_tax, pension_deduction, health_premium, union_dues_deduction, compute_net, post_to_ledger,
    kTasks
};

struct Employee {
    bool hourly;
    std::int64_t monthly_salary_cents;  // salaried
    std::int64_t hourly_rate_cents;     // hourly
    std::uint32_t hours;                // hourly: worked this month
    std::uint16_t pension_rate_bp;      // 0: not enrolled
    std::uint8_t health_plan;           // 0 none, 1 single, 2 family
    bool union_member;
};

// The pay rules, in integer cents with truncating division (as payroll systems round).
inline constexpr std::uint32_t kRegularHours = 160;  // beyond this, overtime at 1.5x
std::int64_t gross_pay(const Employee& e) noexcept;
// Monthly progressive tax: 0 % up to 1,000.00, 20 % to 4,000.00, 40 % above.
std::int64_t income_tax(std::int64_t gross_cents) noexcept;
std::int64_t pension_contribution(std::int64_t gross_cents, std::uint16_t rate_bp) noexcept;
std::int64_t health_premium_cents(std::uint8_t plan) noexcept;  // 120.00 single, 310.00 family
std::int64_t union_dues_cents(std::int64_t gross_cents) noexcept;  // 1 % of gross, at most 50.00

// Double-entry: salary expense is debited with gross pay; tax, pension, health and union
// payables and net pay owed are credited. Debits equal credits after every payslip.
struct Ledger {
    std::int64_t salary_expense = 0;  // debit
    std::int64_t tax_payable = 0;     // credits ...
    std::int64_t pension_payable = 0;
    std::int64_t health_payable = 0;
    std::int64_t union_payable = 0;
    std::int64_t net_pay_payable = 0;
    std::uint64_t entries = 0;  // postings
    std::uint64_t payslips = 0;
    std::int64_t debits() const noexcept { return salary_expense; }
    std::int64_t credits() const noexcept {
        return tax_payable + pension_payable + health_payable + union_payable + net_pay_payable;
    }
};

struct Company {
    tracked_vector<Employee> employees;
    Ledger ledger;
};

// ~70 % salaried (2,000-9,000 a month), ~30 % hourly (15-45 an hour, 120-200 hours);
// ~60 % in the pension plan, health plans spread over none/single/family, ~25 % in the
// union, so roughly 1 in 10 employees has no deduction and takes the default flow.
Company demo_company(std::size_t employees, std::uint64_t seed);

// Binds the actions to `company`, which must outlive the spec.
WorkflowSpec payslip_spec(Company& company, std::string_view name = "payroll_payslip");

struct PeriodTotals {
    std::int64_t gross = 0, tax = 0, deductions = 0, net = 0;
    std::uint64_t payslips = 0;
    std::uint64_t failed_cases = 0;
    std::uint64_t tasks_completed = 0;
    std::uint64_t tasks_skipped = 0;
};

// One pay period: a case per employee, run to completion and closed; totals from the ledger.
PeriodTotals run_period(Engine& engine, SpecId spec, Company& company);

}  // namespace perfbench::workloads::workflow::payroll
