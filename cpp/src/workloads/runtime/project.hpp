// `forge new <name>`: the CLI generates a project skeleton — a handful of files rendered
// from templates and written to disk (the "generation < 1 s" row of the validation table).
#pragma once

#include <cstddef>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>

#include "workloads/thread_pool.hpp"
#include "cli.hpp"

namespace perfbench::workloads::runtime {

struct SkeletonFile {
    std::string_view path;  // relative to the project root
    std::string_view text;  // a template: `{{key}}` placeholders
};

// The files of a new project, in the order they are written.
std::span<const SkeletonFile> project_skeleton();

// The values the skeleton's templates refer to, for a project called `name`.
StringMap project_values(std::string_view name);

struct GeneratedProject {
    std::size_t files = 0;
    std::size_t bytes = 0;
};

// Creates `root` (which must not exist) and its folders, then renders and writes each
// skeleton file as one task on `executor`. Throws std::runtime_error with the first
// failure (a template or a write) once every task is done.
GeneratedProject generate_project(const std::filesystem::path& root, const StringMap& values, ThreadPool& executor);

// "" when `root` holds exactly the skeleton's files, each with its rendered contents;
// else what differs.
std::string verify_project(const std::filesystem::path& root, const StringMap& values);

}  // namespace perfbench::workloads::runtime
