#include <pybind11/pybind11.h>

#include <vector>

#include "conversions.hpp"
#include "perfbench/python_allocations.hpp"
#include "perfbench/python_callable.hpp"
#include "registrations.hpp"

namespace py = pybind11;

namespace perfbench::bindings {

void register_timing(py::module_& m) {
    // Read-only: measurements are immutable.
    py::class_<SampleBuffer>(m, "SampleBuffer", py::buffer_protocol())
        .def_buffer([](SampleBuffer& b) {
            return py::buffer_info(b.ns_per_iteration.data(), static_cast<py::ssize_t>(sizeof(double)),
                                   py::format_descriptor<double>::format(), 1,
                                   {static_cast<py::ssize_t>(b.ns_per_iteration.size())},
                                   {static_cast<py::ssize_t>(sizeof(double))}, /*readonly=*/true);
        })
        .def("__len__", [](const SampleBuffer& b) { return b.ns_per_iteration.size(); });

    // The GIL stays held: every iteration calls into Python.
    m.def("measure_callable", [](py::object callable, py::tuple args, py::dict plan) {
        std::vector<PyObject*> borrowed;
        borrowed.reserve(args.size());
        for (const auto& a : args) borrowed.push_back(a.ptr());
        PythonCallBatch body(callable.ptr(), borrowed);
        PythonEmptyBatch empty;
        return to_python(collect_samples(body, empty, sampling_plan_from(plan)));
    }, py::arg("callable"), py::arg("args"), py::arg("plan"));

    // What `calls` calls allocate in total: {"blocks": ..., "bytes": ...}; a raised error propagates.
    m.def("count_python_allocations", [](py::object callable, py::tuple args, std::uint64_t calls) {
        std::vector<PyObject*> borrowed;
        borrowed.reserve(args.size());
        for (const auto& a : args) borrowed.push_back(a.ptr());
        PythonAllocations counted;
        if (!count_python_allocations(callable.ptr(), borrowed, calls, counted)) throw py::error_already_set();
        py::dict out;
        out["blocks"] = counted.blocks;
        out["bytes"] = counted.bytes;
        return out;
    }, py::arg("callable"), py::arg("args"), py::arg("calls"));
}

}  // namespace perfbench::bindings
