// Self-checks of the workflow scenarios: each re-runs the scenario on fresh data and
// compares the engine's final state (variables, task states, balances, ledger totals) with
// what an independent, straight-line application of the same business rules says it must
// be. The engine is what is under test here: routing, joins, state writes, telemetry.
#include <map>
#include <numeric>
#include <set>
#include <string>

#include "scenarios.hpp"

namespace perfbench::workloads::workflow {

namespace {

std::string str(std::int64_t v) { return std::to_string(v); }

const char* state_name(TaskState s) {
    switch (s) {
        case TaskState::Pending: return "pending";
        case TaskState::Enabled: return "enabled";
        case TaskState::Completed: return "completed";
        case TaskState::Skipped: return "skipped";
    }
    return "?";
}

// "" when task `t` of the case ended in `expected`.
std::string expect_state(const Engine& engine, CaseId id, SpecId spec, TaskId t, TaskState expected,
                         const std::string& context) {
    const TaskState got = engine.store().task_state(id, t);
    if (got == expected) return {};
    return context + ": task '" + std::string(engine.spec(spec).task_name(t)) + "' ended " + state_name(got) +
           ", expected " + state_name(expected);
}

TaskState completed_if(bool ran) { return ran ? TaskState::Completed : TaskState::Skipped; }

// A small spec from a list of (from, to, condition, default) flows.
struct HandFlow {
    TaskId from, to;
    Condition condition;
    bool is_default;
};

WorkflowSpec hand_spec(const std::vector<TaskOptions>& tasks, const std::vector<HandFlow>& flows) {
    SpecBuilder b("hand");
    b.variable("x");
    for (std::size_t i = 0; i < tasks.size(); ++i) b.task(std::string("h").append(std::to_string(i)), tasks[i]);
    for (const HandFlow& f : flows) {
        if (f.is_default) b.default_flow(f.from, f.to);
        else b.flow(f.from, f.to, f.condition);
    }
    return std::move(b).build();
}

// The engine's routing on specs whose every outcome is known by hand.
std::string check_routing() {
    using Op = Condition::Op;
    Engine engine;
    // generated 10 tasks: t0 -AND-> t1,t2 -AND join-> t3 -XOR-> t4|t5 -XOR join-> t6 -OR-> t7,t8 -OR join-> t9
    const SpecId g = engine.register_spec(generated_spec("routing", 10));
    struct Expect {
        std::int64_t route;
        std::set<TaskId> skipped;
    };
    for (const Expect& e : {Expect{0, {5}}, Expect{1, {4, 7}}, Expect{-1, {4, 8}}}) {
        const CaseId id = engine.open_case(g);
        engine.store().write(id, 0, e.route);
        const CaseOutcome o = engine.run(id);
        const std::string context = "generated spec with route " + str(e.route);
        if (o.status != CaseStatus::Completed) return context + " did not complete";
        for (TaskId t = 0; t < 10; ++t)
            if (auto err = expect_state(engine, id, g, t, completed_if(!e.skipped.count(t)), context); !err.empty())
                return err;
        if (engine.store().read(id, 1) != static_cast<std::int64_t>(10 - e.skipped.size()))
            return context + ": the tasks' visit count differs from the tasks completed";
        if (o.tasks_completed + o.tasks_skipped != 10) return context + ": outcome counts do not add up to 10 tasks";
        engine.close_case(id);
    }

    const TaskOptions and_task{}, xor_split{SplitType::Xor, JoinType::And, 0, {}},
        or_split{SplitType::Or, JoinType::And, 0, {}}, xor_join{SplitType::And, JoinType::Xor, 0, {}};
    // Two live flows into an XOR join is a failed case, not a silent double execution.
    {
        Engine e;
        const SpecId s = e.register_spec(hand_spec({and_task, and_task, and_task, xor_join},
                                                   {{0, 1, {}, false}, {0, 2, {}, false}, {1, 3, {}, false}, {2, 3, {}, false}}));
        const CaseId id = e.open_case(s);
        if (e.run(id).status != CaseStatus::Failed) return "an XOR join reached by two live flows did not fail the case";
    }
    // An OR split with no default, none of whose conditions holds, fails the case.
    {
        Engine e;
        const SpecId s = e.register_spec(hand_spec({or_split, and_task, and_task},
                                                   {{0, 1, when(0, Op::Eq, 1), false}, {0, 2, when(0, Op::Eq, 2), false}}));
        const CaseId id = e.open_case(s);
        if (e.run(id).status != CaseStatus::Failed) return "an OR split that took no flow did not fail the case";
    }
    // An XOR split takes the first flow whose condition holds, even when later ones hold too.
    {
        Engine e;
        const SpecId s = e.register_spec(hand_spec(
            {xor_split, and_task, and_task, and_task, xor_join},
            {{0, 1, when(0, Op::Ge, 0), false}, {0, 2, when(0, Op::Ge, 0), false}, {0, 3, {}, true},
             {1, 4, {}, false}, {2, 4, {}, false}, {3, 4, {}, false}}));
        const CaseId id = e.open_case(s);
        const CaseOutcome o = e.run(id);
        if (o.status != CaseStatus::Completed || e.store().task_state(id, 1) != TaskState::Completed ||
            e.store().task_state(id, 2) != TaskState::Skipped || e.store().task_state(id, 3) != TaskState::Skipped)
            return "an XOR split did not take exactly its first flow whose condition holds";
    }
    // A dead branch into an AND join skips the join and everything after it.
    {
        Engine e;
        const SpecId s = e.register_spec(hand_spec(
            {xor_split, and_task, and_task, and_task, and_task},
            {{0, 1, when(0, Op::Eq, 1), false}, {0, 2, {}, true}, {1, 3, {}, false}, {2, 3, {}, false}, {3, 4, {}, false}}));
        const CaseId id = e.open_case(s);
        const CaseOutcome o = e.run(id);
        if (o.status != CaseStatus::Completed || o.tasks_completed != 2 || o.tasks_skipped != 3)
            return "an AND join with a dead incoming flow was not skipped with its successors";
    }
    // Specs the builder must refuse.
    const std::vector<std::pair<const char*, std::function<void()>>> refused = {
        {"a cycle", [&] { (void)hand_spec({and_task, and_task, and_task}, {{0, 1, {}, false}, {1, 2, {}, false}, {2, 1, {}, false}}); }},
        {"two start tasks", [&] { (void)hand_spec({and_task, and_task, and_task}, {{0, 2, {}, false}, {1, 2, {}, false}}); }},
        {"a condition on an AND split", [&] { (void)hand_spec({and_task, and_task}, {{0, 1, when(0, Op::Eq, 1), false}}); }},
        {"two default flows", [&] { (void)hand_spec({xor_split, and_task, and_task}, {{0, 1, {}, true}, {0, 2, {}, true}}); }},
    };
    for (const auto& [what, build] : refused) {
        try {
            build();
            return std::string("the spec builder accepted ") + what;
        } catch (const SpecError&) {
        }
    }
    return {};
}

}  // namespace

std::string CreateMinimalSpec::self_check() {
    const WorkflowSpec spec = create();
    if (spec.task_count() != 1 || spec.start() != 0 || spec.task(0).flow_count != 0 || spec.task(0).incoming_count != 0)
        return "the minimal spec is not a single task without flows";
    Engine engine;
    const SpecId id = engine.register_spec(create());
    const CaseId c = engine.open_case(id);
    const CaseOutcome o = engine.run(c);
    if (o.status != CaseStatus::Completed || o.tasks_completed != 1) return "the minimal spec did not run its one task";
    CreateMinimalSpec body;
    body.run_batch(10, [](std::uint64_t k, auto&& one) { repeat(k, one); });
    if (body.tally.allocated.allocations == 0) return "creating a spec allocated nothing through the tracked containers";
    return {};
}

std::string CreateAtmSpec::self_check() {
    const WorkflowSpec spec = atm::withdrawal_spec(bank);
    if (spec.task_count() != 4) return "the ATM spec should have 4 tasks, has " + std::to_string(spec.task_count());
    const TaskRecord& verify = spec.task(atm::verify_card_and_pin);
    const TaskRecord& check = spec.task(atm::check_balance);
    const TaskRecord& reject = spec.task(atm::reject_withdrawal);
    if (spec.start() != atm::verify_card_and_pin || verify.split != SplitType::Xor || check.split != SplitType::Xor ||
        reject.join != JoinType::Xor || reject.incoming_count != 2 || verify.flow_count != 2 || check.flow_count != 2 ||
        spec.task(atm::dispense_cash).flow_count != 0)
        return "the ATM spec's task table does not have the documented shape";
    if (spec.task_name(atm::dispense_cash) != "dispense_cash") return "the ATM spec's task names are wrong";
    return {};
}

std::string EngineInit::self_check() {
    Engine engine(config());
    engine.register_spec(atm::withdrawal_spec(bank));
    engine.register_spec(swift::payment_spec(network));
    engine.register_spec(payroll::payslip_spec(company));
    if (engine.spec_count() != 3 || !engine.find_spec("atm_withdrawal") || !engine.find_spec("swift_payment") ||
        !engine.find_spec("payroll_payslip") || engine.find_spec("nothing"))
        return "the initialised engine does not find its three specs by name";
    if (engine.store().rows() != case_capacity || engine.store().open_cases() != 0)
        return "the state store was not built with " + std::to_string(case_capacity) + " free rows";
    if (engine.spans().capacity() < 4096) return "the telemetry ring is smaller than configured";
    try {
        engine.register_spec(atm::withdrawal_spec(bank));
        return "a second spec with the same name was accepted";
    } catch (const SpecError&) {
    }
    return {};
}

std::string SpecsInMemory::self_check() {
    Engine engine(EngineConfig{1, 1, 1, 1, false});
    fill(engine);
    if (engine.spec_count() != specs) return "the catalogue holds " + std::to_string(engine.spec_count()) + " specs";
    std::set<std::string> names;
    for (SpecId k = 0; k < specs; ++k) {
        const WorkflowSpec& s = engine.spec(k);
        names.emplace(s.name());
        const std::size_t expected_tasks[] = {atm::kTasks, swift::kTasks, payroll::kTasks};
        if (s.task_count() != expected_tasks[k % 3]) return "spec " + std::string(s.name()) + " has the wrong tasks";
        if (engine.find_spec(s.name()) != k) return "spec " + std::string(s.name()) + " is not found by its name";
    }
    if (names.size() != specs) return "catalogue names are not unique";
    SpecsInMemory body(specs);
    body();
    if (body.bytes_held <= 0) return "a catalogue of specs holds no memory";
    return {};
}

std::string AtmExecution::self_check() {
    if (std::string e = check_routing(); !e.empty()) return e;
    AtmExecution probe(engine.telemetry());
    probe.setup();
    atm::Bank model = atm::demo_bank();  // the expected state, kept by applying the rules directly
    std::uint64_t card_failures = 0, fund_failures = 0;
    for (std::size_t i = 0; i < probe.requests.size(); ++i) {
        const atm::Request& r = probe.requests[i];
        const bool card = r.account < model.accounts.size() && !model.accounts[r.account].blocked &&
                          model.accounts[r.account].pin_hash == atm::pin_hash(r.account, r.pin);
        const bool funds = card && r.amount_cents > 0 && r.amount_cents % atm::kNoteCents == 0 &&
                           r.amount_cents <= atm::kMaxWithdrawalCents &&
                           r.amount_cents <= model.accounts[r.account].balance_cents && r.amount_cents <= model.cash_cents;
        const CaseId id = atm::open_withdrawal(probe.engine, probe.spec, r);
        const CaseOutcome o = probe.engine.run(id);
        const std::string context = "withdrawal " + std::to_string(i);
        if (o.status != CaseStatus::Completed) return context + " did not complete";
        const std::pair<TaskId, TaskState> states[] = {{atm::verify_card_and_pin, TaskState::Completed},
                                                       {atm::check_balance, completed_if(card)},
                                                       {atm::dispense_cash, completed_if(funds)},
                                                       {atm::reject_withdrawal, completed_if(!funds)}};
        for (const auto& [task, state] : states)
            if (auto err = expect_state(probe.engine, id, probe.spec, task, state, context); !err.empty()) return err;
        const StateStore& store = probe.engine.store();
        const std::int64_t reason = funds ? atm::not_declined : card ? atm::funds_or_limit : atm::card_or_pin;
        if (store.read(id, atm::dispensed) != (funds ? r.amount_cents : 0) || store.read(id, atm::decline_reason) != reason)
            return context + ": dispensed amount or decline reason is wrong";
        probe.engine.close_case(id);
        if (funds) {
            model.accounts[r.account].balance_cents -= r.amount_cents;
            model.cash_cents -= r.amount_cents;
            model.dispensed_cents += r.amount_cents;
            ++model.withdrawals;
        } else {
            ++model.declines;
            (card ? fund_failures : card_failures) += 1;
        }
    }
    if (model.withdrawals == 0 || card_failures == 0 || fund_failures == 0)
        return "the request mix does not exercise every path of the ATM workflow";
    for (std::size_t a = 0; a < model.accounts.size(); ++a)
        if (probe.bank.accounts[a].balance_cents != model.accounts[a].balance_cents)
            return "account " + std::to_string(a) + " holds " + str(probe.bank.accounts[a].balance_cents) + ", expected " +
                   str(model.accounts[a].balance_cents);
    if (probe.bank.cash_cents != model.cash_cents || probe.bank.dispensed_cents != model.dispensed_cents ||
        probe.bank.withdrawals != model.withdrawals || probe.bank.declines != model.declines)
        return "the machine's cash or the withdrawal/decline counts differ from the expected";
    if (probe.engine.store().open_cases() != 0) return "cases were left open in the state store";
    return {};
}

std::string SwiftExecution::self_check() {
    if (std::string e = check_routing(); !e.empty()) return e;
    // The validation helpers on inputs whose verdict is known.
    if (!swift::valid_bic("DEUTDEFF") || !swift::valid_bic("DEUTDEFF500") || swift::valid_bic("DEUT1EFF") ||
        swift::valid_bic("DEUTDEF") || !swift::known_currency("EUR") || swift::known_currency("XYZ"))
        return "BIC or currency validation gives a wrong verdict";
    char buffer[32];
    if (std::string_view(buffer, swift::normalise_name("ivan  Drago-", buffer, sizeof buffer)) != "IVANDRAGO")
        return "name normalisation for screening is wrong";

    SwiftExecution probe(engine.telemetry());
    probe.setup();
    const swift::Network& n = probe.network;
    auto model = n.balances;  // expected balances, kept by applying the rules directly
    const auto total = [](const auto& balances) {
        return std::accumulate(balances.begin(), balances.end(), std::int64_t{0},
                               [](std::int64_t s, const auto& kv) { return s + kv.second; });
    };
    const std::int64_t money = total(model);
    std::map<std::int64_t, std::uint64_t> by_reason;
    std::uint64_t digest = 0;
    std::uint64_t tasks_completed = 0;
    for (std::size_t i = 0; i < n.inbox.size(); ++i) {
        const swift::Message& m = n.inbox[i];
        const bool valid = swift::valid_bic(m.sender_bic) && swift::valid_bic(m.receiver_bic) &&
                           swift::known_currency(m.currency) && m.amount_cents > 0 && !m.reference.empty() &&
                           m.reference.size() <= 16 && !m.sender_iban.empty() && !m.receiver_iban.empty();
        const auto sanctioned = [&](const std::string& name) {
            char b[96];
            return n.sanctioned_names.count(std::string(b, swift::normalise_name(name, b, sizeof b))) > 0;
        };
        std::int64_t reason = swift::malformed;
        if (valid) {
            const std::string to_country = m.receiver_bic.substr(4, 2);
            const bool watch = to_country != m.sender_bic.substr(4, 2) && m.amount_cents > swift::kWatchListAmountCents &&
                               n.watch_list_countries.count(to_country) > 0;
            const auto from = model.find(m.sender_iban);
            const bool within_limit = from != model.end() && model.count(m.receiver_iban) > 0 &&
                                      from->second >= m.amount_cents && m.amount_cents <= n.payment_limit_cents;
            reason = sanctioned(m.ordering_customer) || sanctioned(m.beneficiary) ? swift::sanctioned
                     : m.amount_cents >= swift::kStructuringFloorCents && m.amount_cents < swift::kReportingThresholdCents
                         ? swift::aml
                     : watch         ? swift::fraud
                     : !within_limit ? swift::limit
                                     : swift::not_rejected;
        }
        const bool cleared = reason == swift::not_rejected;
        ++by_reason[reason];

        const CaseId id = swift::open_payment(probe.engine, probe.spec, i);
        const CaseOutcome o = probe.engine.run(id);
        const std::string context = "payment " + std::to_string(i);
        if (o.status != CaseStatus::Completed) return context + " did not complete";
        tasks_completed += o.tasks_completed;
        for (TaskId t = swift::screen_sanctions; t <= swift::compliance_decision; ++t)
            if (auto err = expect_state(probe.engine, id, probe.spec, t, completed_if(valid), context); !err.empty()) return err;
        for (const TaskId t : {swift::debit_sender, swift::credit_receiver, swift::send_confirmation})
            if (auto err = expect_state(probe.engine, id, probe.spec, t, completed_if(cleared), context); !err.empty()) return err;
        if (auto err = expect_state(probe.engine, id, probe.spec, swift::reject_payment, completed_if(!cleared), context);
            !err.empty())
            return err;
        const StateStore& store = probe.engine.store();
        if (store.read(id, swift::reject_reason) != reason)
            return context + ": rejected for reason " + str(store.read(id, swift::reject_reason)) + ", expected " + str(reason);
        if (store.read(id, swift::settled) != (cleared ? m.amount_cents : 0)) return context + ": settled amount is wrong";
        probe.engine.close_case(id);
        if (cleared) {
            model[m.sender_iban] -= m.amount_cents;
            model[m.receiver_iban] += m.amount_cents;
            digest += swift::confirmation_checksum(m);
        }
    }
    for (const std::int64_t reason : {swift::not_rejected, swift::malformed, swift::sanctioned, swift::aml, swift::fraud, swift::limit})
        if (by_reason[reason] == 0) return "the message mix never takes rejection path " + str(reason);
    if (n.balances != model) return "account balances after settlement differ from the expected";
    if (total(n.balances) != money) return "settlement created or destroyed money";
    if (n.confirmations != by_reason[swift::not_rejected] || n.rejections != n.inbox.size() - n.confirmations)
        return "confirmation or rejection counts differ from the expected";
    if (n.confirmation_digest != digest) return "the confirmations sent differ from the expected texts";
    if (engine.telemetry() && probe.engine.spans().recorded() != tasks_completed)
        return "telemetry recorded " + std::to_string(probe.engine.spans().recorded()) + " spans for " +
               std::to_string(tasks_completed) + " executed tasks";
    return {};
}

std::string PayrollExecution::self_check() {
    if (std::string e = check_routing(); !e.empty()) return e;
    // The rules on figures worked out by hand.
    using namespace payroll;
    if (income_tax(100'000) != 0 || income_tax(250'000) != 30'000 || income_tax(500'000) != 100'000 ||
        gross_pay(Employee{true, 0, 2'000, 170, 0, 0, false}) != 350'000 || union_dues_cents(900'000) != 5'000 ||
        pension_contribution(500'000, 500) != 25'000 || health_premium_cents(2) != 31'000)
        return "a pay rule gives a wrong figure on a hand-checked example";

    PayrollExecution probe(employees, engine.telemetry());
    probe.setup();
    PeriodTotals expected;
    std::uint64_t none = 0, all_three = 0;
    for (std::size_t i = 0; i < probe.company.employees.size(); ++i) {
        const Employee& e = probe.company.employees[i];
        const std::int64_t g = gross_pay(e), t = income_tax(g);
        const std::int64_t p = e.pension_rate_bp > 0 ? pension_contribution(g, e.pension_rate_bp) : 0;
        const std::int64_t h = health_premium_cents(e.health_plan), u = e.union_member ? union_dues_cents(g) : 0;
        const bool has_p = e.pension_rate_bp > 0, has_h = e.health_plan > 0, has_u = e.union_member;
        none += !has_p && !has_h && !has_u;
        all_three += has_p && has_h && has_u;
        expected.gross += g;
        expected.tax += t;
        expected.deductions += p + h + u;
        expected.net += g - t - p - h - u;

        const CaseId id = probe.engine.open_case(probe.spec);
        probe.engine.store().write(id, employee, static_cast<std::int64_t>(i));
        const CaseOutcome o = probe.engine.run(id);
        const std::string context = "payslip " + std::to_string(i);
        if (o.status != CaseStatus::Completed) return context + " did not complete";
        const std::pair<TaskId, TaskState> states[] = {
            {compute_gross, TaskState::Completed}, {compute_tax, TaskState::Completed},
            {pension_deduction, completed_if(has_p)}, {health_premium, completed_if(has_h)},
            {union_dues_deduction, completed_if(has_u)}, {compute_net, TaskState::Completed},
            {post_to_ledger, TaskState::Completed}};
        for (const auto& [task, state] : states)
            if (auto err = expect_state(probe.engine, id, probe.spec, task, state, context); !err.empty()) return err;
        const StateStore& store = probe.engine.store();
        if (store.read(id, gross) != g || store.read(id, tax) != t || store.read(id, pension) != p ||
            store.read(id, health) != h || store.read(id, union_dues) != u || store.read(id, net) != g - t - p - h - u)
            return context + ": a payslip figure differs from the rules";
        probe.engine.close_case(id);
    }
    // The demo workforce mixes enrolments (about 1 in 10 has none, 1 in 20 all three); a
    // few employees may not, so the mix is only required of a realistic headcount.
    if (probe.company.employees.size() >= 200 && (none == 0 || all_three == 0))
        return "the workforce never takes the OR split's default flow or all its branches";
    const Ledger after_check = probe.company.ledger;
    if (after_check.salary_expense != expected.gross || after_check.debits() != after_check.credits() ||
        after_check.payslips != probe.company.employees.size())
        return "the ledger after one period is not the employees' gross pay, balanced, one payslip each";
    // The workload's own path: run_period must produce the same period totals.
    const PeriodTotals period = run_period(probe.engine, probe.spec, probe.company);
    if (period.failed_cases != 0 || period.payslips != probe.company.employees.size())
        return "run_period failed cases or missed payslips";
    if (period.gross != expected.gross || period.tax != expected.tax || period.deductions != expected.deductions ||
        period.net != expected.net)
        return "period totals differ: gross " + str(period.gross) + " vs " + str(expected.gross) + ", net " +
               str(period.net) + " vs " + str(expected.net);
    if (period.gross != period.tax + period.deductions + period.net) return "gross pay is not tax + deductions + net";
    return {};
}

}  // namespace perfbench::workloads::workflow
