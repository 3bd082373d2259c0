#include <pybind11/pybind11.h>

#include <vector>

#include "conversions.hpp"
#include "perfbench/python_callable.hpp"
#include "registrations.hpp"

namespace py = pybind11;

namespace perfbench::bindings {

void register_timing(py::module_& m) {
    // The GIL stays held: every iteration calls into Python.
    m.def("measure_callable", [](py::object callable, py::tuple args, py::dict plan) {
        std::vector<PyObject*> borrowed;
        borrowed.reserve(args.size());
        for (const auto& a : args) borrowed.push_back(a.ptr());
        PythonCallBatch body(callable.ptr(), borrowed);
        PythonEmptyBatch empty;
        return to_python(collect_samples(body, empty, sampling_plan_from(plan)));
    }, py::arg("callable"), py::arg("args"), py::arg("plan"));
}

}  // namespace perfbench::bindings
