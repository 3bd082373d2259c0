#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "perfbench/http_server.hpp"
#include "registrations.hpp"

namespace py = pybind11;

namespace perfbench::bindings {

namespace {
py::dict counters_dict(const HttpServerCounters& c) {
    py::dict by_status;
    for (const auto& [status, count] : c.by_status) by_status[py::int_(status)] = count;
    py::dict d;
    d["connections_accepted"] = c.connections_accepted;
    d["requests"] = c.requests;
    d["responses"] = c.responses;
    d["bytes_received"] = c.bytes_received;
    d["bytes_sent"] = c.bytes_sent;
    d["rate_limited"] = c.rate_limited;
    d["resets"] = c.resets;
    d["malformed"] = c.malformed;
    d["never_answered"] = c.never_answered;
    d["held_by_stall"] = c.held_by_stall;
    d["by_status"] = by_status;
    return d;
}
}  // namespace

void register_http_server(py::module_& m) {
    py::enum_<MalformedKind>(m, "MalformedKind")
        .value("status_line", MalformedKind::status_line)
        .value("content_length", MalformedKind::content_length);

    py::class_<HttpFaults>(m, "HttpFaults")
        .def(py::init<>())
        .def_readwrite("delay_seconds", &HttpFaults::delay_seconds)
        .def_readwrite("delay_jitter_seconds", &HttpFaults::delay_jitter_seconds)
        .def_readwrite("never_answer_share", &HttpFaults::never_answer_share)
        .def_readwrite("reset_share", &HttpFaults::reset_share)
        .def_readwrite("malformed_share", &HttpFaults::malformed_share)
        .def_readwrite("malformed_kind", &HttpFaults::malformed_kind)
        .def_readwrite("rate_limited_share", &HttpFaults::rate_limited_share)
        .def_readwrite("rate_limit_per_second", &HttpFaults::rate_limit_per_second)
        .def_readwrite("rate_limit_burst", &HttpFaults::rate_limit_burst);

    py::class_<HttpStall>(m, "HttpStall")
        .def(py::init([](double at_seconds, double seconds) { return HttpStall{at_seconds, seconds}; }),
             py::arg("at_seconds"), py::arg("seconds"))
        .def_readwrite("at_seconds", &HttpStall::at_seconds)
        .def_readwrite("seconds", &HttpStall::seconds);

    py::class_<HttpServerOptions>(m, "HttpServerOptions")
        .def(py::init<>())
        .def_readwrite("port", &HttpServerOptions::port)
        .def_readwrite("threads", &HttpServerOptions::threads)
        .def_readwrite("backlog", &HttpServerOptions::backlog)
        .def_readwrite("body_bytes", &HttpServerOptions::body_bytes)
        .def_readwrite("chunk_bytes", &HttpServerOptions::chunk_bytes)
        .def_readwrite("max_body_bytes", &HttpServerOptions::max_body_bytes)
        .def_readwrite("faults", &HttpServerOptions::faults)
        .def_readwrite("stalls", &HttpServerOptions::stalls);

    py::class_<HttpServer>(m, "HttpServer")
        .def(py::init<HttpServerOptions>(), py::arg("options") = HttpServerOptions{})
        .def("start", &HttpServer::start, py::call_guard<py::gil_scoped_release>())
        .def("stop", &HttpServer::stop, py::call_guard<py::gil_scoped_release>())
        .def_property_readonly("running", &HttpServer::running)
        .def_property_readonly("port", &HttpServer::port)
        .def("set_faults", &HttpServer::set_faults, py::arg("faults"), py::call_guard<py::gil_scoped_release>())
        .def("faults", &HttpServer::faults)
        .def("stall", &HttpServer::stall, py::arg("seconds"), py::arg("after_seconds") = 0.0,
             py::call_guard<py::gil_scoped_release>())
        .def("counters", [](const HttpServer& s) { return counters_dict(s.counters()); });
}

}  // namespace perfbench::bindings
