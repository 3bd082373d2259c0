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

#include "perfbench/thread_pool.hpp"

namespace perfbench::workloads::runtime {

// Resident set size: /proc/self/statm's second field times the page size.
std::int64_t resident_bytes();

// Bytes malloc has handed out and not had back, over all arenas (glibc mallinfo2:
// uordblks + hblkhd). 0 where the C library does not say.
std::int64_t heap_in_use_bytes();

// CPU time of every thread of the process (CLOCK_PROCESS_CPUTIME_ID), in ns.
std::int64_t process_cpu_ns();

// The stack size of one of `pool`'s worker threads, as pthread reports it for the running
// thread (pthread_getattr_np): the virtual reservation mmap'd for each worker.
std::size_t worker_stack_bytes(ThreadPool& pool);

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
