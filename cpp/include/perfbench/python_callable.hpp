// Timing Python callables with the C++ loop: the iteration loop is C++, each iteration is
// one vectorcall, so no interpreter-level loop adds to the measured time.
//
// Uses the CPython C API (not pybind11): the caller must hold the GIL for the whole
// measurement, and keep the callable and arguments alive.
#pragma once

#include <Python.h>

#include <cstdint>
#include <vector>

#include "perfbench/timing_loop.hpp"

namespace perfbench {

class PythonCallBatch final : public Batch {
public:
    // Borrowed references.
    PythonCallBatch(PyObject* callable, const std::vector<PyObject*>& args);
    bool run(std::uint64_t iterations) override;

private:
    PyObject* callable_;
    // Slot 0 is scratch space: PY_VECTORCALL_ARGUMENTS_OFFSET lets a bound method put
    // `self` there instead of allocating a new argument array on every call.
    std::vector<PyObject*> argv_;
    std::size_t nargsf_;
};

// The same loop as PythonCallBatch without the call: its overhead reference.
class PythonEmptyBatch final : public Batch {
public:
    bool run(std::uint64_t iterations) override;
};

}  // namespace perfbench
