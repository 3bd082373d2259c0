#include <pybind11/numpy.h>
#include <pybind11/operators.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <span>
#include <string>

#include "perfbench/histogram.hpp"
#include "perfbench/histogram_format.hpp"
#include "registrations.hpp"

namespace py = pybind11;

namespace perfbench::bindings {

namespace {

template <class T>
using InputArray = py::array_t<T, py::array::c_style | py::array::forcecast>;

py::array_t<std::uint64_t> to_numpy(std::span<const std::uint64_t> values) {
    return py::array_t<std::uint64_t>(static_cast<py::ssize_t>(values.size()), values.data());
}

py::bytes to_bytes(const LatencyHistogram& h, bool compress) {
    std::string blob;
    {
        py::gil_scoped_release release;
        blob = serialize_histogram(h, compress);
    }
    return py::bytes(blob);
}

LatencyHistogram from_bytes(const py::bytes& blob) {
    const std::string_view view = blob;
    py::gil_scoped_release release;
    return deserialize_histogram(view);
}

}  // namespace

void register_histogram(py::module_& m) {
    m.attr("HISTOGRAM_FORMAT_VERSION") = kHistogramFormatVersion;
    py::class_<LatencyHistogram>(m, "LatencyHistogram")
        .def(py::init<int, std::uint64_t, std::uint64_t>(), py::arg("significant_digits") = 3,
             py::arg("highest_trackable") = (1ull << 40), py::arg("lowest_discernible") = 1)
        .def_static("request_latency", &LatencyHistogram::request_latency)
        .def("record", &LatencyHistogram::record, py::arg("value"))
        .def("record_n", &LatencyHistogram::record_n, py::arg("value"), py::arg("count"))
        .def("record_corrected", &LatencyHistogram::record_corrected, py::arg("value"),
             py::arg("expected_interval"))
        .def("record_array", [](LatencyHistogram& h, InputArray<std::uint64_t> values) {
            auto view = values.unchecked<1>();
            py::gil_scoped_release release;
            for (py::ssize_t i = 0; i < view.shape(0); ++i) h.record(view(i));
        }, py::arg("values"))
        .def("merge", &LatencyHistogram::merge, py::arg("other"), py::call_guard<py::gil_scoped_release>())
        .def("reset", &LatencyHistogram::reset)
        .def("value_at_percentile", &LatencyHistogram::value_at_percentile, py::arg("percentile"))
        .def("percentiles", [](const LatencyHistogram& h, InputArray<double> percentiles) {
            auto out = py::array_t<std::uint64_t>(percentiles.size());
            const std::span<const double> in(percentiles.data(), static_cast<std::size_t>(percentiles.size()));
            const std::span<std::uint64_t> values(out.mutable_data(), static_cast<std::size_t>(out.size()));
            py::gil_scoped_release release;
            h.values_at_percentiles(in, values);
            return out;
        }, py::arg("percentiles"))
        .def("counts", [](const LatencyHistogram& h) { return to_numpy(h.counts()); })
        .def("bucket_edges", [](const LatencyHistogram& h) { return to_numpy(h.bucket_edges()); })
        .def("nonzero_buckets", &LatencyHistogram::nonzero_buckets)
        .def("memory_bytes", &LatencyHistogram::memory_bytes)
        .def("to_bytes", &to_bytes, py::arg("compress") = true)
        .def_static("from_bytes", &from_bytes, py::arg("blob"))
        .def(py::pickle([](const LatencyHistogram& h) { return to_bytes(h, true); }, &from_bytes))
        .def(py::self == py::self)  // NOLINT(misc-redundant-expression): pybind11's operator spelling
        .def_property_readonly("count", &LatencyHistogram::count)
        .def_property_readonly("saturated", &LatencyHistogram::saturated)
        .def_property_readonly("min", &LatencyHistogram::min)
        .def_property_readonly("max", &LatencyHistogram::max)
        .def_property_readonly("mean", &LatencyHistogram::mean)
        .def_property_readonly("stdev", &LatencyHistogram::stdev)
        .def_property_readonly("significant_digits", &LatencyHistogram::significant_digits)
        .def_property_readonly("highest_trackable", &LatencyHistogram::highest_trackable)
        .def_property_readonly("lowest_discernible", &LatencyHistogram::lowest_discernible);
}

}  // namespace perfbench::bindings
