// Real files for the simulated CLI: a private temporary directory, and whole-file reads and
// writes with errors that name the path (a CLI's config file and generated project).
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace perfbench::workloads::runtime {

// A fresh directory under the system temp directory (mkdtemp), removed with its contents
// when the object is destroyed.
class TempDirectory {
public:
    explicit TempDirectory(std::string_view prefix);
    ~TempDirectory();
    TempDirectory(const TempDirectory&) = delete;
    TempDirectory& operator=(const TempDirectory&) = delete;
    const std::filesystem::path& path() const noexcept { return path_; }

private:
    std::filesystem::path path_;
};

// Replaces the file's contents; throws std::runtime_error naming the path on failure.
void write_file(const std::filesystem::path& path, std::string_view contents);

// Appends the whole file to `out` (cleared first); throws std::runtime_error naming the path.
template <class String>
void read_file_into(const std::filesystem::path& path, String& out);

}  // namespace perfbench::workloads::runtime
