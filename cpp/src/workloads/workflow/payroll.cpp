#include "payroll.hpp"

#include <algorithm>
#include <stdexcept>

#include "workloads/splitmix64.hpp"

namespace perfbench::workloads::workflow::payroll {

std::int64_t gross_pay(const Employee& e) noexcept {
    if (!e.hourly) return e.monthly_salary_cents;
    const std::int64_t regular = std::min(e.hours, kRegularHours);
    const std::int64_t overtime = e.hours - regular;
    return e.hourly_rate_cents * regular + e.hourly_rate_cents * overtime * 3 / 2;
}

std::int64_t income_tax(std::int64_t gross_cents) noexcept {
    constexpr std::int64_t kFree = 100'000, kBasicTop = 400'000;
    std::int64_t tax = 0;
    if (gross_cents > kFree) tax += (std::min(gross_cents, kBasicTop) - kFree) * 20 / 100;
    if (gross_cents > kBasicTop) tax += (gross_cents - kBasicTop) * 40 / 100;
    return tax;
}

std::int64_t pension_contribution(std::int64_t gross_cents, std::uint16_t rate_bp) noexcept {
    return gross_cents * rate_bp / 10'000;
}

std::int64_t health_premium_cents(std::uint8_t plan) noexcept {
    return plan == 1 ? 12'000 : plan == 2 ? 31'000 : 0;
}

std::int64_t union_dues_cents(std::int64_t gross_cents) noexcept { return std::min<std::int64_t>(gross_cents / 100, 5'000); }

Company demo_company(std::size_t employees, std::uint64_t seed) {
    Company company;
    company.employees.resize(employees);
    for (Employee& e : company.employees) {
        const std::uint64_t x = splitmix64(seed);
        e.hourly = x % 10 < 3;
        e.monthly_salary_cents = 200'000 + static_cast<std::int64_t>((x >> 8) % 700'001);
        e.hourly_rate_cents = 1'500 + static_cast<std::int64_t>((x >> 28) % 3'001);
        e.hours = 120 + static_cast<std::uint32_t>((x >> 40) % 81);
        e.pension_rate_bp = (x >> 48) % 10 < 6 ? static_cast<std::uint16_t>(300 + 50 * ((x >> 52) % 11)) : 0;
        e.health_plan = static_cast<std::uint8_t>((x >> 56) % 3);
        e.union_member = (x >> 60) % 4 == 0;
    }
    return company;
}

WorkflowSpec payslip_spec(Company& company, std::string_view name) {
    using Op = Condition::Op;
    SpecBuilder b(name);
    for (const char* variable : {"employee", "gross", "tax", "pension", "health", "union_dues", "net",
                                 "pension_rate_bp", "health_plan", "union_member"})
        b.variable(variable);
    Company* const k = &company;

    const TaskId gross_task = b.task("compute_gross", {SplitType::And, JoinType::And, 0, [k](TaskContext& c) {
        const Employee& e = k->employees[static_cast<std::size_t>(c.get(employee))];
        c.set(gross, gross_pay(e));
        c.set(pension_rate_bp, e.pension_rate_bp);
        c.set(health_plan, e.health_plan);
        c.set(union_member, e.union_member);
    }});
    const TaskId tax_task = b.task("compute_tax", {SplitType::Or, JoinType::And, 0, [](TaskContext& c) {
        c.set(tax, income_tax(c.get(gross)));
    }});
    const TaskId pension_task = b.task("pension_deduction", {SplitType::And, JoinType::And, 0, [](TaskContext& c) {
        c.set(pension, pension_contribution(c.get(gross), static_cast<std::uint16_t>(c.get(pension_rate_bp))));
    }});
    const TaskId health_task = b.task("health_premium", {SplitType::And, JoinType::And, 0, [](TaskContext& c) {
        c.set(health, health_premium_cents(static_cast<std::uint8_t>(c.get(health_plan))));
    }});
    const TaskId union_task = b.task("union_dues_deduction", {SplitType::And, JoinType::And, 0, [](TaskContext& c) {
        c.set(union_dues, union_dues_cents(c.get(gross)));
    }});
    const TaskId net_task = b.task("compute_net", {SplitType::And, JoinType::Or, 0, [](TaskContext& c) {
        c.set(net, c.get(gross) - c.get(tax) - c.get(pension) - c.get(health) - c.get(union_dues));
    }});
    const TaskId post_task = b.task("post_to_ledger", {SplitType::And, JoinType::And, 0, [k](TaskContext& c) {
        Ledger& l = k->ledger;
        l.salary_expense += c.get(gross);
        l.tax_payable += c.get(tax);
        l.pension_payable += c.get(pension);
        l.health_payable += c.get(health);
        l.union_payable += c.get(union_dues);
        l.net_pay_payable += c.get(net);
        l.entries += 6;
        ++l.payslips;
    }});
    const TaskId expected[] = {gross_task, tax_task, pension_task, health_task, union_task, net_task, post_task};
    for (TaskId i = 0; i < kTasks; ++i)
        if (expected[i] != i) throw std::logic_error("payroll: task ids do not match payroll::Task");

    b.flow(gross_task, tax_task);
    b.flow(tax_task, pension_task, when(pension_rate_bp, Op::Gt, 0))
        .flow(tax_task, health_task, when(health_plan, Op::Gt, 0))
        .flow(tax_task, union_task, when(union_member, Op::Eq, 1))
        .default_flow(tax_task, net_task);
    b.flow(pension_task, net_task).flow(health_task, net_task).flow(union_task, net_task);
    b.flow(net_task, post_task);
    WorkflowSpec spec = std::move(b).build();
    if (spec.variable_count() != kVariables) throw std::logic_error("payroll: variables do not match payroll::Var");
    return spec;
}

PeriodTotals run_period(Engine& engine, SpecId spec, Company& company) {
    const Ledger before = company.ledger;
    PeriodTotals totals;
    for (std::size_t i = 0; i < company.employees.size(); ++i) {
        const CaseId id = engine.open_case(spec);
        engine.store().write(id, employee, static_cast<std::int64_t>(i));
        const CaseOutcome outcome = engine.run(id);
        totals.failed_cases += outcome.status == CaseStatus::Completed ? 0 : 1;
        totals.tasks_completed += outcome.tasks_completed;
        totals.tasks_skipped += outcome.tasks_skipped;
        engine.close_case(id);
    }
    const Ledger& after = company.ledger;
    totals.gross = after.salary_expense - before.salary_expense;
    totals.tax = after.tax_payable - before.tax_payable;
    totals.deductions = (after.pension_payable - before.pension_payable) + (after.health_payable - before.health_payable) +
                        (after.union_payable - before.union_payable);
    totals.net = after.net_pay_payable - before.net_pay_payable;
    totals.payslips = after.payslips - before.payslips;
    return totals;
}

}  // namespace perfbench::workloads::workflow::payroll
