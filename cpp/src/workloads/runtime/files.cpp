#include "files.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

#include "workloads/tracking_allocator.hpp"

namespace perfbench::workloads::runtime {

namespace {
[[noreturn]] void fail(std::string_view what, const std::filesystem::path& path) {
    throw std::runtime_error(std::string(what) + " " + path.string() + ": " + std::strerror(errno));
}

// Closes a file descriptor on every path out of a scope.
struct FileDescriptor {
    int fd;
    ~FileDescriptor() {
        if (fd >= 0) ::close(fd);
    }
};
}  // namespace

TempDirectory::TempDirectory(std::string_view prefix) {
    std::string pattern = (std::filesystem::temp_directory_path() / (std::string(prefix) + "XXXXXX")).string();
    std::vector<char> buffer(pattern.begin(), pattern.end());
    buffer.push_back('\0');
    if (::mkdtemp(buffer.data()) == nullptr) fail("cannot create temporary directory", pattern);
    path_ = buffer.data();
}

TempDirectory::~TempDirectory() {
    std::error_code ignored;  // a destructor must not throw; a leftover temp dir is harmless
    std::filesystem::remove_all(path_, ignored);
}

void write_file(const std::filesystem::path& path, std::string_view contents) {
    FileDescriptor file{::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)};
    if (file.fd < 0) fail("cannot create", path);
    const char* data = contents.data();
    std::size_t left = contents.size();
    while (left > 0) {
        const ssize_t written = ::write(file.fd, data, left);
        if (written < 0) {
            if (errno == EINTR) continue;
            fail("cannot write", path);
        }
        data += written;
        left -= static_cast<std::size_t>(written);
    }
}

template <class String>
void read_file_into(const std::filesystem::path& path, String& out) {
    out.clear();
    FileDescriptor file{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
    if (file.fd < 0) fail("cannot open", path);
    char buffer[4096];
    for (;;) {
        const ssize_t got = ::read(file.fd, buffer, sizeof buffer);
        if (got < 0) {
            if (errno == EINTR) continue;
            fail("cannot read", path);
        }
        if (got == 0) return;
        out.append(buffer, static_cast<std::size_t>(got));
    }
}

template void read_file_into<std::string>(const std::filesystem::path&, std::string&);
template void read_file_into<tracked_string>(const std::filesystem::path&, tracked_string&);

}  // namespace perfbench::workloads::runtime
