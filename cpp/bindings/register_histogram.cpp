#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "perfbench/histogram.hpp"
#include "registrations.hpp"

namespace py = pybind11;

namespace perfbench::bindings {

void register_histogram(py::module_& m) {
    py::class_<LatencyHistogram>(m, "LatencyHistogram")
        .def(py::init<int, std::uint64_t>(), py::arg("significant_digits") = 3,
             py::arg("highest_trackable") = (1ull << 40))
        .def("record", &LatencyHistogram::record, py::arg("value"))
        .def("record_n", &LatencyHistogram::record_n, py::arg("value"), py::arg("count"))
        .def("record_corrected", &LatencyHistogram::record_corrected, py::arg("value"),
             py::arg("expected_interval"))
        .def("record_array", [](LatencyHistogram& h, py::array_t<std::uint64_t, py::array::c_style | py::array::forcecast> values) {
            auto view = values.unchecked<1>();
            py::gil_scoped_release release;
            for (py::ssize_t i = 0; i < view.shape(0); ++i) h.record(view(i));
        }, py::arg("values"))
        .def("merge", &LatencyHistogram::merge, py::arg("other"))
        .def("reset", &LatencyHistogram::reset)
        .def("value_at_percentile", &LatencyHistogram::value_at_percentile, py::arg("percentile"))
        .def("nonzero_buckets", &LatencyHistogram::nonzero_buckets)
        .def_property_readonly("count", &LatencyHistogram::count)
        .def_property_readonly("saturated", &LatencyHistogram::saturated)
        .def_property_readonly("min", &LatencyHistogram::min)
        .def_property_readonly("max", &LatencyHistogram::max)
        .def_property_readonly("mean", &LatencyHistogram::mean)
        .def_property_readonly("stdev", &LatencyHistogram::stdev)
        .def_property_readonly("significant_digits", &LatencyHistogram::significant_digits)
        .def_property_readonly("highest_trackable", &LatencyHistogram::highest_trackable);
}

}  // namespace perfbench::bindings
