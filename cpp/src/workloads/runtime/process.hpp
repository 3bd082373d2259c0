// What the process holds and spends, read from the kernel and the C allocator: the memory
// and CPU figures of the runtime-strategy study.
//
// Why three memory figures: heap bytes (malloc's own count) miss thread stacks, which
// pthread maps with mmap; the stack reservation is virtual address space, of which only
// the pages a thread touches become resident; the resident set (RSS) counts what is really
// in RAM but only at page granularity and for the whole process.
#pragma once

#include <cstddef>
#include <cstdint>

#include "workloads/thread_pool.hpp"

namespace perfbench::workloads::runtime {

// Resident set size: /proc/self/statm's second field times the page size.
std::int64_t resident_bytes();

// Bytes malloc has handed out and not had back, over all arenas (glibc mallinfo2:
// uordblks + hblkhd). 0 where the C library does not say.
std::int64_t heap_in_use_bytes();

// CPU time of every thread of the process (CLOCK_PROCESS_CPUTIME_ID), in ns.
std::int64_t process_cpu_ns();

// Thread stacks: the virtual size pthread reserved (pthread_getattr_np; the block that
// also holds the thread descriptor and static TLS, less the guard page) and how much of it
// is resident (mincore, page by page) — the part of a thread's memory malloc never sees.
struct StackFootprint {
    std::size_t reserved = 0;
    std::size_t resident = 0;
    StackFootprint& operator+=(const StackFootprint& other) {
        reserved += other.reserved;
        resident += other.resident;
        return *this;
    }
};
// Summed over `pool`'s worker threads (which must be running: a pool's are until it dies).
StackFootprint worker_stacks(ThreadPool& pool);

// A snapshot of the two process-wide memory counters; subtract two for a delta.
struct MemorySnapshot {
    std::int64_t resident = 0;
    std::int64_t heap = 0;
    static MemorySnapshot now() { return {resident_bytes(), heap_in_use_bytes()}; }
    MemorySnapshot operator-(const MemorySnapshot& before) const {
        return {resident - before.resident, heap - before.heap};
    }
};

}  // namespace perfbench::workloads::runtime
