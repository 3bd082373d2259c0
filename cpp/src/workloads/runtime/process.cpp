#include "process.hpp"

#include <fcntl.h>
#include <malloc.h>
#include <pthread.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <stdexcept>
#include <string>

namespace perfbench::workloads::runtime {

std::int64_t resident_bytes() {
    // Read with plain syscalls: an ifstream would allocate, and this is called while
    // allocations are being counted.
    const int fd = ::open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw std::runtime_error(std::string("cannot open /proc/self/statm: ") + std::strerror(errno));
    char buffer[128];
    const ssize_t got = ::read(fd, buffer, sizeof buffer - 1);
    ::close(fd);
    if (got <= 0) throw std::runtime_error("cannot read /proc/self/statm");
    // "size resident shared text lib data dt", in pages
    const char* end = buffer + got;
    const char* field = std::find(static_cast<const char*>(buffer), end, ' ');
    std::int64_t pages = 0;
    if (field == end || std::from_chars(field + 1, end, pages).ec != std::errc())
        throw std::runtime_error("unexpected /proc/self/statm format");
    return pages * static_cast<std::int64_t>(::sysconf(_SC_PAGESIZE));
}

std::int64_t heap_in_use_bytes() {
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
    const struct mallinfo2 info = ::mallinfo2();
    return static_cast<std::int64_t>(info.uordblks + info.hblkhd);
#else
    return 0;
#endif
}

std::int64_t process_cpu_ns() {
    timespec now{};
    ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
    return static_cast<std::int64_t>(now.tv_sec) * 1'000'000'000 + now.tv_nsec;
}

StackFootprint worker_stacks(ThreadPool& pool) {
    static const std::size_t page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
    StackFootprint out;
    for (const pthread_t thread : pool.native_handles()) {
        pthread_attr_t attributes;
        if (const int error = ::pthread_getattr_np(thread, &attributes); error != 0)
            throw std::runtime_error(std::string("pthread_getattr_np failed: ") + std::strerror(error));
        void* low = nullptr;
        std::size_t size = 0;
        const int error = ::pthread_attr_getstack(&attributes, &low, &size);
        ::pthread_attr_destroy(&attributes);
        if (error != 0) throw std::runtime_error(std::string("pthread_attr_getstack failed: ") + std::strerror(error));
        out.reserved += size;
        // mincore in windows of a fixed buffer: no allocation while memory is being measured.
        unsigned char residency[4096];
        auto* at = static_cast<unsigned char*>(low);
        for (std::size_t pages_left = size / page; pages_left > 0;) {
            const std::size_t pages = std::min(pages_left, sizeof residency);
            if (::mincore(at, pages * page, residency) != 0)
                throw std::runtime_error(std::string("mincore on a thread stack failed: ") + std::strerror(errno));
            for (std::size_t i = 0; i < pages; ++i) out.resident += (residency[i] & 1u) * page;
            at += pages * page;
            pages_left -= pages;
        }
    }
    return out;
}

}  // namespace perfbench::workloads::runtime
