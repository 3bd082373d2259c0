#include "registrations.hpp"

PYBIND11_MODULE(_core, m) {
    m.doc() = "perfbench measurement core (private; use the perfbench package)";
    perfbench::bindings::register_errors(m);
    perfbench::bindings::register_build_info(m);
    perfbench::bindings::register_clock(m);
    perfbench::bindings::register_http_server(m);
    perfbench::bindings::register_timing(m);
    perfbench::bindings::register_histogram(m);
    perfbench::bindings::register_workloads(m);
    perfbench::bindings::register_load(m);
}
