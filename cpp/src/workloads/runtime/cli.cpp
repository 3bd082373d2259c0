#include "cli.hpp"

#include <charconv>
#include <cstddef>
#include <string>

#include "workloads/splitmix64.hpp"
#include "files.hpp"

namespace perfbench::workloads::runtime {

namespace {

constexpr std::string_view kConfigFile =
    "# forge project configuration\n"
    "[package]\n"
    "name = \"forge-demo\"\n"
    "version = \"1.4.2\"\n"
    "authors = \"perfbench\"\n"
    "\n"
    "[build]\n"
    "profile = \"debug\"\n"
    "jobs = 1\n"
    "target = \"x86_64-unknown-linux-gnu\"\n";

constexpr std::string_view kReportHeader =
    "{{program}} {{command}}: {{package.name}} {{package.version}} [{{build.profile}}, {{build.jobs}} jobs]\n";
constexpr std::string_view kReportLine = "  chunk-{{index}}  {{size}} B  fnv1a {{digest}}\n";
constexpr std::string_view kReportFooter = "{{chunks}} chunks, {{bytes}} bytes, combined fnv1a {{combined}}\n";

std::string_view trim(std::string_view text) {
    const auto first = text.find_first_not_of(" \t\r");
    if (first == std::string_view::npos) return {};
    const auto last = text.find_last_not_of(" \t\r");
    return text.substr(first, last - first + 1);
}

void append_number(tracked_string& out, std::uint64_t value) {
    char buffer[24];
    const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
    out.append(buffer, result.ptr);
}

tracked_string number_string(std::uint64_t value) {
    tracked_string out;
    append_number(out, value);
    return out;
}

void set(StringMap& map, std::string_view key, std::string_view value) {
    const auto it = map.find(key);
    if (it != map.end()) {
        it->second.assign(value);  // reuses the node and, where it fits, the buffer
    } else {
        map.emplace(tracked_string(key), tracked_string(value));
    }
}

const tracked_string& require(const StringMap& map, std::string_view key, std::string_view where) {
    const auto it = map.find(key);
    if (it == map.end()) throw CliError(std::string(where) + " is missing '" + std::string(key) + "'");
    return it->second;
}

// The command's settings: its config file, overridden by the command-line options.
StringMap resolve_settings(const CliArguments& arguments) {
    const tracked_string& config_path = require(arguments.options, "config", "the command line");
    tracked_string text;
    read_file_into(std::filesystem::path(std::string_view(config_path)), text);
    StringMap settings = parse_config(text);
    static constexpr std::pair<std::string_view, std::string_view> kOverrides[] = {
        {"name", "package.name"}, {"profile", "build.profile"}, {"jobs", "build.jobs"}};
    for (const auto& [option, key] : kOverrides)
        if (const auto it = arguments.options.find(option); it != arguments.options.end()) set(settings, key, it->second);
    set(settings, "program", arguments.program);
    set(settings, "command", arguments.command);
    for (const std::string_view key : {"package.name", "package.version", "build.profile", "build.jobs"})
        require(settings, key, "the configuration");
    return settings;
}

std::size_t jobs_of(const StringMap& settings) {
    const tracked_string& text = settings.find(std::string_view("build.jobs"))->second;
    std::size_t jobs = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), jobs);
    if (error != std::errc() || end != text.data() + text.size() || jobs == 0 || jobs > 1024)
        throw CliError("jobs must be a whole number from 1 to 1024, got '" + std::string(text) + "'");
    return jobs;
}

void render_report(StringMap& settings, const std::vector<std::string>& chunks,
                   const tracked_vector<std::uint64_t>& digests, tracked_string& out) {
    render_template(kReportHeader, settings, out);
    StringMap line;
    std::uint64_t combined = kFnvOffset;
    std::uint64_t bytes = 0;
    for (std::size_t i = 0; i < chunks.size(); ++i) {
        tracked_string index = number_string(i);
        if (index.size() < 2) index.insert(index.begin(), '0');
        tracked_string digest;
        append_hex64(digest, digests[i]);
        set(line, "index", index);
        set(line, "size", number_string(chunks[i].size()));
        set(line, "digest", digest);
        render_template(kReportLine, line, out);
        for (int shift = 0; shift < 64; shift += 8) {  // fold the digest in, byte by byte
            combined ^= (digests[i] >> shift) & 0xff;
            combined *= kFnvPrime;
        }
        bytes += chunks[i].size();
    }
    set(settings, "chunks", number_string(chunks.size()));
    set(settings, "bytes", number_string(bytes));
    tracked_string combined_hex;
    append_hex64(combined_hex, combined);
    set(settings, "combined", combined_hex);
    render_template(kReportFooter, settings, out);
}

}  // namespace

void append_hex64(tracked_string& out, std::uint64_t value) {
    static constexpr char kDigits[] = "0123456789abcdef";
    for (int shift = 60; shift >= 0; shift -= 4) out.push_back(kDigits[(value >> shift) & 0xf]);
}

void render_template(std::string_view text, const StringMap& values, tracked_string& out) {
    std::size_t at = 0;
    while (at < text.size()) {
        const auto open = text.find("{{", at);
        if (open == std::string_view::npos) {
            out.append(text.substr(at));
            return;
        }
        out.append(text.substr(at, open - at));
        const auto close = text.find("}}", open + 2);
        if (close == std::string_view::npos) throw CliError("template has an unterminated '{{'");
        const std::string_view key = trim(text.substr(open + 2, close - open - 2));
        const auto it = values.find(key);
        if (it == values.end()) throw CliError("template refers to unknown key '" + std::string(key) + "'");
        out.append(it->second);
        at = close + 2;
    }
}

CliArguments parse_arguments(std::span<const std::string> argv) {
    if (argv.size() < 2) throw CliError("usage: <program> <command> [--option value]...");
    CliArguments out;
    out.program.assign(argv[0]);
    if (argv[1].starts_with("-")) throw CliError("expected a command before '" + argv[1] + "'");
    out.command.assign(argv[1]);
    for (std::size_t i = 2; i < argv.size(); ++i) {
        const std::string_view word = argv[i];
        if (!word.starts_with("--") || word.size() == 2)
            throw CliError("unexpected argument '" + argv[i] + "'");
        const std::string_view option = word.substr(2);
        if (const auto equals = option.find('='); equals != std::string_view::npos) {
            set(out.options, option.substr(0, equals), option.substr(equals + 1));
        } else if (i + 1 < argv.size() && !std::string_view(argv[i + 1]).starts_with("--")) {
            set(out.options, option, argv[++i]);
        } else {
            set(out.options, option, "true");
        }
    }
    return out;
}

StringMap parse_config(std::string_view text) {
    StringMap out;
    tracked_string section;
    std::size_t line_number = 0;
    while (!text.empty()) {
        ++line_number;
        const auto newline = text.find('\n');
        std::string_view line = trim(text.substr(0, newline));
        text = newline == std::string_view::npos ? std::string_view() : text.substr(newline + 1);
        if (line.empty() || line.front() == '#') continue;
        const auto where = [&] { return "config line " + std::to_string(line_number) + ": "; };
        if (line.front() == '[') {
            if (line.back() != ']' || line.size() < 3) throw CliError(where() + "malformed section header");
            section.assign(trim(line.substr(1, line.size() - 2)));
            continue;
        }
        const auto equals = line.find('=');
        if (equals == std::string_view::npos) throw CliError(where() + "expected 'key = value'");
        const std::string_view key = trim(line.substr(0, equals));
        std::string_view value = trim(line.substr(equals + 1));
        if (key.empty()) throw CliError(where() + "empty key");
        if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
            value = value.substr(1, value.size() - 2);
        } else if (!value.empty() && value.front() == '"') {
            throw CliError(where() + "unterminated string");
        }
        tracked_string full_key = section;
        if (!full_key.empty()) full_key.push_back('.');
        full_key.append(key);
        set(out, full_key, value);
    }
    return out;
}

CommandInput make_command_input(const std::filesystem::path& directory, std::size_t jobs,
                                std::size_t chunk_bytes, std::uint64_t seed) {
    const std::filesystem::path config = directory / "forge.toml";
    write_file(config, kConfigFile);
    CommandInput input;
    input.argv = {"forge", "build", "--config", config.string(), "--jobs", std::to_string(jobs),
                  "--profile", "release", "--name", "demo-" + std::to_string(seed)};
    input.chunks.resize(jobs);
    for (auto& chunk : input.chunks) {
        chunk.resize(chunk_bytes);
        for (auto& byte : chunk) byte = static_cast<char>(splitmix64(seed));
    }
    return input;
}

CommandRun::CommandRun(const CommandInput& input, ThreadPool& executor)
    : input_(input),
      arguments_(parse_arguments(input.argv)),
      settings_(resolve_settings(arguments_)),
      jobs_(jobs_of(settings_)),
      digests_(input.chunks.size()),
      done_(static_cast<std::ptrdiff_t>(jobs_)) {
    // Two words of capture: std::function keeps them inline, so submitting allocates
    // nothing beyond the pool's queue node.
    for (std::size_t task = 0; task < jobs_; ++task) executor.submit([this, task] { hash_share(task); });
}

CommandRun::~CommandRun() { done_.wait(); }

void CommandRun::hash_share(std::size_t task) noexcept {
    // Task t hashes chunks t, t + jobs, t + 2 jobs, ...: each digest has one writer.
    for (std::size_t i = task; i < input_.chunks.size(); i += jobs_) digests_[i] = fnv1a64(input_.chunks[i]);
    done_.count_down();
}

tracked_string& CommandRun::finish() {
    if (!finished_) {
        done_.wait();  // synchronises with every task's count_down: their digests are visible
        render_report(settings_, input_.chunks, digests_, report_);
        finished_ = true;
    }
    return report_;
}

tracked_string run_command(const CommandInput& input, ThreadPool& executor) {
    CommandRun command(input, executor);
    return std::move(command.finish());
}

tracked_string run_command_sequentially(const CommandInput& input) {
    const CliArguments arguments = parse_arguments(input.argv);
    StringMap settings = resolve_settings(arguments);
    jobs_of(settings);  // validated alike, though the hashes run here
    tracked_vector<std::uint64_t> digests;
    for (const auto& chunk : input.chunks) digests.push_back(fnv1a64(chunk));
    tracked_string out;
    render_report(settings, input.chunks, digests, out);
    return out;
}

std::string check_cli_building_blocks() {
    // Published FNV-1a 64 test vectors (Fowler/Noll/Vo reference test suite).
    if (fnv1a64("") != 0xcbf29ce484222325ull || fnv1a64("a") != 0xaf63dc4c8601ec8cull ||
        fnv1a64("foobar") != 0x85944171f73967e8ull)
        return "FNV-1a 64 does not reproduce its published test vectors";
    tracked_string hex;
    append_hex64(hex, 0x00ab'cdef'0123'4567ull);
    if (hex != "00abcdef01234567") return "hex formatting is wrong: " + std::string(hex);

    StringMap values;
    values.emplace("who", "CLI");
    values.emplace("n", "3");
    tracked_string rendered;
    render_template("Hello {{who}}, {{ n }} times{{who}}.", values, rendered);
    if (rendered != "Hello CLI, 3 timesCLI.") return "template rendered as '" + std::string(rendered) + "'";
    const auto raises = [&](std::string_view text) {
        tracked_string ignored;
        try {
            render_template(text, values, ignored);
        } catch (const CliError&) {
            return true;
        }
        return false;
    };
    if (!raises("{{missing}}") || !raises("open {{who"))
        return "a template with an unknown key or an unterminated '{{' rendered without error";

    const std::vector<std::string> argv = {"forge", "build", "--jobs", "3", "--verbose", "--name=x y", "--profile", "release"};
    const CliArguments arguments = parse_arguments(argv);
    const auto option = [&](std::string_view key) -> std::string {
        const auto it = arguments.options.find(key);
        return it == arguments.options.end() ? "<absent>" : std::string(it->second);
    };
    if (arguments.program != "forge" || arguments.command != "build" || option("jobs") != "3" ||
        option("verbose") != "true" || option("name") != "x y" || option("profile") != "release" ||
        arguments.options.size() != 4)
        return "argument vector parsed wrongly";
    for (const auto& bad : {std::vector<std::string>{"forge"},
                                               std::vector<std::string>{"forge", "--jobs", "2"},
                                               std::vector<std::string>{"forge", "build", "stray"}}) {
        try {
            parse_arguments(bad);
            return "a malformed argument vector was accepted";
        } catch (const CliError&) {
        }
    }

    const StringMap config = parse_config("# comment\ntop = 1\n[package]\n name = \"demo\" \nversion=2.0\n\n[build]\njobs = 4\n");
    const auto value = [&](std::string_view key) -> std::string {
        const auto it = config.find(key);
        return it == config.end() ? "<absent>" : std::string(it->second);
    };
    if (value("top") != "1" || value("package.name") != "demo" || value("package.version") != "2.0" ||
        value("build.jobs") != "4" || config.size() != 4)
        return "config parsed wrongly";
    for (const std::string_view bad : {"[package\nname = 1\n", "no equals sign\n", "name = \"open\n"}) {
        try {
            parse_config(bad);
            return "a malformed config was accepted: " + std::string(bad);
        } catch (const CliError&) {
        }
    }
    return {};
}

}  // namespace perfbench::workloads::runtime
