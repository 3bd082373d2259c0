// Counting what Python code allocates per call: every block requested through the
// interpreter's "mem" and "object" allocators (PyMem_Malloc, PyObject_Malloc and their
// calloc / realloc), cumulatively, like Go's allocs/op and B/op and like the counts the
// built-in workloads report (tracking_allocator.hpp).
//
// Why not tracemalloc: it keeps only the blocks still alive (and the peak of their total),
// so a call that allocates and frees a temporary buffer reads as zero or as its largest
// live set, never as what it allocated. The hook here is the same mechanism tracemalloc
// uses (PyMem_SetAllocator around the current allocator), without the traceback capture
// that makes tracemalloc cost ~1 µs per allocation.
//
// Uses the CPython C API: the caller holds the GIL (both domains require it) and keeps the
// callable and arguments alive. Counting runs in its own pass, never inside timed samples.
#pragma once

#include <Python.h>

#include <cstdint>
#include <vector>

namespace perfbench {

struct PythonAllocations {
    std::uint64_t blocks = 0;  // malloc / calloc / realloc calls (a realloc counts as a new block)
    std::uint64_t bytes = 0;   // bytes requested by them
};

// Calls callable(*args) `calls` times with the counting hook installed, and returns what
// those calls allocated in total. False (with the Python error set) if a call raised.
bool count_python_allocations(PyObject* callable, const std::vector<PyObject*>& args, std::uint64_t calls,
                              PythonAllocations& out);

}  // namespace perfbench
