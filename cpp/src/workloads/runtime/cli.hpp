// A small but genuine CLI command, the unit of work in the runtime-strategy study.
//
// `forge build --config forge.toml --jobs 4 --profile release --name demo` does what such a
// command does: parses its argument vector, reads and parses its config file (a real file),
// hashes its input data in `jobs` tasks on an executor, and renders a text report from a
// template. Its strings and maps use the tracking allocator, so the bytes one command
// allocates can be counted.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <latch>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "workloads/thread_pool.hpp"
#include "workloads/tracking_allocator.hpp"

namespace perfbench::workloads::runtime {

// A bad argument vector or config file: what a CLI would print as a usage error.
class CliError : public std::invalid_argument {
public:
    using std::invalid_argument::invalid_argument;
};

// FNV-1a, 64-bit (Fowler/Noll/Vo): byte-at-a-time, so its cost is proportional to the data.
inline constexpr std::uint64_t kFnvOffset = 0xcbf29ce484222325ull;
inline constexpr std::uint64_t kFnvPrime = 0x100000001b3ull;
inline std::uint64_t fnv1a64(std::string_view bytes, std::uint64_t hash = kFnvOffset) noexcept {
    for (const unsigned char byte : bytes) {
        hash ^= byte;
        hash *= kFnvPrime;
    }
    return hash;
}

using StringMap = tracked_map<tracked_string, tracked_string, std::less<>>;

// Replaces every `{{key}}` in `text` with values[key], appending to `out`. A key missing
// from `values` or an unterminated `{{` throws CliError: a template bug must not render.
void render_template(std::string_view text, const StringMap& values, tracked_string& out);
// Appends `value` as 16 lower-case hex digits.
void append_hex64(tracked_string& out, std::uint64_t value);

struct CliArguments {
    tracked_string program;
    tracked_string command;
    StringMap options;  // `--key value` or `--key=value`; a bare `--flag` maps to "true"
};
// argv[0] is the program, argv[1] the subcommand, the rest options. Throws CliError.
CliArguments parse_arguments(std::span<const std::string> argv);

// An INI/TOML subset: `[section]`, `key = value` or `key = "value"`, `#` comments. Keys
// are returned as "section.key". Throws CliError naming the line.
StringMap parse_config(std::string_view text);

// What one command reads: the argument vector and the data its tasks hash. The config
// file lives on disk at the path named by `--config`.
struct CommandInput {
    std::vector<std::string> argv;
    std::vector<std::string> chunks;
};

// Writes `forge.toml` into `directory` and builds the argument vector of
// `forge build --config <dir>/forge.toml --jobs <jobs> --profile release --name <name>`
// with `jobs` chunks of `chunk_bytes` pseudo-random bytes (seeded) as input.
CommandInput make_command_input(const std::filesystem::path& directory, std::size_t jobs,
                                std::size_t chunk_bytes, std::uint64_t seed);

// One command in flight. The constructor does the command's front half on the calling
// thread (parse argv, read and parse the config, resolve settings) and submits its hash
// tasks to `executor`; finish() waits for exactly those tasks (a latch, not the pool's
// wait_idle, so commands can share an executor) and renders the report.
class CommandRun {
public:
    CommandRun(const CommandInput& input, ThreadPool& executor);
    ~CommandRun();  // waits for the command's tasks: they write into this object
    CommandRun(const CommandRun&) = delete;
    CommandRun& operator=(const CommandRun&) = delete;

    // The report; run_command() moves it out.
    tracked_string& finish();

private:
    void hash_share(std::size_t task) noexcept;

    const CommandInput& input_;
    CliArguments arguments_;
    StringMap settings_;  // config overridden by options
    std::size_t jobs_ = 1;
    tracked_vector<std::uint64_t> digests_;
    std::latch done_;
    tracked_string report_;
    bool finished_ = false;
};

// The whole command on `executor`: CommandRun(input, executor).finish(), by value.
tracked_string run_command(const CommandInput& input, ThreadPool& executor);

// The same command with its hashes computed on the calling thread: the reference output.
tracked_string run_command_sequentially(const CommandInput& input);

// Checks the building blocks against hand-computed results (FNV-1a test vectors, a
// rendered template, parsed arguments and config, the errors each must raise): "" if right.
std::string check_cli_building_blocks();

}  // namespace perfbench::workloads::runtime
