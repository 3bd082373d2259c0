#include "perfbench/python_callable.hpp"

namespace perfbench {

PythonCallBatch::PythonCallBatch(PyObject* callable, const std::vector<PyObject*>& args)
    : callable_(callable), argv_(args.size() + 1, nullptr), nargsf_(args.size() | PY_VECTORCALL_ARGUMENTS_OFFSET) {
    std::copy(args.begin(), args.end(), argv_.begin() + 1);
}

bool PythonCallBatch::run(std::uint64_t iterations) {
    // A pending Ctrl-C is noticed once per sample even if the callable is a C function that
    // never enters the eval loop; the check reads one flag.
    if (PyErr_CheckSignals() < 0) return false;
    PyObject* const* args = argv_.data() + 1;
    for (; iterations > 0; --iterations) {
        PyObject* result = PyObject_Vectorcall(callable_, args, nargsf_, nullptr);
        if (result == nullptr) return false;
        Py_DECREF(result);
    }
    return true;
}

bool PythonEmptyBatch::run(std::uint64_t iterations) {
    if (PyErr_CheckSignals() < 0) return false;
    for (; iterations > 0; --iterations) asm volatile("");
    return true;
}

}  // namespace perfbench
