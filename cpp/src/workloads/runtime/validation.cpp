// runtime.validation: the four rows of the runtime study's validation table, measured in
// interleaved rounds so that every row saw the same state of a busy machine.
//
//   generation          `forge new`: render the skeleton, write it to disk (timed);
//                       then read it back, verify and delete it (not timed)
//   runtime overhead    per-command minus shared, medians of one command each per round
//   memory per command  heap growth + resident executor stacks of a batch of per-command
//                       commands in flight, per command (batch.hpp)
//   throughput          per-command commands completed per second of command time
//
// The rows that differ by strategy are reported for the per-command strategy, the costlier
// one, so the table holds for either choice; the shared figures are reported beside them.
#include <filesystem>
#include <numeric>
#include <stdexcept>

#include "batch.hpp"
#include "project.hpp"
#include "workloads.hpp"

namespace perfbench::workloads::runtime {

void Validation::setup() {
    directory_ = std::make_unique<TempDirectory>("perfbench-runtime-validation-");
    input_ = make_command_input(directory_->path(), jobs_, chunk_bytes_, 1);
    expected_ = run_command_sequentially(input_);
    shared_ = std::make_unique<CommandExecutors>(ExecutorStrategy::shared, workers_);
    per_command_ = std::make_unique<CommandExecutors>(ExecutorStrategy::per_command, workers_);
    for (auto* figures : {&generation_ns_, &per_command_ns_, &shared_ns_, &memory_per_command_, &rss_per_command_})
        figures->reserve(1024);
}

bool Validation::run(std::uint64_t iterations) {
    for (std::uint64_t i = 0; i < iterations; ++i) round();
    return true;
}

void Validation::round() {
    // Generation, on the CLI's shared executor (the lazily created one of shared_).
    const std::filesystem::path project = directory_->path() / ("project-" + std::to_string(rounds_));
    const StringMap values = project_values("demo-cli");
    const SteadyTime began = steady_now();
    shared_->run([&](ThreadPool& pool) { return generate_project(project, values, pool); });
    generation_ns_.push_back(static_cast<double>(ns_between(began, steady_now())));
    if (const std::string problem = verify_project(project, values); !problem.empty())
        throw std::runtime_error("generated project is wrong: " + problem);
    std::filesystem::remove_all(project);

    // One command per strategy; which goes first alternates, so neither always finds
    // caches and the scheduler in the state the other left.
    const auto timed_command = [&](CommandExecutors& executors, std::vector<double>& times) {
        const SteadyTime start = steady_now();
        const tracked_string report = executors.run([&](ThreadPool& pool) { return run_command(input_, pool); });
        times.push_back(static_cast<double>(ns_between(start, steady_now())));
        if (report != expected_) throw std::runtime_error("a command produced a wrong report");
    };
    if (rounds_ % 2 == 0) {
        timed_command(*per_command_, per_command_ns_);
        timed_command(*shared_, shared_ns_);
    } else {
        timed_command(*shared_, shared_ns_);
        timed_command(*per_command_, per_command_ns_);
    }

    const BatchFootprint footprint =
        run_command_batch(input_, expected_, batch_, ExecutorStrategy::per_command, workers_);
    const double batch = static_cast<double>(batch_);
    memory_per_command_.push_back(footprint.held_bytes() / batch);
    rss_per_command_.push_back(static_cast<double>(footprint.growth.resident) / batch);
    stack_reserved_per_command_ = footprint.stacks.reserved / batch_;
    ++rounds_;
}

std::string Validation::self_check() {
    // Generation alone, checked file by file, and refused into an existing directory.
    {
        TempDirectory scratch("perfbench-runtime-check-");
        ThreadPool pool(workers_);
        const StringMap values = project_values("check-cli");
        const GeneratedProject generated = generate_project(scratch.path() / "p", values, pool);
        if (generated.files != project_skeleton().size() || generated.bytes == 0)
            return "the generator reported the wrong number of files";
        if (std::string problem = verify_project(scratch.path() / "p", values); !problem.empty()) return problem;
        tracked_string readme;
        read_file_into(scratch.path() / "p" / "README.md", readme);
        if (!readme.starts_with("# check-cli\n")) return "README.md does not start with the project's name";
        tracked_string test;
        read_file_into(scratch.path() / "p" / "tests" / "cli.rs", test);
        if (test.find("check_cli::cli::run") == tracked_string::npos) return "the crate name was not derived";
        write_file(scratch.path() / "p" / "README.md", "tampered\n");
        if (verify_project(scratch.path() / "p", values).empty()) return "verification missed a changed file";
        try {
            generate_project(scratch.path() / "p", values, pool);
            return "generation overwrote an existing directory";
        } catch (const std::runtime_error&) {
        }
    }
    Validation probe(workers_, jobs_, chunk_bytes_, batch_);
    probe.setup();
    try {
        probe.run(2);  // every round verifies its project and its reports, and throws if wrong
    } catch (const std::runtime_error& e) {
        return e.what();
    }
    if (probe.rounds_ != 2 || probe.generation_ns_.size() != 2 || probe.per_command_ns_.size() != 2 ||
        probe.shared_ns_.size() != 2 || probe.memory_per_command_.size() != 2 || probe.rss_per_command_.size() != 2)
        return "a round did not record every row";
    if (probe.per_command_->executors_created() != 2 || probe.shared_->executors_created() != 1)
        return "the strategies created the wrong number of executors";
    if (std::filesystem::exists(probe.directory_->path() / "project-0")) return "a generated project was not removed";
    return {};
}

std::vector<WorkloadMetric> Validation::metrics() const {
    const double per_command = median_of(per_command_ns_);
    const double shared = median_of(shared_ns_);
    // Throughput as completed commands over the time spent in them (sequential commands).
    const auto rate = [](const std::vector<double>& times) {
        const double total = std::accumulate(times.begin(), times.end(), 0.0);
        return total > 0 ? static_cast<double>(times.size()) * 1e9 / total : 0.0;
    };
    const double slowest_generation =
        generation_ns_.empty() ? 0.0 : *std::max_element(generation_ns_.begin(), generation_ns_.end());
    return {
        {"generation_time", slowest_generation, "ns"},  // the slowest round: the rule is for every generation
        {"generation_p50", median_of(generation_ns_), "ns"},
        {"per_command_time", per_command, "ns"},
        {"shared_command_time", shared, "ns"},
        {"runtime_overhead", per_command - shared, "ns"},
        {"memory_per_command", median_of(memory_per_command_), "bytes"},
        {"rss_per_command", median_of(rss_per_command_), "bytes"},
        {"stack_reserved_per_command", static_cast<double>(stack_reserved_per_command_), "bytes"},
        {"commands_per_s", rate(per_command_ns_), "per_s"},
        {"shared_commands_per_s", rate(shared_ns_), "per_s"},
        {"rounds", static_cast<double>(rounds_), "count"},
    };
}

}  // namespace perfbench::workloads::runtime
